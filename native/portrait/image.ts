import sharp, { type Sharp } from 'sharp';
import { warpAffine, type Raster } from '../inference/affine';
import type { RgbImage } from '../inference/image-tensor';

/** A sharp pipeline over raw RGB pixels. */
export function sharpOf(image: RgbImage) {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

export async function rawRgb(pipeline: Sharp): Promise<RgbImage> {
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** Resized with sharp (Lanczos down, bicubic-like up): for whole pictures. */
export function resizeRgb(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return Promise.resolve(image);
  return rawRgb(sharpOf(image).resize({ width, height, fit: 'fill', kernel: 'lanczos3' }));
}

/** Float planes (one channel each) resized bilinearly, pixel centres aligned as OpenCV's resize does. */
export function resizePlane(plane: Float32Array, width: number, height: number, toWidth: number, toHeight: number): Float32Array {
  if (width === toWidth && height === toHeight) return plane;
  const sx = toWidth / width;
  const sy = toHeight / height;
  const raster: Raster<Float32Array> = { data: plane, width, height, channels: 1 };
  return warpAffine(raster, [sx, 0, 0.5 * sx - 0.5, 0, sy, 0.5 * sy - 0.5], toWidth, toHeight, { border: { mode: 'replicate' } }).data;
}

export async function encodePng(image: RgbImage): Promise<Buffer> {
  return sharpOf(image).png({ compressionLevel: 6 }).toBuffer();
}

export function rgbRaster(image: RgbImage): Raster<Uint8Array> {
  return { data: image.data, width: image.width, height: image.height, channels: 3 };
}
