import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLikeness } from '../testing/cli';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorReport, Job } from '../api/schemas';
import { latestSchemaVersion } from '../catalog/migrations';
import { sharedFile } from '../testing/shared-data';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const root = mkdtempSync(join(tmpdir(), 'likeness-cli-'));
const library = join(root, 'library');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The CLI from source, as `likeness` would run it. */
const likeness = (args: string[], env: NodeJS.ProcessEnv = {}) => runLikeness(library, args, env);

describe('likeness CLI', () => {
  it('doctor --json: cpu ok, the other providers with their exact errors, ffmpeg with its features, the library checked', async () => {
    const { code, stdout } = await likeness(['doctor', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.providers.map((p) => p.name)).toEqual(['cpu', 'webgpu', 'cuda', 'dml', 'coreml']);
    expect(report.providers[0]).toMatchObject({ name: 'cpu', status: 'ok' });
    const webgpu = report.providers.find((p) => p.name === 'webgpu')!;
    // This machine has no GPU: WebGPU must say why, in onnxruntime's own words.
    if (webgpu.status === 'error') expect(webgpu.error).toMatch(/adapter|WebGPU|webgpu/i);
    for (const provider of report.providers) if (provider.status === 'error') expect(provider.error!.length).toBeGreaterThan(10);
    expect(report.onnxruntime.version).toBe('1.29.0');
    expect(report.library).toMatchObject({ path: library, schemaVersion: latestSchemaVersion, integrity: 'ok' });
    expect(report.node.ok).toBe(true);
    if (report.ffmpeg.found) {
      // What ffmpeg itself lists (its -encoders and -filters tables), asked here without the doctor's code.
      const listed = (what: string) =>
        execFileSync(report.ffmpeg.path!, ['-hide_banner', what], { encoding: 'utf8' })
          .split('\n')
          .map((line) => line.trim().split(/\s+/)[1]);
      const encoders = listed('-encoders');
      const filters = listed('-filters');
      const truth = {
        libx264: encoders.includes('libx264'),
        aac: encoders.includes('aac'),
        xfade: filters.includes('xfade'),
        loudnorm: filters.includes('loudnorm'),
      };
      expect(report.ffmpeg.features).toEqual(truth);
      // CI installs Debian's ffmpeg, which has every one of them: reels need them all.
      if (ci) expect(truth).toEqual({ libx264: true, aac: true, xfade: true, loudnorm: true });
    } else {
      expect(ci, 'CI installs ffmpeg').toBe(false);
      expect(report.ffmpeg.hint).toMatch(/Install ffmpeg/);
    }
  });

  it('doctor names a configured ffmpeg that does not run, and how to install one', async () => {
    const { stdout } = await likeness(['doctor', '--json'], { LIKENESS_FFMPEG: join(root, 'no-such-ffmpeg') });
    const report = JSON.parse(stdout) as DoctorReport;
    expect(report.ffmpeg).toMatchObject({ found: false, source: 'environment', path: join(root, 'no-such-ffmpeg') });
    expect(report.ffmpeg.hint).toMatch(/Install ffmpeg/);
  });

  it('catalog import --json imports a folder and reports the job; errors exit non-zero with a hint', async () => {
    const photos = sharedFile('fixtures/photos');
    if (!photos.missing) {
      const { code, stdout } = await likeness(['catalog', 'import', photos.path, '--json']);
      expect(code).toBe(0);
      const job = JSON.parse(stdout) as Job;
      expect(job).toMatchObject({ status: 'done', kind: 'catalog.import', result: { imported: 4, failed: [] } });
    }
    const missing = await likeness(['catalog', 'import', join(root, 'nowhere')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
    expect(missing.stderr).toMatch(/hint: Check the path/);
  });

  it('people add / list, with validation errors as exit code 2', async () => {
    const added = await likeness(['people', 'add', 'Ada Lovelace', '--trigger', 'adlv', '--class', 'woman', '--json']);
    expect(JSON.parse(added.stdout)).toMatchObject({ name: 'Ada Lovelace', trigger: 'adlv', classWord: 'woman' });
    const bad = await likeness(['people', 'add', 'Bob', '--trigger', 'Two Words']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/trigger/);
    expect((await likeness(['people', 'list'])).stdout).toMatch(/Ada Lovelace\s+trigger: adlv/);
  });

  it('a usage mistake (a choice that does not exist, an unknown option) exits 2 with one line that says what is wrong', async () => {
    const choice = await likeness(['people', 'add', 'Bob', '--size', '640']);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toMatch(/Allowed choices are 512, 768, 1024/);
    expect(choice.stderr).toMatch(/add --help/);
    expect(choice.stderr).not.toMatch(/Usage:/);
    expect((await likeness(['review', 'list', '--no-such-option'])).code).toBe(2);
    const help = await likeness(['people', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: likeness people/);
  });
});
