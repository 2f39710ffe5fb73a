import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../api/errors';
import { MAX_UPLOAD_CHUNK, type PeopleImportResult, type VettingOutcome } from '../api/namespaces/people';
import { installModelFile } from '../models/installed';
import { createApp } from '../server/server';
import { createStudio, type Studio } from '../studio/studio';
import { sharedFile } from '../testing/shared-data';
import { removeStaleUploads, safeFileName, stageChunk, uploadsDir } from './uploads';

const photosDir = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

async function finished<T>(studio: Studio, job: { id: number }): Promise<T> {
  const done = await studio.jobs.waitFor(job.id);
  expect(done.error).toBeNull();
  return done.result as T;
}

describe('staged uploads', () => {
  let root: string;
  beforeAll(() => (root = mkdtempSync(join(tmpdir(), 'likeness-uploads-'))));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('appends chunks in order, accepts a chunk sent twice, and refuses a gap', async () => {
    const id = randomUUID();
    const part = (text: string) => Buffer.from(text).toString('base64');
    expect(await stageChunk(root, { uploadId: id, name: 'a.jpg', offset: 0, data: part('hello ') })).toBe(6);
    expect(await stageChunk(root, { uploadId: id, name: 'a.jpg', offset: 0, data: part('hello ') })).toBe(6);
    expect(await stageChunk(root, { uploadId: id, name: 'a.jpg', offset: 6, data: part('world') })).toBe(11);
    expect(readFileSync(join(uploadsDir(root), id, 'a.jpg'), 'utf8')).toBe('hello world');
    await expect(stageChunk(root, { uploadId: id, name: 'a.jpg', offset: 20, data: part('!') })).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(stageChunk(root, { uploadId: id, name: 'b.jpg', offset: 0, data: part('x') })).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('keeps names inside the upload folder', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\Users\\me\\photo.jpg')).toBe('photo.jpg');
    expect(safeFileName('..')).toBe('upload');
    expect(safeFileName('a\u0000b?.png')).toBe('a_b_.png');
  });

  it('removes uploads nobody imported within a day', async () => {
    const id = randomUUID();
    await stageChunk(root, { uploadId: id, name: 'old.png', offset: 0, data: 'AAAA' });
    const old = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(join(uploadsDir(root), id), old, old);
    expect(await removeStaleUploads(root)).toBe(1);
    expect(existsSync(join(uploadsDir(root), id))).toBe(false);
  });
});

describe.skipIf(photosDir.missing || yunet.missing)('importing for a person', () => {
  let root: string;
  let studio: Studio;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-people-import-'));
    studio = await createStudio({ library: join(root, 'library') });
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('without the face detector: imports, says how to install it, and vets once it is installed', async () => {
    const person = await studio.api.people.create({ name: 'Before the model', classWord: 'woman' });
    const job = await studio.api.people.import({ personId: person.id, paths: [join(photosDir.path, 'astronaut.png')] });
    const result = await finished<PeopleImportResult>(studio, job);
    expect(result.imported).toBe(1);
    expect(result.vetting).toMatchObject({
      status: 'skipped',
      vetted: 0,
      error: {
        code: 'MODEL_ERROR',
        message: 'YuNet-n face detector is not installed.',
        hint: expect.stringMatching(/likeness models add yunet-n --file yunet_n_dynamic\.onnx/),
      },
      counts: { unvetted: 1 },
    });
    const [photo] = await studio.api.people.listPhotos({ personId: person.id });
    expect(photo).toMatchObject({ verdict: null, measures: null, vetError: { code: 'MODEL_ERROR' } });
    expect(photo!.thumbHash).not.toBeNull();

    await studio.api.models.installFile({ id: 'yunet-n', path: yunet.path });
    const outcome = await finished<VettingOutcome>(studio, await studio.api.people.vet({ personId: person.id }));
    expect(outcome).toMatchObject({ status: 'done', vetted: 1, counts: { accepted: 1, unvetted: 0 } });
    const [vetted] = await studio.api.people.listPhotos({ personId: person.id });
    expect(vetted).toMatchObject({ verdict: 'accepted', vetError: null });
  });

  it('reads JPEG, PNG, WebP, TIFF, GIF (first frame) and AVIF, including CMYK, 16-bit and transparent photos', async () => {
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
    const person = await studio.api.people.create({ name: 'Formats' });
    const dir = join(root, 'formats');
    mkdirSync(dir);
    const astronaut = join(photosDir.path, 'astronaut.png');
    const camera = join(photosDir.path, 'camera.png');
    writeFileSync(join(dir, 'cmyk.jpg'), await sharp(astronaut).toColourspace('cmyk').jpeg().toBuffer());
    writeFileSync(join(dir, 'deep.png'), await sharp(astronaut).ensureAlpha(0.6).toColourspace('rgb16').png().toBuffer());
    writeFileSync(join(dir, 'photo.webp'), await sharp(camera).webp().toBuffer());
    writeFileSync(join(dir, 'scan.tiff'), await sharp(astronaut).resize(400).tiff().toBuffer());
    writeFileSync(join(dir, 'photo.avif'), await sharp(astronaut).resize(300).avif().toBuffer());
    const frames = await sharp(astronaut).resize(256, 256).ensureAlpha().raw().toBuffer();
    writeFileSync(
      join(dir, 'animated.gif'),
      await sharp(Buffer.concat([frames, Buffer.alloc(frames.length)]), { raw: { width: 256, height: 512, channels: 4, pageHeight: 256 } })
        .gif()
        .toBuffer(),
    );
    const result = await finished<PeopleImportResult>(studio, await studio.api.people.import({ personId: person.id, paths: [dir] }));
    expect(result).toMatchObject({ imported: 6, rejected: [] });
    const photos = await studio.api.people.listPhotos({ personId: person.id });
    const formats = Object.fromEntries(photos.map((p) => [p.originalName, p]));
    expect(formats['cmyk.jpg']!.measures!.source.space).toBe('cmyk');
    expect(formats['deep.png']!.measures!.source).toMatchObject({ depth: 'ushort', hasAlpha: true });
    expect(formats['animated.gif']!.measures!.source.pages).toBe(2);
    expect(formats['animated.gif']!.height).toBe(256);
    for (const photo of photos) {
      expect(
        photo.measures!.faces.filter((f) => f.score > 0.7),
        photo.originalName,
      ).toHaveLength(1);
      expect(photo.measures!.tone.kind, photo.originalName).toBe(photo.originalName === 'photo.webp' ? 'black-and-white' : 'colour');
    }
  });

  it('imports files dropped in a browser: uploaded in chunks over HTTP, then imported and cleaned up', async () => {
    const person = await studio.api.people.create({ name: 'Dropped' });
    const token = 'upload-token-123';
    const port = 5601;
    const app = createApp({ studio, rendererDir: join(root, 'renderer'), token, port: () => port });
    const post = (path: string, body: string) =>
      app.request(`http://127.0.0.1:${port}${path}`, {
        method: 'POST',
        headers: { host: `127.0.0.1:${port}`, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body,
      });
    const file = readFileSync(join(photosDir.path, 'camera.png'));
    const uploadId = randomUUID();
    const half = Math.ceil(file.length / 2);
    for (const [offset, bytes] of [
      [0, file.subarray(0, half)],
      [half, file.subarray(half)],
    ] as const) {
      const response = await post('/api/people/upload', JSON.stringify({ uploadId, name: 'camera.png', offset, data: bytes.toString('base64') }));
      expect(response.status).toBe(200);
    }
    // One chunk too large for the contract, and a body too large to be read at all.
    const big = Buffer.alloc(MAX_UPLOAD_CHUNK + 3).toString('base64');
    const refused = await post('/api/people/upload', JSON.stringify({ uploadId: randomUUID(), name: 'x.png', offset: 0, data: big }));
    expect(refused.status).toBe(400);
    const huge = await post('/api/people/upload', JSON.stringify({ data: 'x'.repeat(9 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', hint: expect.stringMatching(/chunks/) } });

    // Its kohya caption, dropped with it, is matched by name.
    const captionId = randomUUID();
    await studio.api.people.upload({
      uploadId: captionId,
      name: 'camera.txt',
      offset: 0,
      data: Buffer.from('old photo of a man with a camera\n').toString('base64'),
    });

    const result = await finished<PeopleImportResult>(
      studio,
      await studio.api.people.import({ personId: person.id, uploads: [uploadId, captionId] }),
    );
    expect(result).toMatchObject({ imported: 1, captions: 1, rejected: [] });
    const [photo] = await studio.api.people.listPhotos({ personId: person.id });
    expect(photo).toMatchObject({ originalName: 'camera.png', verdict: 'review', caption: 'old photo of a man with a camera' });
    expect(existsSync(join(uploadsDir(studio.catalog.paths.root), uploadId))).toBe(false);
    // An upload that is gone (imported already, or expired) is listed as not imported; the job itself is done.
    const gone = await finished<PeopleImportResult>(studio, await studio.api.people.import({ personId: person.id, uploads: [uploadId] }));
    expect(gone.rejected).toEqual([expect.objectContaining({ code: 'NOT_FOUND', hint: 'Drop that file again.' })]);
  });

  it('judges each dropped file alone: an empty file in the drop is named, the photos beside it are imported', async () => {
    const person = await studio.api.people.create({ name: 'Dropped with an empty file' });
    const empty = randomUUID();
    const photo = randomUUID();
    await studio.api.people.upload({ uploadId: empty, name: 'empty.jpg', offset: 0, data: '' });
    await studio.api.people.upload({
      uploadId: photo,
      name: 'astronaut.png',
      offset: 0,
      data: readFileSync(join(photosDir.path, 'astronaut.png')).toString('base64'),
    });
    const result = await finished<PeopleImportResult>(studio, await studio.api.people.import({ personId: person.id, uploads: [empty, photo] }));
    expect(result.imported).toBe(1);
    expect(result.rejected).toEqual([expect.objectContaining({ name: 'empty.jpg', reason: 'empty.jpg is empty (0 bytes).' })]);
  });

  it('photos imported side by side: the same file twice in one import is one photo and a duplicate, ids in the order given', async () => {
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
    const person = await studio.api.people.create({ name: 'Side by side' });
    const dir = join(root, 'side-by-side');
    mkdirSync(dir);
    const astronaut = readFileSync(join(photosDir.path, 'astronaut.png'));
    writeFileSync(join(dir, 'a-astronaut.png'), astronaut);
    writeFileSync(join(dir, 'b-astronaut-copy.png'), astronaut);
    writeFileSync(join(dir, 'c-camera.png'), readFileSync(join(photosDir.path, 'camera.png')));
    const result = await finished<PeopleImportResult>(studio, await studio.api.people.import({ personId: person.id, paths: [dir] }));
    expect(result).toMatchObject({ scanned: 3, imported: 2, duplicates: 1 });
    const photos = await studio.api.people.listPhotos({ personId: person.id });
    expect(photos).toHaveLength(2);
    const idOf = (name: string) => photos.find((p) => p.originalName === name)!.id;
    expect(result.photoIds).toEqual([idOf('a-astronaut.png'), idOf('a-astronaut.png'), idOf('c-camera.png')]);
  });

  it('refuses an import without anything to import, or for someone who does not exist', async () => {
    const error = await studio.api.people.import({ personId: 1, paths: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).message).toMatch(/choose photos or folders/);
    await expect(studio.api.people.import({ personId: 999, paths: [photosDir.path] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
