import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { StudioError } from '../api/errors';
import type { RgbImage } from '../inference/image-tensor';

// Pixels in and out of a generation: the start image of img2img, and the PNG of a result.

/** The start image at the size to make, cropped to fill it around what draws the eye, with the file's hash. */
export async function readInit(path: string, width: number, height: number): Promise<{ image: RgbImage; hash: string }> {
  try {
    const file = sharp(path, { failOn: 'error' });
    const { data, info } = await file
      .clone()
      .rotate()
      .resize(width, height, { fit: 'cover', position: 'attention' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      image: { data: new Uint8Array(data), width: info.width, height: info.height },
      hash: createHash('sha256')
        .update(await readFile(path))
        .digest('hex'),
    };
  } catch (error) {
    throw new StudioError('INVALID_INPUT', `The init image ${path} cannot be read: ${(error as Error).message}`, 'Use a PNG, JPEG or WebP picture.');
  }
}

/** The pipeline's RGB pixels as a PNG (no text yet: the studio adds the A1111 parameters). */
export const encodePng = (image: RgbImage) =>
  sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
