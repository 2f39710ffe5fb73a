// ESLint rule `likeness/layering`: who may import what (shared/ARCHITECTURE.md).
//   - only electron/ imports 'electron'; only native/inference imports onnxruntime-node;
//     better-sqlite3 stays in native/catalog and fluent-ffmpeg in native/video;
//   - renderer/ imports nothing from Node and, from the engine, only native/api;
//   - native/api is pure TypeScript (zod only): hosts, browser and CLI all share it;
//   - imports flow one way: hosts (cli, server) → studio → services; never back, never into electron/ or renderer/.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const nodeOnlyPackages = [
  'better-sqlite3',
  'sharp',
  'onnxruntime-node',
  'onnxruntime-common',
  'fluent-ffmpeg',
  'electron',
  'exif-reader',
  'commander',
  '@hono/node-server',
  'bullmq',
  'ioredis',
];

/** Packages with a single home, and the folder that owns them. */
const owners = {
  electron: ['electron/'],
  'onnxruntime-node': ['native/inference/'],
  'onnxruntime-common': ['native/inference/'],
  'better-sqlite3': ['native/catalog/'],
  'fluent-ffmpeg': ['native/video/'],
  // The farm's queue engine and its Redis client stay behind native/farm (the studio and CLI use its functions).
  bullmq: ['native/farm/'],
  ioredis: ['native/farm/'],
};

const hosts = new Set(['cli', 'server']);

function packageName(source) {
  if (source.startsWith('node:')) return source;
  const parts = source.split('/');
  return source.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function toPosix(path) {
  return path.split(sep).join('/');
}

/** The native/ subfolder of a project-relative path ('api', 'catalog', …) or undefined. */
function nativeArea(path) {
  const match = /^native\/([^/]+)\//.exec(path);
  return match?.[1];
}

export function checkImport(file, source) {
  const isTest = /\.(test|spec)\.[cm]?[jt]sx?$/.test(file) || file.startsWith('e2e/');
  if (source.startsWith('.')) {
    const target = toPosix(relative('.', resolve(dirname(file), source)));
    if (
      file.startsWith('renderer/') &&
      !file.startsWith('renderer/vite.config') &&
      target.startsWith('native/') &&
      !target.startsWith('native/api')
    ) {
      return `renderer/ may only use native/api from the engine, not ${target}`;
    }
    if (file.startsWith('native/') && (target.startsWith('electron/') || target.startsWith('renderer/'))) {
      return `native/ must not depend on ${target.split('/')[0]}/ (imports flow electron → native, renderer → native/api)`;
    }
    const from = nativeArea(file);
    const to = nativeArea(target);
    if (from === 'api' && to && to !== 'api') return `native/api is the shared contract and must stay pure: it cannot import native/${to}`;
    if (from && to && from !== to && !isTest) {
      if (to === 'studio' && from !== 'studio' && !hosts.has(from))
        return `native/${from} is a service: it cannot import the composition root native/studio`;
      if (hosts.has(to) && from !== 'cli') return `native/${from} cannot import the host native/${to}`;
    }
    return undefined;
  }
  const pkg = packageName(source);
  const owner = owners[pkg];
  if (owner && !owner.some((prefix) => file.startsWith(prefix)) && !(isTest && pkg !== 'electron')) {
    return `only ${owner.join(', ')} may import '${pkg}'`;
  }
  if (
    file.startsWith('renderer/') &&
    !file.startsWith('renderer/vite.config') &&
    !isTest &&
    (builtins.has(source) || builtins.has(pkg) || nodeOnlyPackages.includes(pkg))
  ) {
    return `renderer/ runs in the browser: it cannot import '${source}' (talk to the engine through StudioApi)`;
  }
  if (file.startsWith('native/api/') && !isTest && pkg !== 'zod') {
    return `native/api is shared with the browser: it may import only zod, not '${source}'`;
  }
  return undefined;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the import layering of shared/ARCHITECTURE.md' },
    schema: [],
  },
  create(context) {
    const file = toPosix(relative(context.cwd, context.filename));
    const check = (node, source) => {
      if (typeof source !== 'string') return;
      const problem = checkImport(file, source);
      if (problem) context.report({ node, message: problem });
    };
    return {
      ImportDeclaration: (node) => check(node.source, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node.source, node.source.value),
      ExportAllDeclaration: (node) => check(node.source, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') {
          check(node.arguments[0], node.arguments[0].value);
        }
      },
    };
  },
};

export default { rules: { layering: rule } };
