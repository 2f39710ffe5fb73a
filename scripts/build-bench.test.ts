import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
// Inside the project, so that the bundle finds node_modules (packages stay external, as in dist/bench).
mkdirSync(join(root, 'dist'), { recursive: true });
const outdir = mkdtempSync(join(root, 'dist', 'bench-test-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('standalone benches', () => {
  it('the diffusion bench built alone probes the providers and runs on the CPU from its bundle', async () => {
    await run(process.execPath, [join(root, 'scripts', 'build-bench.mjs'), 'diffusion', '--outdir', outdir], { cwd: root });
    expect(existsSync(join(outdir, 'provider-probe.mjs'))).toBe(true);
    // Run from elsewhere: the bundle finds its probe beside itself, not through the working directory.
    const { stdout } = await run(
      process.execPath,
      [join(outdir, 'diffusion.mjs'), '--provider', 'cpu', '--size', '64', '--width', '0.1', '--steps', '1', '--guidance', '1'],
      { cwd: outdir, timeout: 120_000 },
    );
    expect(stdout).toMatch(/onnxruntime-node \d+\.\d+\.\d+; providers that open a session here: .*\bcpu\b/);
    expect(stdout).toMatch(/^cpu\s+[\d.]+\s+[\d.]+\s+[\d.]+/m);
  });
});
