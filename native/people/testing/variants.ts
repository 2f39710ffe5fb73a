import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RejectedFileKind } from '../../api/namespaces/people';
import { pngClaiming } from '../../testing/images';

/**
 * Photos for vetting tests, made from the shared fixtures (astronaut: one colour face; camera: one face, black
 * and white, turned to the side; chelsea: a cat; coffee: a cup) — each variant has the verdict a person would
 * expect. Written into a folder so imports go through the real file path.
 */

/** An AVIF whose brands say HEIC: a HEIC file this build cannot decode. */
export async function heicLike(): Promise<Buffer> {
  const avif = Buffer.from(
    await sharp({ create: { width: 32, height: 32, channels: 3, background: '#888' } })
      .avif()
      .toBuffer(),
  );
  for (const [from, to] of [
    ['avif', 'heic'],
    ['av01', 'hvc1'],
    ['av1C', 'hvcC'],
  ] as const) {
    let at = avif.indexOf(from);
    while (at >= 0) {
      avif.write(to, at, 'latin1');
      at = avif.indexOf(from, at + 4);
    }
  }
  return avif;
}

/** The astronaut's face twice, side by side at the same size: two people, neither the main one. */
export async function twoFaces(photosDir: string): Promise<Buffer> {
  const face = await sharp(join(photosDir, 'astronaut.png')).extract({ left: 120, top: 10, width: 210, height: 260 }).toBuffer();
  return sharp({ create: { width: 440, height: 280, channels: 3, background: '#ddd' } })
    .composite([
      { input: face, left: 5, top: 10 },
      { input: await sharp(face).flop().toBuffer(), left: 225, top: 10 },
    ])
    .png()
    .toBuffer();
}

/** A mirrored, sepia-toned print of a black-and-white photo. */
export async function sepia(file: string): Promise<Buffer> {
  const { data, info } = await sharp(file).flop().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .recomb([
      [0.393, 0.769, 0.189],
      [0.349, 0.686, 0.168],
      [0.272, 0.534, 0.131],
    ])
    .jpeg({ quality: 90 })
    .toBuffer();
}

export type Expected =
  { verdict: 'accepted' | 'rejected' | 'review'; reason?: string; note?: string } | { rejectedFile: RegExp; kind: RejectedFileKind };

export interface VettingFixture {
  name: string;
  expected: Expected;
}

/** Writes the vetting set into `dir` (crop size 512 assumed for the face-size verdicts). */
export async function writeVettingFixtures(photosDir: string, dir: string): Promise<VettingFixture[]> {
  mkdirSync(dir, { recursive: true });
  const astronaut = join(photosDir, 'astronaut.png');
  const files: [string, Buffer | Promise<Buffer>, Expected][] = [
    ['astronaut.png', readFileSync(astronaut), { verdict: 'accepted', note: 'face-enlarged' }],
    ['camera.png', readFileSync(join(photosDir, 'camera.png')), { verdict: 'review', reason: 'profile', note: 'black-and-white' }],
    ['chelsea.png', readFileSync(join(photosDir, 'chelsea.png')), { verdict: 'rejected', reason: 'no-face' }],
    ['coffee.png', readFileSync(join(photosDir, 'coffee.png')), { verdict: 'rejected', reason: 'no-face' }],
    ['blurred.png', sharp(astronaut).blur(3).png().toBuffer(), { verdict: 'rejected', reason: 'blurred' }],
    ['shrunk.png', sharp(astronaut).resize(160).png().toBuffer(), { verdict: 'rejected', reason: 'face-too-small' }],
    // The same picture again, recompressed and a little smaller: the original is kept.
    ['duplicate.jpg', sharp(astronaut).resize(480).jpeg({ quality: 80 }).toBuffer(), { verdict: 'rejected', reason: 'near-duplicate' }],
    ['two-faces.png', twoFaces(photosDir), { verdict: 'rejected', reason: 'several-faces' }],
    // Stored sideways with EXIF orientation 6 (a phone held upright): upright once the tag is applied.
    [
      'rotated-exif.jpg',
      sharp(astronaut).flop().rotate(-90).jpeg({ quality: 92 }).withMetadata({ orientation: 6 }).toBuffer(),
      { verdict: 'accepted' },
    ],
    ['sepia.jpg', sepia(join(photosDir, 'camera.png')), { verdict: 'review', note: 'sepia' }],
    ['truncated.png', readFileSync(astronaut).subarray(0, 200_000), { rejectedFile: /damaged or incomplete/, kind: 'damaged' }],
    ['huge-header.png', pngClaiming(60_000), { rejectedFile: /too large to open safely/, kind: 'too-many-pixels' }],
    ['notes.jpg', Buffer.from('this is not a picture'), { rejectedFile: /not an image Likeness can read/, kind: 'not-an-image' }],
    ['iphone.heic', heicLike(), { rejectedFile: /Cannot decode HEIC here/, kind: 'heic' }],
  ];
  const out: VettingFixture[] = [];
  for (const [name, data, expected] of files) {
    writeFileSync(join(dir, name), await data);
    out.push({ name, expected });
  }
  return out;
}
