import { describe, expect, it } from 'vitest';
import type { RgbImage } from '../inference/image-tensor';
import { openSession } from '../inference/session';
import { upscalerModel } from './testing/tiny-models';
import { upscale } from './upscale';

function scene(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 3 + y) % 256;
      data[i + 1] = 128 + 100 * Math.sin(x / 9) * Math.cos(y / 13);
      data[i + 2] = (x * y) % 200;
    }
  return { data, width, height };
}

describe('upscaling in tiles (tiny Real-ESRGAN models)', () => {
  it('×2 and ×4: the size multiplies, and tiles join without seams (matches the whole picture in one go)', async () => {
    for (const scale of [2, 4] as const) {
      const session = await openSession(upscalerModel(scale), { model: `Real-ESRGAN ×${scale}`, provider: 'cpu' });
      const photo = scene(150, 110);
      const tiles: number[] = [];
      const tiled = await upscale(session, photo, scale, { tile: 64, overlap: 16, onTile: (n, total) => tiles.push(n / total) });
      const whole = await upscale(session, photo, scale, { tile: 160 });
      expect([tiled.width, tiled.height]).toEqual([150 * scale, 110 * scale]);
      expect(tiles.length).toBe(3 * 2);
      expect(tiles.at(-1)).toBe(1);
      let sum = 0;
      let worst = 0;
      for (let i = 0; i < whole.data.length; i++) {
        const d = Math.abs(whole.data[i]! - tiled.data[i]!);
        sum += d;
        worst = Math.max(worst, d);
      }
      expect(sum / whole.data.length).toBeLessThan(0.5);
      expect(worst).toBeLessThan(12);
      await session.release();
    }
  });

  it('pads tiles to the model’s size: a photo under one tile, with odd sides, on a model whose input is fixed', async () => {
    // FaceFusion feeds Real-ESRGAN only full 256 px tiles (frame_enhancer create_tile_frames pads the frame).
    const session = await openSession(upscalerModel(2, 64), { model: 'Real-ESRGAN ×2 (fixed 64)', provider: 'cpu' });
    const photo = scene(51, 37);
    const out = await upscale(session, photo, 2);
    expect([out.width, out.height]).toEqual([102, 74]);
    // Inside the photo the padded result is the photo upscaled: compare a pixel with its source.
    const at = (image: RgbImage, x: number, y: number) => Array.from(image.data.subarray((y * image.width + x) * 3, (y * image.width + x) * 3 + 3));
    at(out, 40, 30).forEach((v, c) => expect(Math.abs(v - at(photo, 20, 15)[c]!)).toBeLessThan(20));
    await session.release();
  });

  it('refuses a result too large to be useful, saying what to do', async () => {
    const session = await openSession(upscalerModel(4), { model: 'Real-ESRGAN ×4', provider: 'cpu' });
    await expect(upscale(session, { data: new Uint8Array(3), width: 3000, height: 2000 }, 4)).rejects.toThrow(/would make 96 megapixels/);
    await session.release();
  });

  it('stops between tiles when cancelled', async () => {
    const session = await openSession(upscalerModel(2), { model: 'Real-ESRGAN ×2', provider: 'cpu' });
    const controller = new AbortController();
    const done: number[] = [];
    const run = upscale(session, scene(200, 200), 2, {
      tile: 64,
      overlap: 8,
      signal: controller.signal,
      onTile: (n) => (done.push(n), n === 2 && controller.abort()),
    });
    await expect(run).rejects.toThrow();
    expect(done).toEqual([1, 2]);
    await session.release();
  });
});
