import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

/** Writes `count` distinct noise PNGs (`size`×`size`) into `dir`, for imports long enough to interrupt. */
export async function writeNoiseImages(dir: string, count: number, size = 96): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
  for (let i = 0; i < count; i++) {
    const pixels = Buffer.alloc(size * size * 3);
    for (let p = 0; p < pixels.length; p++) pixels[p] = next();
    const file = join(dir, `noise-${String(i).padStart(5, '0')}.png`);
    await sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toFile(file);
    files.push(file);
  }
  return files;
}
