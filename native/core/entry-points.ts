import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** Separate Node entry points (worker threads, probe processes) and where their source lives. */
const sourceOf = {
  'job-worker': 'native/studio/job-worker.ts',
  'provider-probe': 'native/inference/provider-probe.ts',
} as const;
export type EntryName = keyof typeof sourceOf;

const here = dirname(fileURLToPath(import.meta.url));
/** True when running the esbuild bundles in dist/node, false when running TypeScript sources (tests, tsx). */
const bundled = import.meta.url.endsWith('.mjs');

/** The project root (where package.json is), also inside an Electron asar archive. */
export function appRoot(): string {
  let dir = here;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return join(here, '..', '..');
}

/**
 * The file of an entry in both modes: dist/node/<name>.mjs next to the running bundle, or the
 * TypeScript source (run through tsx). Files inside app.asar are taken from app.asar.unpacked,
 * because worker threads and child processes cannot load code from inside an archive.
 */
export function entryFile(name: EntryName): string {
  if (bundled) return join(here, `${name}.mjs`).replace(/app\.asar([\\/])/, 'app.asar.unpacked$1');
  return join(appRoot(), sourceOf[name]);
}

/** Starts a worker thread on an entry; from source, a small bootstrap registers the TypeScript loader first. */
export function startWorker(name: EntryName, workerData: Record<string, unknown>): Worker {
  const file = entryFile(name);
  if (bundled) return new Worker(file, { workerData });
  return new Worker(join(here, 'ts-worker-bootstrap.mjs'), { workerData: { ...workerData, __entry: pathToFileURL(file).href } });
}

/** Forks a child Node process on an entry (used where a native crash must not take the host down). */
export function forkEntry(name: EntryName, args: string[], options: ForkOptions = {}): ChildProcess {
  const file = entryFile(name);
  // Otherwise the child dies with "Cannot find module", which reads like a broken onnxruntime.
  if (!existsSync(file))
    throw new Error(`${file} is missing: build it beside the running bundle (npm run build, or scripts/build-bench.mjs for benches).`);
  const execArgv = bundled ? [] : ['--import', 'tsx'];
  return fork(file, args, { ...options, execArgv: [...execArgv, ...(options.execArgv ?? [])] });
}
