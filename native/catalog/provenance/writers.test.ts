import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { parseA1111Parameters } from './a1111';
import { formatA1111Parameters } from './a1111-write';
import { readExifText } from './exif';
import { buildExif, hasJpegApp1, insertJpegApp1, XMP_JPEG_PREFIX } from './exif-write';
import { addPngText, pngTextKeywords } from './png-text';
import { buildXmp } from './xmp';
import { a1111Parameters } from '../../diffusion/parameters';
import { schedulerNames, schedulers, type SchedulerName } from '../../diffusion/schedulers';

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

/**
 * How A1111 (1.9+) resolves an infotext's Sampler and Schedule type, as modules/sd_samplers.py
 * get_sampler_and_scheduler does: a schedule suffix on the sampler name wins ("DPM++ 2M Karras"), a missing
 * Schedule type is "Automatic", and Automatic means the sampler's default scheduler
 * (modules/sd_samplers_kdiffusion.py: DPM++ 2M → Karras; Euler, Euler a → none, i.e. the model's own sigmas).
 */
function a1111Resolves(text: string): { sampler: string; schedule: string } {
  const settings = new Map(
    [
      ...text
        .split('\n')
        .at(-1)!
        .matchAll(/(\w[\w \-/]+): ([^,]*)(?:,|$)/g),
    ].map((m) => [m[1]!.trim(), m[2]!.trim()]),
  );
  let sampler = settings.get('Sampler')!;
  let schedule = settings.get('Schedule type') ?? 'Automatic';
  for (const label of ['Karras', 'Exponential', 'Uniform']) {
    if (sampler.endsWith(` ${label}`)) [sampler, schedule] = [sampler.slice(0, -label.length - 1), label];
  }
  const defaults: Record<string, string> = { 'DPM++ 2M': 'Karras', 'DPM++ 2M SDE': 'Exponential', DPM2: 'Karras' };
  if (schedule === 'Automatic') schedule = defaults[sampler] ?? 'Uniform';
  return { sampler, schedule };
}

describe('A1111 reads our samplers as we ran them', () => {
  const meant: Record<SchedulerName, { sampler: string; schedule: string }> = {
    euler: { sampler: 'Euler', schedule: 'Uniform' },
    'euler-a': { sampler: 'Euler a', schedule: 'Uniform' },
    ddim: { sampler: 'DDIM', schedule: 'Uniform' },
    lcm: { sampler: 'LCM', schedule: 'Uniform' },
    'dpmpp-2m': { sampler: 'DPM++ 2M', schedule: 'Uniform' },
    'dpmpp-2m-karras': { sampler: 'DPM++ 2M', schedule: 'Karras' },
  };

  it('in the text written with each generation', () => {
    for (const scheduler of schedulerNames) {
      const text = a1111Parameters({
        prompt: 'a portrait',
        negativePrompt: '',
        steps: 20,
        scheduler,
        guidance: 7,
        seed: 1,
        width: 512,
        height: 512,
        model: 'sd15',
        modelHash: 'a'.repeat(64),
        loras: [],
        provider: 'cpu',
        appVersion: '0.1.0',
      });
      expect(a1111Resolves(text), scheduler).toEqual(meant[scheduler]);
    }
  });

  it('in a text rebuilt for an older Likeness output that has only its columns (the scheduler’s label, or its id)', () => {
    for (const scheduler of schedulerNames)
      for (const stored of [schedulers[scheduler].label, scheduler])
        expect(a1111Resolves(formatA1111Parameters({ ...settings, scheduler: stored })!), stored).toEqual(meant[scheduler]);
  });
});
