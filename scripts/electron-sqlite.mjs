// Builds better-sqlite3 for Electron's ABI into .cache/electron-sqlite/<electron version>/ (and current/,
// which packaging picks up), leaving node_modules' Node build for the CLI, the server and the tests.
// Needs Electron's headers from electronjs.org once (internet), and a C++ toolchain.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
const source = dirname(require.resolve('better-sqlite3/package.json'));
const cache = join(root, '.cache', 'electron-sqlite');
const work = join(cache, 'build', 'better-sqlite3');

rmSync(work, { recursive: true, force: true });
cpSync(source, work, { recursive: true, filter: (path) => !path.includes(`${source}/build`) });
const nodeGyp = join(dirname(require.resolve('node-gyp/package.json')), 'bin', 'node-gyp.js');
console.log(`Building better-sqlite3 for Electron ${electronVersion}…`);
const env = { ...process.env };
// A nodedir set for Node builds (npm config) would point node-gyp at Node's headers instead of Electron's.
for (const key of Object.keys(env)) if (/^npm_config_nodedir$/i.test(key)) delete env[key];
const result = spawnSync(
  process.execPath,
  [
    nodeGyp,
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    '--runtime=electron',
    '--dist-url=https://electronjs.org/headers',
    `--devdir=${join(cache, 'headers')}`,
  ],
  { cwd: work, stdio: 'inherit', env },
);
if (result.status !== 0) {
  console.error('Could not build better-sqlite3 for Electron (this needs internet once for Electron’s headers).');
  process.exit(1);
}
for (const target of [join(cache, electronVersion), join(cache, 'current')]) {
  mkdirSync(target, { recursive: true });
  copyFileSync(join(work, 'build', 'Release', 'better_sqlite3.node'), join(target, 'better_sqlite3.node'));
}
console.log(`ok: ${join(cache, electronVersion, 'better_sqlite3.node')}`);
