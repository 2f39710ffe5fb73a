import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareStill } from './reel-images';

const work = mkdtempSync(join(tmpdir(), 'likeness-reel-images-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A landscape photo of hard black and white stripes, 64 px wide: any blur short of a strong one leaves edges. */
async function stripes(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) pixels.fill(Math.floor(x / 64) % 2 ? 255 : 0, (y * width + x) * 3, (y * width + x) * 3 + 3);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

describe('prepareStill', () => {
  it('a landscape photo in a vertical frame: shown whole, sharp, on a strongly blurred, darker copy of itself', async () => {
    const size = { width: 540, height: 960 };
    const layout = { mode: 'backdrop' as const, crop: { x: 0, y: 0.35, w: 1, h: 0.3 }, focus: { x: 0.5, y: 0.5 } };
    const file = join(work, 'backdrop.jpg');
    await prepareStill(await stripes(1200, 675), 'stripes.png', layout, size, file);
    const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([size.width, size.height]);
    const at = (x: number, y: number) => data[y * info.width + x]!;
    const rowSteps = (y: number) => Array.from({ length: info.width - 1 }, (_, x) => Math.abs(at(x + 1, y) - at(x, y)));
    // The photo itself keeps its hard edges.
    expect(Math.max(...rowSteps(480))).toBeGreaterThan(150);
    // The backdrop above it: no edge left (neighbouring pixels within a few levels) and darker than mid-grey.
    for (const y of [40, 150, 280]) expect(Math.max(...rowSteps(y))).toBeLessThan(6);
    const backdropMean = Array.from({ length: info.width }, (_, x) => at(x, 100)).reduce((a, b) => a + b, 0) / info.width;
    expect(backdropMean).toBeLessThan(100);
  });
});
