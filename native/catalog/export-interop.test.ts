// Exports read back by exiftool (Image::ExifTool, Debian's libimage-exiftool-perl): an independent reader of
// the XMP, EXIF and PNG text that Lightroom, darktable, digiKam and A1111 rely on. Rules encoded here:
// - Lightroom Classic reads embedded XMP (not sidecars) for JPEG/PNG: the packet inside must be current.
// - darktable and digiKam look for `name.ext.xmp` by default, Lightroom/Bridge for `name.xmp`.
// - xmp:CreateDate is when the photo was taken (EXIF DateTimeOriginal, the XMP spec's mapping of it).
// - A1111's infotext reader (modules/infotext_utils.py parse_generation_parameters) takes a last line with
//   fewer than three settings as prompt text, so a photo must carry no `parameters` at all.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputExportResult } from '../api/namespaces/review';
import { createStudio, type Studio } from '../studio/studio';
import { missingTool } from '../testing/tools';
import { addPngText } from './provenance/png-text';

const exiftoolMissing = missingTool('exiftool', ['-ver'], 'apt install libimage-exiftool-perl');

/** A1111 text with what catalogue columns do not hold: Clip skip, hires fix, denoising, VAE, ADetailer. */
const richA1111 =
  'portrait of ohwx woman, rim light\nNegative prompt: lowres\n' +
  'Steps: 30, Sampler: DPM++ 2M SDE, Schedule type: Exponential, CFG scale: 5, Seed: 424242, Size: 512x640, ' +
  'Model hash: 6ce0161689, Model: realisticVision_v51, VAE hash: 235745af8d, VAE: vae-ft-mse-840000.safetensors, ' +
  'Denoising strength: 0.35, Clip skip: 2, Hires upscale: 2, Hires steps: 12, Hires upscaler: R-ESRGAN 4x+, ' +
  'ADetailer model: face_yolov8n.pt, ADetailer confidence: 0.3, ADetailer version: 24.1.2, Version: v1.10.1';

function exiftool(...args: string[]): Record<string, unknown>[] {
  return JSON.parse(execFileSync('exiftool', ['-j', '-G1', ...args], { encoding: 'utf8' })) as Record<string, unknown>[];
}

describe.skipIf(exiftoolMissing)('exports as exiftool reads them', () => {
  let root: string;
  let studio: Studio;
  let originals: OutputExportResult;
  let jpegs: OutputExportResult;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-export-interop-'));
    const incoming = join(root, 'incoming');
    mkdirSync(incoming);
    // Scans someone already rated 1 star, blue, in another tool (exiftool writes the packets and the capture date).
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#875' } })
      .jpeg()
      .toFile(join(incoming, 'scan-1987.jpg'));
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#578' } })
      .png()
      .toFile(join(incoming, 'scan-1990.png'));
    execFileSync('exiftool', [
      '-q',
      '-overwrite_original',
      '-DateTimeOriginal=1987:06:14 10:20:30',
      '-XMP-xmp:Rating=1',
      '-XMP-xmp:Label=Blue',
      join(incoming, 'scan-1987.jpg'),
    ]);
    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP-xmp:Rating=1', '-XMP-xmp:Label=Blue', join(incoming, 'scan-1990.png')]);
    const png = await sharp({ create: { width: 128, height: 160, channels: 3, background: '#a05a2c' } })
      .png()
      .toBuffer();
    writeFileSync(join(incoming, 'a1111-hires.png'), addPngText(png, [{ keyword: 'parameters', text: richA1111 }]));

    studio = await createStudio({ library: join(root, 'library') });
    await studio.jobs.waitFor((await studio.api.catalog.import({ path: incoming })).id);
    const ids = (await studio.api.catalog.listOutputs({ limit: 10 })).items.map((o) => o.id);
    await studio.api.review.set({ ids, stars: 4, label: 'red', flag: 'pick' });
    const run = async (request: Parameters<Studio['api']['review']['export']>[0]) => {
      const done = await studio.jobs.waitFor((await studio.api.review.export(request)).id);
      expect(done.status).toBe('done');
      return done.result as OutputExportResult;
    };
    originals = await run({ outDir: join(root, 'originals'), xmp: true });
    jpegs = await run({ outDir: join(root, 'jpegs'), xmp: true, format: 'jpeg', size: 64 });
  }, 120_000);
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const file = (result: OutputExportResult, stem: string) => result.files.find((f) => f.includes(stem))!;

  it('embedded XMP carries the current review, replacing the packet the original had', () => {
    expect(originals.exported).toBe(3);
    for (const result of [originals, jpegs])
      for (const stem of ['scan-1987', 'scan-1990', 'a1111-hires']) {
        const [tags] = exiftool('-XMP:all', file(result, stem));
        expect(tags, `${stem} in ${result.files[0]}`).toMatchObject({ 'XMP-xmp:Rating': 4, 'XMP-xmp:Label': 'Red' });
      }
  });

  it('sidecars under both names: name.xmp and name.ext.xmp, read as the same rating and label', () => {
    for (const exported of originals.files) {
      const sidecars = [exported.replace(/\.[^.]+$/, '.xmp'), `${exported}.xmp`];
      for (const tags of exiftool(...sidecars))
        expect(tags).toMatchObject({ 'XMP-xmp:Rating': 4, 'XMP-xmp:Label': 'Red', 'XMP-digiKam:PickLabel': 3 });
    }
  });

  it('xmp:CreateDate is the capture date (EXIF DateTimeOriginal), not the import', () => {
    const [tags] = exiftool('-XMP-xmp:CreateDate', '-ExifIFD:DateTimeOriginal', file(originals, 'scan-1987'));
    expect(tags).toMatchObject({ 'XMP-xmp:CreateDate': '1987:06:14 10:20:30', 'ExifIFD:DateTimeOriginal': '1987:06:14 10:20:30' });
    const [sidecar] = exiftool('-XMP-xmp:CreateDate', file(originals, 'scan-1987').replace(/\.jpg$/, '.xmp'));
    expect(sidecar).toMatchObject({ 'XMP-xmp:CreateDate': '1987:06:14 10:20:30' });
  });

  it('a photo carries no generation settings: no PNG parameters, no EXIF or XMP UserComment', () => {
    for (const result of [originals, jpegs])
      for (const stem of ['scan-1987', 'scan-1990']) {
        const [tags] = exiftool('-PNG:all', '-EXIF:UserComment', '-XMP-exif:UserComment', file(result, stem));
        expect(
          Object.keys(tags!).filter((key) => /Parameters|UserComment/.test(key)),
          stem,
        ).toEqual([]);
      }
  });

  it('an A1111 image keeps its own text verbatim, also when converted to JPEG (EXIF UserComment, as A1111 writes JPEGs)', () => {
    const [png] = exiftool('-PNG:Parameters', file(originals, 'a1111-hires'));
    expect(png!['PNG:Parameters']).toBe(richA1111);
    const [jpeg] = exiftool('-ExifIFD:UserComment', file(jpegs, 'a1111-hires'));
    expect(jpeg!['ExifIFD:UserComment']).toBe(richA1111);
    // And the pixel size of the converted copy (64 px) does not replace the generation's Size.
    expect(String(jpeg!['ExifIFD:UserComment'])).toMatch(/Size: 512x640/);
  });
});
