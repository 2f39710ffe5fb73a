import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StudioError } from '../api/errors';
import type { DatasetExportResult, PeopleImportResult, Photo } from '../api/namespaces/people';
import type { Person } from '../api/namespaces/people';
import { sha256 } from '../catalog/store';
import { installModelFile } from '../models/installed';
import { createStudio, type Studio } from '../studio/studio';
import { sharedFile } from '../testing/shared-data';
import { planRepeats } from '../api/namespaces/people';

const photosDir = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

/** Reads a zip's central directory and checks every entry's CRC: name → bytes. */
function readZip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(dataStart, dataStart + compressed);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    expect(crc32(data) >>> 0, name).toBe(crc);
    entries.set(name, data);
    at += 46 + nameLength + extra + comment;
  }
  return entries;
}

async function finished<T>(studio: Studio, job: { id: number }): Promise<T> {
  const done = await studio.jobs.waitFor(job.id);
  expect(done.error).toBeNull();
  expect(done.status).toBe('done');
  return done.result as T;
}

describe.skipIf(photosDir.missing || yunet.missing)('overrides, captions, versions, export and re-import', () => {
  let root: string;
  let studio: Studio;
  let person: Person;
  let photos: Photo[];
  const byName = (name: string) => photos.find((p) => p.originalName === name)!;
  const refresh = async () => (photos = await studio.api.people.listPhotos({ personId: person.id }));

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-sets-'));
    studio = await createStudio({ library: join(root, 'library') });
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
    person = await studio.api.people.create({ name: 'Eileen Collins', trigger: 'ohwx', classWord: 'woman' });
    const incoming = join(root, 'incoming');
    mkdirSync(incoming);
    for (const name of ['astronaut.png', 'camera.png', 'chelsea.png']) copyFileSync(join(photosDir.path, name), join(incoming, name));
    // A second, different good photo: the astronaut mirrored and slightly cropped.
    await sharp(join(photosDir.path, 'astronaut.png'))
      .flop()
      .extract({ left: 40, top: 0, width: 472, height: 472 })
      .toFile(join(incoming, 'mirrored.png'));
    await finished<PeopleImportResult>(studio, await studio.api.people.import({ personId: person.id, paths: [incoming] }));
    await refresh();
  });

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('keeps an override with its reason, and clearing it brings vetting’s verdict back', async () => {
    expect(byName('camera.png').verdict).toBe('review');
    const error = await studio.api.people.override({ photoIds: [byName('camera.png').id], verdict: 'accepted' }).catch((e: unknown) => e);
    expect((error as StudioError).code).toBe('INVALID_INPUT');
    expect((error as StudioError).message).toMatch(/reason: say why/);

    const [overruled] = await studio.api.people.override({
      photoIds: [byName('camera.png').id],
      verdict: 'accepted',
      reason: 'It is him, and a rare old photo',
    });
    expect(overruled).toMatchObject({
      verdict: 'accepted',
      computedVerdict: 'review',
      override: { verdict: 'accepted', reason: 'It is him, and a rare old photo' },
    });
    expect(await studio.api.people.listPhotos({ personId: person.id, filter: 'accepted' })).toEqual(
      expect.arrayContaining([expect.objectContaining({ originalName: 'camera.png' })]),
    );
    // Overruled verdicts survive re-vetting: vetting writes its own verdict, never the override.
    await finished(studio, await studio.api.people.vet({ personId: person.id, force: true }));
    await refresh();
    expect(byName('camera.png').override?.reason).toBe('It is him, and a rare old photo');
    const [cleared] = await studio.api.people.override({ photoIds: [byName('chelsea.png').id], verdict: null });
    expect(cleared).toMatchObject({ verdict: 'rejected', override: null });
  });

  it('captions default to “photo of {trigger} {class}”, can be rewritten, and take extra words', async () => {
    expect(byName('astronaut.png').caption).toBe('photo of ohwx woman');
    const extra = await studio.api.people.setCaption({ photoId: byName('astronaut.png').id, caption: null, extra: 'smiling, orange spacesuit' });
    expect(extra.caption).toBe('photo of ohwx woman, smiling, orange spacesuit');
    const custom = await studio.api.people.setCaption({
      photoId: byName('camera.png').id,
      // Pasted from elsewhere with a line break: kohya would read only "black and white photo".
      caption: 'black and white photo\nof ohwx  woman',
      extra: '',
    });
    expect(custom.caption).toBe('black and white photo of ohwx woman');
  });

  it('lets the user nudge a crop, rendering it again', async () => {
    const before = byName('mirrored.png').crop!;
    const nudged = await studio.api.people.nudgeCrop({ photoId: byName('mirrored.png').id, nudge: { dx: 0.1, dy: 0, zoom: 1.2 } });
    expect(nudged.nudge).toEqual({ dx: 0.1, dy: 0, zoom: 1.2 });
    expect(nudged.crop!.hash).not.toBe(before.hash);
    expect(nudged.crop!.info.side).toBeLessThan(before.info.side);
    expect(studio.catalog.store.has(nudged.crop!.hash)).toBe(true);
    await refresh();
  });

  it('freezes the accepted photos, crops and captions as an immutable version', async () => {
    const v1 = await studio.api.people.freeze({ personId: person.id, note: 'first set' });
    expect(v1).toMatchObject({ version: 1, cropSize: 512, trigger: 'ohwx', classWord: 'woman', note: 'first set', itemCount: 3 });
    expect(v1.items.map((i) => i.originalName).sort()).toEqual(['astronaut.png', 'camera.png', 'mirrored.png']);
    const astronaut = v1.items.find((i) => i.originalName === 'astronaut.png')!;
    expect(astronaut).toMatchObject({
      sourceHash: byName('astronaut.png').hash,
      cropHash: byName('astronaut.png').crop!.hash,
      caption: 'photo of ohwx woman, smiling, orange spacesuit',
    });
    expect(v1.settings).toMatchObject({ overrides: [{ photoId: byName('camera.png').id, reason: 'It is him, and a rare old photo' }] });
    expect(() => studio.catalog.db.prepare("UPDATE sample_set_items SET caption = 'x'").run()).toThrow(/immutable/);

    // Later edits make a new version and leave the first as it was.
    await studio.api.people.setCaption({ photoId: byName('astronaut.png').id, caption: null, extra: '' });
    const v2 = await studio.api.people.freeze({ personId: person.id });
    expect(v2.version).toBe(2);
    expect(v2.items.find((i) => i.originalName === 'astronaut.png')!.caption).toBe('photo of ohwx woman');
    expect((await studio.api.people.getVersion({ personId: person.id, version: 1 })).items).toEqual(v1.items);
    expect((await studio.api.people.listVersions({ personId: person.id })).map((v) => v.version)).toEqual([2, 1]);
    // Freezing again with nothing changed would only make a copy of version 2.
    await expect(studio.api.people.freeze({ personId: person.id })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/Version 2 of .* already holds exactly these photos/),
    });
    // A photo in a frozen version can be removed from the person, and the version still reads it.
    expect(await studio.api.people.removePhotos({ photoIds: [byName('mirrored.png').id] })).toEqual({ removed: 1, personIds: [person.id] });
    expect((await studio.api.people.getVersion({ personId: person.id, version: 1 })).items).toHaveLength(3);
    await refresh();
    expect(photos.map((p) => p.originalName)).not.toContain('mirrored.png');
  });

  it('refuses to freeze when nothing is accepted, saying how to get there', async () => {
    const empty = await studio.api.people.create({ name: 'Nobody Yet' });
    const error = await studio.api.people.freeze({ personId: empty.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/accept some by hand/) });
  });

  it('exports a version as a kohya dataset: {repeats}_{trigger} {class}/ with images and .txt captions, and a report', async () => {
    const out = join(root, 'export-kohya');
    const result = await finished<DatasetExportResult>(
      studio,
      await studio.api.people.export({ personId: person.id, version: 1, format: 'kohya', out, targetSteps: 300, epochs: 10, zip: true }),
    );
    // 3 images × 10 repeats × 10 epochs = 300 steps.
    expect(result).toMatchObject({ images: 3, repeats: 10, epochs: 10, steps: 300, folder: out, zip: `${out}.zip` });
    expect(readdirSync(out).sort()).toEqual(['10_ohwx woman', 'likeness-manifest.json', 'likeness-report.txt']);
    const files = readdirSync(join(out, '10_ohwx woman')).sort();
    expect(files).toHaveLength(6);
    const v1 = await studio.api.people.getVersion({ personId: person.id, version: 1 });
    for (const item of v1.items) {
      const png = files.find((f) => f.endsWith('.png') && f.includes(item.originalName.replace('.png', '')))!;
      expect(sha256(readFileSync(join(out, '10_ohwx woman', png)))).toBe(item.cropHash);
      const captionFile = readFileSync(join(out, '10_ohwx woman', png.replace('.png', '.txt')), 'utf8');
      expect(captionFile).toBe(`${item.caption}\n`);
      // What kohya trains on: sd-scripts library/train_util.py read_caption keeps the first line, stripped.
      expect(captionFile.split('\n')[0]!.trim()).toBe(item.caption);
      expect(item.caption).not.toMatch(/\n/);
    }
    expect(result.report).toMatch(/3 images × 10 repeats × 10 epochs ÷ batch 1 = 300 steps/);
    expect(result.report).toMatch(/--caption_extension=\.txt/);
    expect(readFileSync(join(out, 'likeness-report.txt'), 'utf8')).toBe(result.report);

    const zip = readZip(`${out}.zip`);
    expect([...zip.keys()].sort()).toEqual(
      ['export-kohya/likeness-manifest.json', 'export-kohya/likeness-report.txt', ...files.map((f) => `export-kohya/10_ohwx woman/${f}`)].sort(),
    );
    for (const f of files) expect(zip.get(`export-kohya/10_ohwx woman/${f}`)!.equals(readFileSync(join(out, '10_ohwx woman', f)))).toBe(true);
    if (existsSync('/usr/bin/unzip')) execFileSync('/usr/bin/unzip', ['-tq', `${out}.zip`]);
  });

  it('exports a diffusers folder the example scripts read: images/ alone for DreamBooth, metadata.jsonl for captions', async () => {
    const out = join(root, 'export-diffusers');
    const result = await finished<DatasetExportResult>(studio, await studio.api.people.export({ personId: person.id, format: 'diffusers', out }));
    expect(result.version).toBe(2);
    expect(readdirSync(out).sort()).toEqual(['images', 'likeness-manifest.json', 'likeness-report.txt', 'metadata.jsonl']);
    // diffusers examples/dreambooth/train_dreambooth_lora.py (DreamBoothDataset): every entry of
    // --instance_data_dir is opened as an image, unfiltered — a report or a metadata file there ends the training.
    const instances = readdirSync(join(out, 'images'), { withFileTypes: true });
    expect(instances).toHaveLength(3);
    for (const entry of instances) {
      expect(entry.isFile()).toBe(true);
      expect((await sharp(join(out, 'images', entry.name)).metadata()).format).toBe('png');
    }
    // Hugging Face datasets' image folder (train_text_to_image_lora.py --train_data_dir): file_name is relative
    // to the metadata file; `text` is the script's default --caption_column.
    const lines = readFileSync(join(out, 'metadata.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file_name: string; text: string });
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(existsSync(join(out, line.file_name))).toBe(true);
    expect(lines.map((l) => l.text)).toContain('photo of ohwx woman');
    // The report's commands use only flags the scripts it names define (diffusers examples, argparse in each).
    const flags: Record<string, string[]> = {
      'train_dreambooth_lora.py': [
        '--pretrained_model_name_or_path',
        '--instance_data_dir',
        '--instance_prompt',
        '--resolution',
        '--output_dir',
        '--rank',
      ],
      'train_text_to_image_lora.py': [
        '--pretrained_model_name_or_path',
        '--train_data_dir',
        '--image_column',
        '--caption_column',
        '--resolution',
        '--output_dir',
        '--rank',
      ],
    };
    const commands = result.report.split('\n').filter((line) => /\.py /.test(line));
    expect(commands).toHaveLength(2);
    for (const command of commands) {
      const script = /(\w+\.py) /.exec(command)![1]!;
      for (const [flag] of command.matchAll(/--\w+/g)) expect(flags[script]).toContain(flag);
    }
    expect(result.report).toContain(`--instance_data_dir="${join(out, 'images')}"`);
  });

  it('refuses a folder that is not empty', async () => {
    const out = join(root, 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const job = await studio.api.people.export({ personId: person.id, format: 'kohya', out });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/not empty/) });
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });

  it('re-imports an exported set identically: the same images (hashes) with the same captions', async () => {
    const twin = await studio.api.people.create({ name: 'Eileen again', trigger: 'ohwx', classWord: 'woman' });
    for (const [format, out] of [
      ['kohya', join(root, 'export-kohya')],
      ['diffusers', join(root, 'export-diffusers')],
    ] as const) {
      const target = format === 'kohya' ? twin : await studio.api.people.create({ name: `Eileen ${format}`, trigger: 'ohwx', classWord: 'woman' });
      const result = await finished<PeopleImportResult>(studio, await studio.api.people.import({ personId: target.id, paths: [out] }));
      expect(result).toMatchObject({ imported: 3, captions: 3, rejected: [] });
      const manifest = JSON.parse(readFileSync(join(out, 'likeness-manifest.json'), 'utf8')) as { images: { sha256: string; caption: string }[] };
      const imported = await studio.api.people.listPhotos({ personId: target.id });
      expect(imported.map((p) => [p.hash, p.caption]).sort()).toEqual(manifest.images.map((m) => [m.sha256, m.caption]).sort());
    }
  });

  it('plans repeats for a target step count', () => {
    expect(planRepeats(20, { targetSteps: 1500, epochs: 10, batchSize: 1 })).toEqual({ repeats: 8, steps: 1600 });
    expect(planRepeats(20, { targetSteps: 1500, epochs: 10, batchSize: 2 })).toEqual({ repeats: 15, steps: 1500 });
    expect(planRepeats(200, { targetSteps: 100, epochs: 10, batchSize: 1 })).toEqual({ repeats: 1, steps: 2000 });
    expect(planRepeats(5, { targetSteps: 100, epochs: 1, batchSize: 1, repeats: 3 })).toEqual({ repeats: 3, steps: 15 });
  });
});
