import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runLikeness } from '../testing/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModelFile } from '../models/installed';
import { installTinyModels } from '../portrait/testing/tiny-models';
import { sharedFile } from '../testing/shared-data';
import { ffprobe, makeVoice, testFfmpeg } from '../video/testing/media-fixtures';

const root = mkdtempSync(join(tmpdir(), 'likeness-cli-portrait-'));
const library = join(root, 'library');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The CLI from source, as `likeness` would run it. */
const likeness = (args: string[]) => runLikeness(library, args);

const { location: ffmpeg, missing } = testFfmpeg();
const photos = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

describe.skipIf(missing ?? photos.missing ?? yunet.missing)('likeness restore / animate', () => {
  beforeAll(async () => {
    const models = join(library, 'models');
    await installModelFile(models, 'yunet-n', yunet.path);
    installTinyModels(models, ['gfpgan-1.4', 'codeformer', 'ddcolor', 'real-esrgan-x2', 'liveportrait', 'edtalk-256']);
  });

  it('restore --colorize --upscale 2 --json writes a PNG twice the size and reports the steps', { timeout: 240_000 }, async () => {
    const out = join(root, 'out', 'camera.png');
    const { code, stdout, stderr } = await likeness([
      'restore',
      join(photos.path, 'camera.png'),
      '--colorize',
      '--upscale',
      '2',
      '--ep',
      'cpu',
      '--out',
      out,
      '--json',
    ]);
    expect(stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { still: { width: number; outputId: number }; providers: Record<string, string>; out: string };
    expect(result.out).toBe(out);
    expect(result.still.width).toBe(1024);
    expect(result.providers).toEqual({ upscale: 'cpu', restore: 'cpu', colorize: 'cpu' });
    expect((await sharp(out).metadata()).width).toBe(1024);
  });

  it('restore with a non-commercial model fails with a hint (exit 1) unless allowed', { timeout: 240_000 }, async () => {
    const out = join(root, 'out', 'codeformer.png');
    const refused = await likeness(['restore', join(photos.path, 'astronaut.png'), '--restore-model', 'codeformer', '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/error: CodeFormer is licensed for non-commercial use only/);
    expect(refused.stderr).toMatch(/hint: .*--allow-non-commercial/);
    const allowed = await likeness([
      'restore',
      join(photos.path, 'astronaut.png'),
      '--restore-model',
      'codeformer',
      '--allow-non-commercial',
      '--ep',
      'cpu',
      '--out',
      out,
    ]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^Wrote .*codeformer\.png \(512×512, 1 face\)/);
  });

  it('animate --preset … --audio … --seconds 2 writes an mp4 with sound; a bad invocation exits 2', { timeout: 240_000 }, async () => {
    const voice = join(root, 'voice.wav');
    await makeVoice(ffmpeg!.path, voice, 3);
    const out = join(root, 'out', 'nod.mp4');
    const { code, stdout } = await likeness([
      'animate',
      join(photos.path, 'astronaut.png'),
      '--preset',
      'gentle-nod',
      '--audio',
      voice,
      '--seconds',
      '2',
      '--fps',
      '10',
      '--max-side',
      '320',
      '--ep',
      'cpu',
      '--out',
      out,
      '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { video: { frames: number; durationMs: number } };
    expect(result.video).toMatchObject({ frames: 20, durationMs: 2000 });
    expect(existsSync(out)).toBe(true);
    const probe = await ffprobe(ffmpeg!.ffprobe!, out);
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(Number(probe.format.duration)).toBeCloseTo(2, 0);

    const both = await likeness(['animate', join(photos.path, 'astronaut.png'), '--out', out]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/Give either --preset NAME or --driving VIDEO/);
    const twoVoices = await likeness([
      'animate',
      join(photos.path, 'astronaut.png'),
      '--preset',
      'blink',
      '--audio',
      voice,
      '--say',
      'Hello',
      '--out',
      out,
    ]);
    expect(twoVoices.code).toBe(2);
    expect(twoVoices.stderr).toMatch(/either --audio FILE or --say TEXT/);
  });
});
