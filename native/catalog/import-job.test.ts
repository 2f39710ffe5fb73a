import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../studio/studio';
import { pngClaiming } from '../testing/images';
import { fixturePhotos, sharedFile } from '../testing/shared-data';
import type { ImportResult } from '../api/schemas';
import { catalogImportJob } from './import-job';
import { addPngText } from './provenance/png-text';
import { comfyGraph, exifWithUserComment, jpegWithExif } from './provenance/testing/samples';
import { sha256 } from './store';

const photos = sharedFile('fixtures/photos');

describe.skipIf(photos.missing)('catalogue import', () => {
  let root: string;
  let source: string;
  let studio: Studio;
  let first: ImportResult;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-import-'));
    source = join(root, 'incoming');
    mkdirSync(join(source, 'nested'), { recursive: true });
    for (const name of fixturePhotos) copyFileSync(join(photos.path, name), join(source, name));
    const astronaut = readFileSync(join(photos.path, 'astronaut.png'));
    writeFileSync(join(source, 'truncated.png'), astronaut.subarray(0, Math.floor(astronaut.length / 2)));
    writeFileSync(join(source, 'notes.jpg'), 'this is not a picture');
    writeFileSync(join(source, 'empty.png'), '');
    writeFileSync(join(source, 'bomb.png'), await pngClaiming(60_000));
    writeFileSync(join(source, 'readme.txt'), 'A1111 sidecar, not an image');
    const plain = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#a52' } })
      .png()
      .toBuffer();
    writeFileSync(
      join(source, 'nested', 'a1111.png'),
      addPngText(plain, [
        {
          keyword: 'parameters',
          text: 'portrait of ohwx man\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 4242, Size: 64x48, Model: sd15',
        },
      ]),
    );
    const other = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#25a' } })
      .png()
      .toBuffer();
    writeFileSync(join(source, 'nested', 'comfy.png'), addPngText(other, [{ keyword: 'prompt', text: JSON.stringify(comfyGraph) }]));
    // Sideways photo from a phone: stored 60×30, EXIF orientation 6 (display 30×60).
    writeFileSync(
      join(source, 'rotated.jpg'),
      await sharp({ create: { width: 60, height: 30, channels: 3, background: '#393' } })
        .jpeg()
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    writeFileSync(
      join(source, 'cmyk.jpg'),
      await sharp({ create: { width: 20, height: 20, channels: 3, background: '#c33' } })
        .toColourspace('cmyk')
        .jpeg()
        .toBuffer(),
    );
    writeFileSync(
      join(source, 'deep.png'),
      await sharp({ create: { width: 20, height: 20, channels: 4, background: { r: 10, g: 200, b: 90, alpha: 0.5 } } })
        .toColourspace('rgb16')
        .png()
        .toBuffer(),
    );
    writeFileSync(join(source, 'webui.jpg'), await jpegWithExif(exifWithUserComment('a red fox\nSteps: 12, Sampler: DDIM, Seed: 77', 'utf16be')));

    studio = await createStudio({ library: join(root, 'library') });
    const job = await studio.api.catalog.import({ path: source });
    first = (await studio.jobs.waitFor(job.id)).result as ImportResult;
  });

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('imports every readable image, skips other files and lists unreadable ones with a reason', () => {
    expect(first.scanned).toBe(14);
    expect(first.imported).toBe(10);
    expect(first.skipped).toBe(1);
    const reasons = Object.fromEntries(first.failed.map((f) => [f.path.split('/').pop(), f.reason]));
    expect(Object.keys(reasons).sort()).toEqual(['bomb.png', 'empty.png', 'notes.jpg', 'truncated.png']);
    expect(reasons['truncated.png']).toMatch(/damaged or incomplete/);
    expect(reasons['notes.jpg']).toMatch(/not an image Likeness can read/);
    expect(reasons['empty.png']).toMatch(/empty/);
    expect(reasons['bomb.png']).toMatch(/too large to open safely/);
  });

  it('stores originals and WebP thumbnails in the object store, byte-exact and referenced', async () => {
    const page = await studio.api.catalog.listOutputs({ limit: 100 });
    expect(page.total).toBe(10);
    for (const output of page.items) {
      expect(sha256(readFileSync(studio.catalog.store.pathOf(output.hash)))).toBe(output.hash);
      const thumb = await sharp(studio.catalog.store.pathOf(output.thumbHash!)).metadata();
      expect(thumb.format).toBe('webp');
      expect(Math.max(thumb.width!, thumb.height!)).toBeLessThanOrEqual(512);
    }
    const astronaut = page.items.find((o) => o.originalName === 'astronaut.png')!;
    expect(astronaut.hash).toBe(sha256(readFileSync(join(photos.path, 'astronaut.png'))));
  });

  it('applies EXIF orientation to the size and the thumbnail', async () => {
    const rotated = (await studio.api.catalog.listOutputs({ limit: 100 })).items.find((o) => o.originalName === 'rotated.jpg')!;
    expect([rotated.width, rotated.height]).toEqual([30, 60]);
    const thumb = await sharp(studio.catalog.store.pathOf(rotated.thumbHash!)).metadata();
    expect([thumb.width, thumb.height]).toEqual([30, 60]);
  });

  it('keeps generation metadata from A1111 (PNG and JPEG EXIF) and ComfyUI as provenance', async () => {
    const items = (await studio.api.catalog.listOutputs({ limit: 100 })).items;
    const a1111 = await studio.api.catalog.getOutput({ id: items.find((o) => o.originalName === 'a1111.png')!.id });
    expect(a1111).toMatchObject({
      generator: 'a1111',
      prompt: 'portrait of ohwx man',
      negativePrompt: 'blurry',
      seed: 4242,
      steps: 20,
      scheduler: 'Euler a',
      guidance: 7,
      model: 'sd15',
    });
    expect((a1111.provenance.embedded as Record<string, string>).parameters).toMatch(/^portrait of ohwx man/);
    const comfy = await studio.api.catalog.getOutput({ id: items.find((o) => o.originalName === 'comfy.png')!.id });
    expect(comfy).toMatchObject({
      generator: 'comfyui',
      prompt: 'portrait of ohwx woman, film grain',
      seed: 156680208700286,
      model: 'sd_xl_base_1.0.safetensors',
    });
    expect(comfy.loras).toEqual([{ name: 'ohwx_woman.safetensors', weight: 0.8, hash: null }]);
    const webui = await studio.api.catalog.getOutput({ id: items.find((o) => o.originalName === 'webui.jpg')!.id });
    expect(webui).toMatchObject({ generator: 'a1111', prompt: 'a red fox', seed: 77, scheduler: 'DDIM' });
    const photo = await studio.api.catalog.getOutput({ id: items.find((o) => o.originalName === 'camera.png')!.id });
    expect(photo.generator).toBeNull();
    expect(photo.originalPath).toBe(join(source, 'camera.png'));
  });

  it('recognises everything as a duplicate on a second import', async () => {
    const again = await studio.jobs.waitFor((await studio.api.catalog.import({ path: source })).id);
    expect(again.result).toMatchObject({ imported: 0, duplicates: 10 });
    expect((await studio.api.catalog.listOutputs()).total).toBe(10);
  });

  it('counts what an interrupted run of the same job imported as imported when it resumes, not as duplicates', async () => {
    const [anyOutput] = (await studio.api.catalog.listOutputs()).items;
    const firstJobId = studio.catalog.outputs.jobIdOf(anyOutput!.id)!;
    // A resumed job runs again with its own id: the files it had stored before the kill are its own imports.
    const events: string[] = [];
    const resumed = await catalogImportJob.run(
      { path: source, recursive: true },
      { jobId: firstJobId, signal: new AbortController().signal, catalog: studio.catalog, progress: () => {}, emit: (type) => events.push(type) },
    );
    expect(resumed).toMatchObject({ imported: 10, duplicates: 0 });
    // Their rows already exist: no second output:added for the grid.
    expect(events).toEqual([]);
  });

  it('counts the same picture twice in one folder as one import and one duplicate', async () => {
    const twice = join(root, 'twice');
    mkdirSync(join(twice, 'copy'), { recursive: true });
    const png = await sharp({ create: { width: 12, height: 12, channels: 3, background: '#2a6' } })
      .png()
      .toBuffer();
    writeFileSync(join(twice, 'a.png'), png);
    writeFileSync(join(twice, 'copy', 'a copy.png'), png);
    const job = await studio.jobs.waitFor((await studio.api.catalog.import({ path: twice })).id);
    expect(job.result).toMatchObject({ imported: 1, duplicates: 1 });
  });

  it('stores the folder as its real absolute path (a resumed job started from another folder finds it)', async () => {
    const job = await studio.api.catalog.import({ path: `${source}/../${source.split('/').pop()}` });
    expect((job.input as { path: string }).path).toBe(realpathSync(source));
    await studio.jobs.waitFor(job.id);
  });

  it('says clearly when the folder does not exist', async () => {
    const job = await studio.jobs.waitFor((await studio.api.catalog.import({ path: join(root, 'nope') })).id);
    expect(job.status).toBe('failed');
    expect(job.error).toMatchObject({ code: 'NOT_FOUND', hint: expect.stringMatching(/Check the path/) });
  });
});
