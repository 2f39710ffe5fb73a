import sharp, { type Sharp } from 'sharp';
import { StudioError } from '../api/errors';
import { explainDecodeError, inspectImage, sharpInput, type DecodedImage } from '../catalog/image-input';
import type { RgbImage } from '../inference/image-tensor';

/** HEIF brands made with the HEVC codec (AVIF shares the container but sharp decodes it). */
const heicBrands = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);

/** True for an ISO-BMFF file whose brands say HEIC (iPhone photos), whatever its name. */
export function isHeic(data: Uint8Array): boolean {
  if (data.length < 16) return false;
  const text = (start: number) => String.fromCharCode(...data.subarray(start, start + 4));
  if (text(4) !== 'ftyp') return false;
  const boxSize = Math.min(data.length, ((data[0]! << 24) | (data[1]! << 16) | (data[2]! << 8) | data[3]!) >>> 0);
  for (let at = 8; at + 4 <= boxSize; at += 4) if (heicBrands.has(text(at))) return true;
  return false;
}

export function heicError(fileName: string): StudioError {
  return new StudioError(
    'UNSUPPORTED',
    `Cannot decode HEIC here: ${fileName}.`,
    'Convert it to JPEG first (Photos on macOS or Windows, or your phone’s “Most compatible” setting, export JPEG), then import that.',
  );
}

/** explainDecodeError, plus the clear HEIC message when the file is HEIC and this build of sharp cannot decode it. */
export function explainPhotoError(error: unknown, fileName: string, data: Uint8Array): StudioError {
  if (isHeic(data)) return heicError(fileName);
  if (error instanceof StudioError) return error;
  return explainDecodeError(error, fileName);
}

export async function inspectPhoto(data: Buffer, fileName: string): Promise<DecodedImage> {
  try {
    return await inspectImage(data, fileName);
  } catch (error) {
    throw explainPhotoError(error, fileName, data);
  }
}

export interface DecodedPhoto {
  /** Upright (EXIF orientation applied), sRGB, 8-bit, alpha flattened on white; at most `maxSide` on its longest side. */
  rgb: RgbImage;
  /** The photo's display size (after orientation) in source pixels. */
  width: number;
  height: number;
  /** rgb pixels per source pixel (≤ 1). */
  scale: number;
}

/**
 * Decodes a photo once for measuring and cropping: EXIF orientation applied, CMYK / 16-bit / grey converted
 * to 8-bit sRGB, transparency flattened on white, GIF's first frame; the whole file is decoded, so a
 * truncated file fails here with a reason a person understands.
 */
export async function decodePhoto(
  data: Buffer,
  fileName: string,
  display: { width: number; height: number },
  maxSide?: number,
): Promise<DecodedPhoto> {
  try {
    let pipeline = sharpInput(data).rotate();
    if (maxSide && Math.max(display.width, display.height) > maxSide) {
      pipeline = pipeline.resize({ width: maxSide, height: maxSide, fit: 'inside' });
    }
    const { data: pixels, info } = await pipeline
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels after conversion, got ${info.channels}`);
    return {
      rgb: { data: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), width: info.width, height: info.height },
      width: display.width,
      height: display.height,
      scale: info.width / display.width,
    };
  } catch (error) {
    throw explainPhotoError(error, fileName, data);
  }
}

/** A sharp pipeline reading decoded RGB pixels (no second decode of the file). */
export function fromRgb(image: RgbImage): Sharp {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}
