// The images Likeness takes in: which files it considers, the limits it refuses past, decoding with those guards,
// and decode errors in words a person understands.
import { readFile, stat } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { StudioError } from '../api/errors';

/** File name extensions the importers consider; anything else in a folder is skipped, not failed. */
export const imageExtensions = new Set(['.png', '.jpg', '.jpeg', '.jfif', '.webp', '.avif', '.gif', '.tif', '.tiff', '.heic', '.heif']);

/** Larger files are refused before reading them into memory. */
export const MAX_IMAGE_BYTES = 512 * 1024 * 1024;
/** Decompression-bomb guard: sharp refuses images with more pixels than this (about 16k × 16k). */
export const MAX_IMAGE_PIXELS = 268_402_689;

const mimeByFormat: Record<string, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  tiff: 'image/tiff',
  avif: 'image/avif',
  heif: 'image/heic',
};

export const THUMBNAIL_SIZE = 512;

export interface DecodedImage {
  format: string;
  mime: string;
  /** Display size, after EXIF orientation. */
  width: number;
  height: number;
  metadata: Metadata;
}

export function sharpInput(data: Buffer): Sharp {
  return sharp(data, { failOn: 'truncated', limitInputPixels: MAX_IMAGE_PIXELS });
}

/** Turns sharp/libvips messages into reasons a person understands, with what to do. */
export function explainDecodeError(error: unknown, fileName: string): StudioError {
  const message = (error as Error)?.message ?? String(error);
  if (/pixel limit/i.test(message)) {
    return new StudioError(
      'CORRUPT_FILE',
      `${fileName} is too large to open safely (over ${Math.round(MAX_IMAGE_PIXELS / 1e6)} megapixels).`,
      'Downscale it in an image editor, then import it again.',
    );
  }
  if (/heif|heic/i.test(message) && /(unsupported|codec|compression|plugin)/i.test(message)) {
    return new StudioError(
      'UNSUPPORTED',
      `Cannot decode HEIC here: ${fileName}.`,
      'Convert it to JPEG first (Photos on macOS or Windows can export JPEG).',
    );
  }
  if (/unsupported image format|bad seek|not a known file format/i.test(message)) {
    return new StudioError(
      'CORRUPT_FILE',
      `${fileName} is not an image Likeness can read.`,
      'Check that the file opens in an image viewer; import JPEG, PNG, WebP, TIFF, GIF or AVIF.',
    );
  }
  if (/premature end|truncated|corrupt|invalid|unexpected end|damaged|read error|decode/i.test(message)) {
    return new StudioError(
      'CORRUPT_FILE',
      `${fileName} is damaged or incomplete (${message.split('\n')[0]}).`,
      'Copy the file again from its source, then import it again.',
    );
  }
  return new StudioError('CORRUPT_FILE', `${fileName} could not be read: ${message.split('\n')[0]}`, 'Check that the file opens in an image viewer.');
}

export async function readImageFile(path: string, fileName: string): Promise<Buffer> {
  const info = await stat(path);
  if (info.size > MAX_IMAGE_BYTES) {
    throw new StudioError(
      'CORRUPT_FILE',
      `${fileName} is ${Math.round(info.size / 2 ** 20)} MB; images over ${MAX_IMAGE_BYTES / 2 ** 20} MB are not imported.`,
      'Export a smaller copy, then import that.',
    );
  }
  if (info.size === 0) throw new StudioError('CORRUPT_FILE', `${fileName} is empty (0 bytes).`, 'Copy the file again from its source.');
  return readFile(path);
}

/** Reads the header and checks the image is one we can decode; display size accounts for EXIF rotation. */
export async function inspectImage(data: Buffer, fileName: string): Promise<DecodedImage> {
  let metadata: Metadata;
  try {
    metadata = await sharpInput(data).metadata();
  } catch (error) {
    throw explainDecodeError(error, fileName);
  }
  const format = metadata.format ?? 'unknown';
  const mime = mimeByFormat[format];
  if (!mime || !metadata.width || !metadata.height) {
    throw new StudioError('CORRUPT_FILE', `${fileName} is not an image Likeness can read (${format}).`, 'Import JPEG, PNG, WebP, TIFF, GIF or AVIF.');
  }
  if (metadata.width * metadata.height > MAX_IMAGE_PIXELS) {
    throw explainDecodeError(new Error('pixel limit'), fileName);
  }
  const rotated = (metadata.orientation ?? 1) >= 5;
  return {
    format,
    mime,
    width: rotated ? metadata.height : metadata.width,
    height: rotated ? metadata.width : metadata.height,
    metadata,
  };
}

/** A WebP thumbnail (longest side 512), upright, sRGB; decoding the whole image also proves it is intact. */
export async function makeThumbnail(data: Buffer, fileName: string): Promise<Buffer> {
  try {
    return await sharpInput(data)
      .rotate()
      .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .webp({ quality: 80, effort: 2 })
      .toBuffer();
  } catch (error) {
    throw explainDecodeError(error, fileName);
  }
}
