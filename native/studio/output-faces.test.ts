import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedFile } from '../testing/shared-data';
import { createStudio, type Studio } from './studio';

const photos = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

describe.skipIf(photos.missing || yunet.missing)('zoom to face: face boxes of outputs', () => {
  let root: string;
  let studio: Studio;
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-faces-'));
    const incoming = join(root, 'incoming');
    mkdirSync(incoming);
    for (const name of ['astronaut.png', 'coffee.png']) copyFileSync(join(photos.path, name), join(incoming, name));
    studio = await createStudio({ library: join(root, 'library') });
    await studio.jobs.waitFor((await studio.api.catalog.import({ path: incoming })).id);
    for (const o of (await studio.api.catalog.listOutputs({})).items) ids[o.originalName!] = o.id;
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('says how to install the detector while it is missing', async () => {
    const faces = await studio.api.catalog.faces({ id: ids['astronaut.png']! });
    expect(faces).toMatchObject({ available: false, faces: [] });
    expect(faces.reason).toMatch(/not installed/);
    expect(faces.reason).toMatch(/likeness models add yunet-n/);
  });

  it('finds the face (as fractions of the image) with the installed YuNet, and none on a cup of coffee', async () => {
    await studio.api.models.installFile({ id: 'yunet-n', path: yunet.path });
    const { available, faces } = await studio.api.catalog.faces({ id: ids['astronaut.png']! });
    expect(available).toBe(true);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    const face = faces.toSorted((a, b) => b.width * b.height - a.width * a.height)[0]!;
    // The astronaut's face: upper middle of the picture, a fifth or so of its width.
    expect(face.x + face.width / 2).toBeGreaterThan(0.35);
    expect(face.x + face.width / 2).toBeLessThan(0.65);
    expect(face.y + face.height / 2).toBeLessThan(0.5);
    expect(face.width).toBeGreaterThan(0.1);
    expect(face.width).toBeLessThan(0.5);
    expect(face.score).toBeGreaterThan(0.5);
    expect((await studio.api.catalog.faces({ id: ids['coffee.png']! })).faces).toEqual([]);
  });
});
