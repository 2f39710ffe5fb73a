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

  it('bench/gpu.sh runs the diffusion (fp32, fp16) and animation benches from their bundles within its budget', async () => {
    await run(process.execPath, [join(root, 'scripts', 'build-bench.mjs'), 'diffusion', '--outdir', outdir], { cwd: root });
    await run(process.execPath, [join(root, 'scripts', 'build-bench.mjs'), 'animate', '--outdir', outdir], { cwd: root });
    const { stdout } = await run('bash', [join(root, 'bench', 'gpu.sh')], {
      cwd: root,
      timeout: 280_000,
      env: {
        ...process.env,
        BENCH_DIST: outdir,
        BENCH_BUDGET_S: '240',
        BENCH_DIFFUSION_ARGS: '--provider cpu --size 64 --width 0.1 --steps 1 --guidance 1',
        BENCH_ANIMATE_ARGS: '--provider cpu --frames 2 --models tiny',
      },
    });
    // Two diffusion tables (fp32, then fp16) and the animation table, each with its CPU row.
    expect(stdout).toMatch(/\(fp32, [\d.]+ GB of weights[\s\S]*^cpu\s+[\d.]+\s+[\d.]+/m);
    expect(stdout).toMatch(/\(fp16, [\d.]+ GB of weights[\s\S]*^cpu\s+[\d.]+\s+[\d.]+/m);
    expect(stdout).toMatch(/^cpu\s+cpu\s+cpu \(native\)\s+[\d.]+/m);
    expect(stdout).toMatch(/PyTorch with diffusers is not on this machine|^pytorch .* ms per UNet call/m);
    expect(stdout).not.toMatch(/\(exit \d+\)|stopped after/);
  }, 300_000);
});
