import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { openSession } from '../inference/session';
import { sharedFile } from '../testing/shared-data';
import { labToRgb, labToRgbPixel, meanChroma, rgbToLab, rgbToLabPixel } from './color';
import { colorize, colorizerSpecs } from './colorize';
import { rawRgb } from './image';
import { ddcolorModel, deoldifyModel } from './testing/tiny-models';

const photos = sharedFile('fixtures/photos');

describe('L*a*b*', () => {
  it('matches the published D65 values and round-trips', () => {
    expect(rgbToLabPixel(1, 1, 1).map((v) => Math.round(v * 100) / 100)).toEqual([100, 0, 0]);
    const [L, a, b] = rgbToLabPixel(1, 0, 0);
    expect(L).toBeCloseTo(53.24, 1);
    expect(a).toBeCloseTo(80.09, 0);
    expect(b).toBeCloseTo(67.2, 0);
    const samples: [number, number, number][] = [
      [0.2, 0.5, 0.7],
      [0.01, 0.02, 0.0],
      [0.9, 0.85, 0.6],
    ];
    for (const rgb of samples) {
      labToRgbPixel(...rgbToLabPixel(...rgb)).forEach((v, i) => expect(v).toBeCloseTo(rgb[i]!, 4));
    }
  });

  it('converts whole images both ways without losing a level', () => {
    const data = Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => (i * 37 + (i >> 5)) % 256);
    const back = labToRgb(rgbToLab({ data, width: 64, height: 64 }));
    let worst = 0;
    for (let i = 0; i < data.length; i++) worst = Math.max(worst, Math.abs(back.data[i]! - data[i]!));
    expect(worst).toBeLessThanOrEqual(1);
  });
});

describe.skipIf(photos.missing)('colorizing camera.png (black and white) with tiny DDColor and DeOldify models', () => {
  const camera = async () => rawRgb(sharp(join(photos.path, 'camera.png')).toColourspace('srgb'));

  for (const id of ['ddcolor', 'deoldify-stable'] as const) {
    it(`${id}: adds colour and keeps every pixel's lightness at full resolution`, async () => {
      const photo = await camera();
      const session = await openSession(id === 'ddcolor' ? ddcolorModel() : deoldifyModel(), { model: id, provider: 'cpu' });
      const result = await colorize(session, colorizerSpecs[id]!, photo, { size: 256 });
      await session.release();
      expect([result.image.width, result.image.height]).toEqual([photo.width, photo.height]);
      expect(result.modelSize).toBe(256);
      const before = rgbToLab(photo);
      const after = rgbToLab(result.image);
      expect(meanChroma(before)).toBeLessThan(1);
      expect(meanChroma(after)).toBeGreaterThan(5);
      // Lightness is the input's own (8-bit rounding and gamut clipping of saturated darks aside).
      let worst = 0;
      let total = 0;
      for (let i = 0; i < before.L.length; i++) {
        const d = Math.abs(before.L[i]! - after.L[i]!);
        worst = Math.max(worst, d);
        total += d;
      }
      expect(total / before.L.length).toBeLessThan(0.5);
      expect(worst).toBeLessThan(6);
    });
  }

  it('sees the photo at the model’s default size (512) when its input size is free', async () => {
    const photo = { data: new Uint8Array(40 * 30 * 3).fill(128), width: 40, height: 30 };
    const session = await openSession(ddcolorModel(), { model: 'ddcolor', provider: 'cpu' });
    const result = await colorize(session, colorizerSpecs.ddcolor!, photo);
    expect(result.modelSize).toBe(512);
    await session.release();
  });
});
