// Shared by the benchmarks: phone-sized JPEGs made from the shared fixtures (two faces, a cat, a coffee cup),
// each enlarged to 1600–3000 px on its long side and brightened a little so every file is different.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

const FIXTURES = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png'];

/** Writes `count` photos into `folder` (created); returns their average size in megapixels. */
export async function makePhonePhotos(fixturesDir: string, folder: string, count: number): Promise<number> {
  mkdirSync(folder, { recursive: true });
  let pixels = 0;
  for (let i = 0; i < count; i++) {
    const side = 1600 + Math.round((1400 * i) / Math.max(1, count - 1));
    const image = sharp(join(fixturesDir, FIXTURES[i % FIXTURES.length]!))
      .resize(side, Math.round(side * 0.75), { fit: 'cover' })
      .modulate({ brightness: 1 + (i % 7) * 0.01 });
    const info = await image.jpeg({ quality: 88 }).toFile(join(folder, `photo-${String(i).padStart(3, '0')}.jpg`));
    pixels += info.width * info.height;
  }
  return pixels / Math.max(1, count) / 1e6;
}
