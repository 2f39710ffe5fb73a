// Builds a standalone benchmark (bench/<name>.ts → dist/bench/<name>.mjs) with the separate entries it starts
// beside it: the provider probe runs in a child process from `provider-probe.mjs` next to the running bundle
// (native/core/entry-points.ts), so a bench copied to a GPU box opens the same providers as the app.
//   node scripts/build-bench.mjs diffusion|animate [--outdir DIR]   (DIR inside the project: packages stay external)
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 && process.argv[at + 1] ? resolve(process.argv[at + 1]) : join(root, 'dist', 'bench');
if (!name || !existsSync(join(root, 'bench', `${name}.ts`))) {
  console.error(`usage: node scripts/build-bench.mjs NAME (a file bench/NAME.ts)`);
  process.exit(2);
}

await esbuild.build({
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
  absWorkingDir: root,
  outdir,
  outExtension: { '.js': '.mjs' },
  entryPoints: { [name]: `bench/${name}.ts`, 'provider-probe': 'native/inference/provider-probe.ts' },
});
console.log(`${join(outdir, `${name}.mjs`)} and ${join(outdir, 'provider-probe.mjs')}`);
