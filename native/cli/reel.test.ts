import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLikeness } from '../testing/cli';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedFile } from '../testing/shared-data';
import { ffprobe, makeVoice, testFfmpeg } from '../video/testing/media-fixtures';

const root = mkdtempSync(join(tmpdir(), 'likeness-cli-reel-'));
const library = join(root, 'library');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The CLI from source, as `likeness` would run it. */
const likeness = (args: string[], env: NodeJS.ProcessEnv = {}) => runLikeness(library, args, env);

const { location: ffmpeg, missing } = testFfmpeg();
const photos = sharedFile('fixtures/photos');

describe.skipIf(missing ?? photos.missing)('likeness reel', () => {
  it('reel make --json renders a talking portrait with captions to --out and into the catalogue', { timeout: 240_000 }, async () => {
    const voice = join(root, 'voice.wav');
    await makeVoice(ffmpeg!.path, voice, 2);
    const captions = join(root, 'captions.srt');
    writeFileSync(captions, '1\n00:00:00,100 --> 00:00:01,800\n你好，爷爷\n');
    const out = join(root, 'out', 'talking.mp4');
    const { code, stdout, stderr } = await likeness([
      'reel',
      'make',
      '--template',
      'talking',
      '--photos',
      join(photos.path, 'astronaut.png'),
      '--audio',
      voice,
      '--title',
      'Grandpa',
      '--captions',
      captions,
      '--size',
      '1080x1080',
      '--out',
      out,
      '--json',
    ]);
    expect(stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { out: string; outputId: number; durationMs: number; width: number; height: number };
    expect(result).toMatchObject({ out, width: 1080, height: 1080, outputId: expect.any(Number) });
    expect(existsSync(out)).toBe(true);
    const probe = await ffprobe(ffmpeg!.ffprobe!, out);
    expect(Math.abs(Number(probe.format.duration) * 1000 - result.durationMs)).toBeLessThanOrEqual(1000 / 30);
  });

  it('wrong input exits 2 with the reason; a missing ffmpeg says how to install one', async () => {
    const size = await likeness(['reel', 'make', '--template', 'memories', '--photos', 'a.png', '--size', '720x720', '--out', join(root, 'x.mp4')]);
    expect(size.code).toBe(2);
    expect(size.stderr).toMatch(/error: --size 720x720 is not a reel size\.\nhint: Use 1080x1920, 1080x1080, 1920x1080/);
    // Not an mp4 name, seconds out of range, an unknown label mode: each named by its option, exit 2, nothing rendered.
    const out = await likeness(['reel', 'make', '--template', 'memories', '--photos', 'a.png', '--out', join(root, 'reel.txt')]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/error: --out .*reel\.txt should end in \.mp4/);
    const seconds = await likeness(['reel', 'make', '--template', 'memories', '--photos', 'a.png', '--seconds', '-3', '--out', join(root, 'x.mp4')]);
    expect(seconds.code).toBe(2);
    expect(seconds.stderr).toMatch(/error: --seconds must be a number from 1 to 20, not “-3”/);
    const label = await likeness(['reel', 'make', '--template', 'memories', '--photos', 'a.png', '--ai-label', 'loud', '--out', join(root, 'x.mp4')]);
    expect(label.code).toBe(2);
    expect(label.stderr).toMatch(/error: --ai-label loud is not a choice\.\nhint: Use off, metadata, visible/);
    const count = await likeness([
      'reel',
      'make',
      '--template',
      'memories',
      '--photos',
      join(photos.path, 'astronaut.png'),
      '--out',
      join(root, 'x.mp4'),
    ]);
    expect(count.code).toBe(2);
    expect(count.stderr).toMatch(/takes 3–20 photos or clips; 1 was given/);
    expect(count.stderr).toMatch(/hint: Add more photos/);
    const noFfmpeg = await likeness(
      ['reel', 'make', '--template', 'talking', '--photos', join(photos.path, 'astronaut.png'), '--out', join(root, 'y.mp4')],
      {
        LIKENESS_FFMPEG: join(root, 'no-ffmpeg'),
      },
    );
    expect(noFfmpeg.code).toBe(1);
    expect(noFfmpeg.stderr).toMatch(/ffmpeg is set to .*no-ffmpeg, which does not exist/);
    expect(noFfmpeg.stderr).toMatch(/hint: Install ffmpeg/);
  });
});
