import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceApiSamples, portraitsOf, seenAgain } from '../likeness/testing/faces';
import { runLikeness } from '../testing/cli';
import { sharedFile } from '../testing/shared-data';

const root = mkdtempSync(join(tmpdir(), 'likeness-score-cli-'));
const library = join(root, 'library');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const likeness = (args: string[]) => runLikeness(library, args);

const astronaut = sharedFile('fixtures/photos/astronaut.png');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

interface Scored {
  file: string;
  model: string;
  faces: { box: { x: number; y: number; width: number; height: number }; score: number; verdict: string }[];
}

describe.skipIf(astronaut.missing || yunet.missing)('likeness score', () => {
  const files: Record<string, string> = {};

  beforeAll(async () => {
    const photo = readFileSync(astronaut.path);
    const again = await seenAgain(photo);
    const dir = join(root, 'images');
    mkdirSync(dir);
    const write = (name: string, data: Buffer) => {
      files[name] = join(dir, name);
      writeFileSync(files[name], data);
    };
    write('eileen.png', photo);
    write('eileen-mirrored.png', again.mirrored);
    write('eileen-darker.png', again.darker);
    write('her-rotated.png', again.rotated);
    write('stranger.png', (await portraitsOf(faceApiSamples[2]!, yunet.path))[0]!);
    write(
      'empty.png',
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#333' } })
        .png()
        .toBuffer(),
    );
    expect((await likeness(['models', 'add', 'yunet-n', '--file', yunet.path])).code).toBe(0);
  }, 120_000);

  it('scores each face of each image against reference photos, one JSON entry per image', async () => {
    const run = await likeness([
      'score',
      files['her-rotated.png']!,
      files['stranger.png']!,
      files['empty.png']!,
      '--reference',
      files['eileen.png']!,
      '--json',
    ]);
    expect(run.code).toBe(0);
    const [her, stranger, empty] = JSON.parse(run.stdout) as Scored[];
    expect(her).toMatchObject({ file: files['her-rotated.png'], model: 'dlib-resnet-v1', faces: [{ verdict: 'same' }] });
    expect(her!.faces[0]!.score).toBeGreaterThanOrEqual(75);
    expect(her!.faces[0]!.box.width).toBeGreaterThan(40);
    expect(stranger!.faces[0]!.verdict).not.toBe('same');
    expect(empty).toMatchObject({ faces: [] });
    const missing = await likeness(['score', join(root, 'nope.jpg'), '--reference', files['eileen.png']!, '--json']);
    expect(JSON.parse(missing.stdout)).toEqual([expect.objectContaining({ faces: [], error: `${join(root, 'nope.jpg')} does not exist.` })]);
  }, 120_000);

  it('scores against a person’s accepted photos and says what is wrong with a bad call', async () => {
    expect((await likeness(['people', 'add', 'Eileen', '--trigger', 'ohwx', '--class', 'woman'])).code).toBe(0);
    expect(
      (await likeness(['people', 'import', 'Eileen', files['eileen.png']!, files['eileen-mirrored.png']!, files['eileen-darker.png']!])).code,
    ).toBe(0);
    const human = await likeness(['score', files['her-rotated.png']!, files['stranger.png']!, '--person', 'Eileen']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^Likeness to Eileen \(model dlib-resnet-v1/);
    expect(human.stdout).toMatch(/her-rotated\.png: \d+(\.\d)? same/);
    const both = await likeness(['score', files['her-rotated.png']!, '--person', 'Eileen', '--reference', files['eileen.png']!]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--person NAME or --reference IMAGE/);
    const noVersion = await likeness(['score', files['her-rotated.png']!, '--person', 'Eileen', '--version', '3']);
    expect(noVersion.code).not.toBe(0);
    expect(noVersion.stderr).toMatch(/Eileen has no version 3/);
  }, 180_000);
});
