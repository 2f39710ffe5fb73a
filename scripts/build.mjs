// Builds everything `likeness` runs: the Node bundles (CLI, job worker, provider probe, Electron main
// and preload) with esbuild, and the renderer with Vite. Run by `npm install` (prepare) and `npm start`.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'node');
const started = Date.now();
rmSync(outdir, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  absWorkingDir: root,
};

await Promise.all([
  esbuild.build({
    ...common,
    format: 'esm',
    outdir,
    outExtension: { '.js': '.mjs' },
    entryPoints: {
      cli: 'native/cli/main.ts',
      'job-worker': 'native/studio/job-worker.ts',
      'provider-probe': 'native/inference/provider-probe.ts',
      'electron-main': 'electron/main/main.ts',
    },
  }),
  // A sandboxed preload can load only the electron module itself: everything else is bundled in, as CommonJS.
  esbuild.build({
    ...common,
    packages: undefined,
    external: ['electron'],
    format: 'cjs',
    outfile: join(outdir, 'preload.cjs'),
    entryPoints: ['electron/preload/preload.ts'],
  }),
]);

if (!process.argv.includes('--node-only')) {
  const { build } = await import('vite');
  await build({ configFile: join(root, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}
console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
