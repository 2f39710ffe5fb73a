import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLikeness } from '../testing/cli';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '../api/schemas';
import { sharedFile } from '../testing/shared-data';

const root = mkdtempSync(join(tmpdir(), 'likeness-people-cli-'));
const library = join(root, 'library');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The CLI from source, as `likeness` would run it. */
const likeness = (args: string[]) => runLikeness(library, args);

const photos = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

describe.skipIf(photos.missing || yunet.missing)('likeness people', () => {
  it('add, import, show, override, freeze and export, as a user would from a terminal', async () => {
    expect((await likeness(['models', 'add', 'yunet-n', '--file', yunet.path])).code).toBe(0);
    expect((await likeness(['people', 'add', 'Eileen', '--trigger', 'ohwx', '--class', 'woman'])).stdout).toMatch(
      /Eileen\s+trigger: ohwx\s+class: woman\s+crops: 512 px/,
    );

    const incoming = join(root, 'incoming');
    mkdirSync(incoming);
    for (const name of ['astronaut.png', 'camera.png', 'coffee.png']) copyFileSync(join(photos.path, name), join(incoming, name));
    writeFileSync(join(incoming, 'broken.jpg'), 'not a photo');
    const imported = await likeness(['people', 'import', 'Eileen', incoming, '--json']);
    expect(imported.code).toBe(0);
    const job = JSON.parse(imported.stdout) as Job;
    expect(job.result).toMatchObject({ imported: 3, rejected: [{ name: 'broken.jpg', reason: expect.stringMatching(/not an image/) }] });

    const human = await likeness(['people', 'import', 'Eileen', join(incoming, 'astronaut.png')]);
    expect(human.stdout).toMatch(/Imported 0 of 1 files \(1 already there/);

    const shown = await likeness(['people', 'show', 'Eileen', '--json']);
    const { photos: list } = JSON.parse(shown.stdout) as {
      photos: {
        id: number;
        originalName: string;
        verdict: string;
        reasons: { code: string; text: string }[];
        measures: { face: { heightPx: number; sharpness: number } | null };
      }[];
    };
    const coffee = list.find((p) => p.originalName === 'coffee.png')!;
    expect(coffee).toMatchObject({ verdict: 'rejected', reasons: [{ code: 'no-face', text: 'No face found.' }], measures: { face: null } });
    const camera = list.find((p) => p.originalName === 'camera.png')!;
    expect(camera.verdict).toBe('review');
    expect(camera.reasons.map((r) => r.text).join(' ')).toMatch(/turned far to the side/);
    expect(list.find((p) => p.originalName === 'astronaut.png')!.measures.face!.heightPx).toBeGreaterThan(90);
    expect((await likeness(['people', 'show', 'Eileen'])).stdout).toMatch(/camera\.png — needs a look\n(.|\n)*face \d+ px/);

    const overruled = await likeness(['people', 'override', 'Eileen', 'camera.png', '--verdict', 'accepted', '--reason', 'a rare photo of him']);
    expect(overruled.stdout).toMatch(/camera\.png: accepted \(by hand\)/);
    expect((await likeness(['people', 'freeze', 'Eileen'])).stdout).toMatch(/Froze version 1: 2 photos at 512 px/);

    const out = join(root, 'dataset');
    const exported = await likeness(['people', 'export', 'Eileen', '--format', 'kohya', '--out', out, '--steps', '200', '--epochs', '10']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/2 images × 10 repeats × 10 epochs ÷ batch 1 = 200 steps/);
    const images = readdirSync(join(out, '10_ohwx woman')).sort();
    expect(images.filter((f) => f.endsWith('.png'))).toHaveLength(2);
    for (const caption of images.filter((f) => f.endsWith('.txt')))
      expect(readFileSync(join(out, '10_ohwx woman', caption), 'utf8')).toBe('photo of ohwx woman\n');
    // A dozen CLI starts with tsx, each a few seconds on a loaded two-core machine.
  }, 300_000);

  it('names the missing person and the version to freeze first', async () => {
    const missing = await likeness(['people', 'show', 'Nobody']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/There is no person called “Nobody”.\nhint: Add them first: likeness people add "Nobody"/);
    await likeness(['people', 'add', 'Fresh']);
    const unfrozen = await likeness(['people', 'export', 'Fresh', '--format', 'diffusers', '--out', join(root, 'fresh')]);
    expect(unfrozen.stderr).toMatch(/Fresh has no frozen sample-set version yet.\nhint: Freeze one first/);
    const bad = await likeness(['people', 'export', 'Fresh', '--format', 'onnx', '--out', join(root, 'x')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are kohya, diffusers/);
  });

  it('an import of a path that does not exist counts it, names it and fails; the hint names the person', async () => {
    const missing = await likeness(['people', 'import', 'Fresh', join(root, 'no-such-folder')]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/Imported 0 of 1 files \(0 already there, 1 rejected/);
    expect(missing.stdout).toMatch(/no-such-folder does not exist/);
    const shown = await likeness(['people', 'import', 'Eileen', join(photos.path, 'coffee.png')]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/See why: likeness people show "Eileen"/);
  });

  it('an override without a reason says so once', async () => {
    const { code, stderr } = await likeness(['people', 'override', 'Eileen', 'coffee.png', '--verdict', 'accepted']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^error: reason: say why you overrule the verdict$/m);
  });

  it('trainer set refuses a Likeness option after -- instead of saving it as a trainer argument', async () => {
    const elsewhere = join(root, 'elsewhere');
    const { code, stderr } = await likeness(['people', 'trainer', 'set', 'node', '--', 'train.py', '--library', elsewhere]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--library comes after -- and would be passed to the trainer/);
    expect(existsSync(elsewhere)).toBe(false);
    expect(JSON.parse((await likeness(['people', 'trainer', 'show', '--json'])).stdout)).toMatchObject({ configured: false });
  });
});
