import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { parseA1111Parameters } from './a1111';
import { formatA1111Parameters } from './a1111-write';
import { readExifText } from './exif';
import { buildExif, hasJpegApp1, insertJpegApp1, XMP_JPEG_PREFIX } from './exif-write';
import { addPngText, pngTextKeywords } from './png-text';
import { buildXmp } from './xmp';

const settings = {
  prompt: 'portrait of ohwx woman, film grain',
  negativePrompt: 'blurry',
  steps: 30,
  scheduler: 'euler_a',
  guidance: 6.5,
  seed: 987654321,
  width: 832,
  height: 1216,
  model: 'sd_xl_base_1.0.safetensors',
  modelHash: '31e35c80fc',
  loras: [{ name: 'ohwx_v2', weight: 0.8, hash: 'abc123' }],
  provider: 'cuda',
  appVersion: '0.1.0',
};

describe('writing generation settings', () => {
  it('formats A1111 parameters that the A1111 reader reads back', () => {
    const text = formatA1111Parameters(settings)!;
    expect(text.split('\n')[0]).toBe('portrait of ohwx woman, film grain, <lora:ohwx_v2:0.8>');
    expect(parseA1111Parameters(text)).toMatchObject({
      negativePrompt: 'blurry',
      steps: 30,
      scheduler: 'euler_a',
      guidance: 6.5,
      seed: 987654321,
      width: 832,
      height: 1216,
      model: 'sd_xl_base_1.0.safetensors',
      modelHash: '31e35c80fc',
      loras: [{ name: 'ohwx_v2', weight: 0.8, hash: 'abc123' }],
    });
    expect(parseA1111Parameters(formatA1111Parameters({ ...settings, model: 'name, with: comma' })!).model).toBe('name, with: comma');
    expect(
      formatA1111Parameters({
        ...settings,
        prompt: null,
        steps: null,
        scheduler: null,
        guidance: null,
        seed: null,
        model: null,
        modelHash: null,
        loras: [],
        provider: null,
        appVersion: null,
      }),
    ).toBeNull();
  });

  it('builds an EXIF block with a UTF-16 UserComment that exif readers decode', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();
    const text = '外婆的肖像, soft light\nSteps: 20, Seed: 5';
    const withExif = insertJpegApp1(jpeg, buildExif({ userComment: text, software: 'Likeness 0.1.0', description: 'café' }));
    expect(hasJpegApp1(withExif, 'Exif\0\0')).toBe(true);
    expect(hasJpegApp1(withExif, XMP_JPEG_PREFIX)).toBe(false);
    const meta = await sharp(withExif).metadata();
    expect(readExifText(meta.exif!)).toEqual({ userComment: text, description: 'caf?', software: 'Likeness 0.1.0' });
    // Still a valid JPEG that decodes.
    expect((await sharp(withExif).raw().toBuffer()).length).toBe(8 * 8 * 3);
  });

  it('adds PNG text chunks before the image data, XMP as iTXt', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } })
      .png()
      .toBuffer();
    const xmp = buildXmp({ stars: 3, flag: null, label: 'blue', tags: [], note: '', parameters: null, createdAt: 0, creatorTool: 'Likeness' });
    const out = addPngText(png, [
      { keyword: 'parameters', text: 'a cat' },
      { keyword: 'XML:com.adobe.xmp', text: xmp, international: true },
    ]);
    expect(pngTextKeywords(out)).toEqual(['parameters', 'XML:com.adobe.xmp']);
    const meta = await sharp(out).metadata();
    expect(meta.comments).toEqual([{ keyword: 'parameters', text: 'a cat' }]);
    expect(meta.xmp?.toString()).toMatch(/xmp:Rating="3"/);
  });

  it('writes XMP with rating −1 for rejects, Lightroom and digiKam labels, and no forbidden characters', () => {
    const xmp = buildXmp({
      stars: 4,
      flag: 'reject',
      label: 'purple',
      tags: ['a&b'],
      note: 'bell\u0007 ok',
      parameters: 'x <y>',
      createdAt: Date.UTC(2025, 4, 1),
      creatorTool: 'Likeness 0.1.0',
    });
    expect(xmp).toMatch(/xmp:Rating="-1"/);
    expect(xmp).toMatch(/xmp:Label="Purple"/);
    expect(xmp).toMatch(/digiKam:ColorLabel="6"/);
    expect(xmp).toMatch(/digiKam:PickLabel="1"/);
    expect(xmp).toMatch(/xmp:CreateDate="2025-05-01T00:00:00Z"/);
    expect(xmp).toContain('<rdf:li>a&amp;b</rdf:li>');
    expect(xmp).toContain('bell ok');
    expect(xmp).toContain('x &lt;y&gt;');
    expect(buildXmp({ stars: 0, flag: null, label: null, tags: [], note: '', parameters: null, createdAt: 0, creatorTool: 'L' })).toMatch(
      /xmp:Rating="0"[\s\S]*\/>/,
    );
  });
});
