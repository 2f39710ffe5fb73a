import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
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

/** A valid 1×1 PNG whose header then claims `size`×`size` pixels (a decompression bomb's calling card). */
export async function pngClaiming(size: number): Promise<Buffer> {
  const png = Buffer.from(
    await sharp({ create: { width: 1, height: 1, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  png.writeUInt32BE(size, 16);
  png.writeUInt32BE(size, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)) >>> 0, 29);
  return png;
}
