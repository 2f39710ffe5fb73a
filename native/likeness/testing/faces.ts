import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { appRoot } from '../../core/entry-points';
import { faceDetectorFromFile } from '../../inference/face-detector';

/**
 * Real faces for likeness tests, from what installs offline: the group photos that ship with the npm package
 * @vladmandic/face-api (demo/sample1–6.jpg; the people in one photo are different people) and the shared
 * fixtures (astronaut: one woman; camera: one man). Nothing is downloaded.
 */
export const faceApiSamples = (() => {
  const folder = dirname(createRequire(join(appRoot(), 'package.json')).resolve('@vladmandic/face-api/package.json'));
  return [1, 2, 3, 4, 5, 6].map((n) => join(folder, 'demo', `sample${n}.jpg`));
})();

/** Each face of a photo cut out as a square portrait (2.4 face heights wide), largest face first. */
export async function portraitsOf(file: string, yunetPath: string): Promise<Buffer[]> {
  const detector = await faceDetectorFromFile(yunetPath);
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const faces = await detector.detect({
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  });
  faces.sort((a, b) => b.box.height - a.box.height);
  // Clear faces only: the one weaker detection in these photos (0.82) is a stair railing.
  return Promise.all(
    faces
      .filter((f) => f.score >= 0.85 && f.box.height >= 100)
      .map((face) => {
        const side = Math.min(info.width, info.height, Math.round(face.box.height * 2.4));
        const left = Math.max(0, Math.min(info.width - side, Math.round(face.box.x + face.box.width / 2 - side / 2)));
        const top = Math.max(0, Math.min(info.height - side, Math.round(face.box.y + face.box.height / 2 - side / 2)));
        return sharp(file).extract({ left, top, width: side, height: side }).png().toBuffer();
      }),
  );
}

async function turned(photo: Buffer, degrees: number): Promise<Buffer> {
  const rotated = await sharp(photo).rotate(degrees, { background: '#7f7f7f' }).png().toBuffer();
  const { width = 0, height = 0 } = await sharp(rotated).metadata();
  const side = Math.round(Math.min(width, height) * 0.72);
  return sharp(rotated)
    .extract({ left: Math.round((width - side) / 2), top: Math.round((height - side) / 2), width: side, height: side })
    .png()
    .toBuffer();
}

/** The same photo seen again as users meet it: mirrored, rotated, re-cropped, darker, recompressed. */
export async function seenAgain(
  photo: Buffer,
): Promise<{ mirrored: Buffer; rotated: Buffer; recropped: Buffer; darker: Buffer; recompressed: Buffer }> {
  const { width = 0, height = 0 } = await sharp(photo).metadata();
  return {
    mirrored: await sharp(photo).flop().png().toBuffer(),
    // Turned 10° and cut back to the middle, as a re-framed photo would be (no grey corners).
    rotated: await turned(photo, 10),
    recropped: await sharp(photo)
      .extract({ left: Math.round(width * 0.08), top: Math.round(height * 0.05), width: Math.round(width * 0.84), height: Math.round(height * 0.86) })
      .png()
      .toBuffer(),
    darker: await sharp(photo).modulate({ brightness: 0.55 }).png().toBuffer(),
    recompressed: await sharp(photo).jpeg({ quality: 30 }).toBuffer(),
  };
}

/** A person's sample photos in a new folder: the photo itself, mirrored and darker (three vetted photos of one face). */
export async function writeSamplePhotos(dir: string, photo: Buffer, stem = 'eileen'): Promise<string> {
  const again = await seenAgain(photo);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${stem}.png`), photo);
  writeFileSync(join(dir, `${stem}-mirrored.png`), again.mirrored);
  writeFileSync(join(dir, `${stem}-darker.png`), again.darker);
  return dir;
}
