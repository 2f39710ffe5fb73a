import { invertAffine, transformedBounds, warpAffine, type Affine, type Raster } from '../inference/affine';
import type { RgbImage } from '../inference/image-tensor';
import { labToRgb, rgbToLab, type LabPlanes } from './color';
import { rgbRaster } from './image';

/**
 * Putting a processed face crop back into the photo: a feathered mask so no seam shows, colour matched to the
 * photo's own face so a restorer's tint does not turn a sepia print pink, and a strength that blends the
 * original and the processed face.
 */

/** 1 in the middle of a size × size crop, easing to 0 over `feather` (a share of the side) at every edge. */
export function featherMask(size: number, feather = 0.12, inset = 0.02): Float32Array {
  const mask = new Float32Array(size * size);
  const ramp = Math.max(1, feather * size);
  const margin = inset * size;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const edge = Math.min(x + 0.5, y + 0.5, size - x - 0.5, size - y - 0.5) - margin;
      const t = Math.min(1, Math.max(0, edge / ramp));
      mask[y * size + x] = t * t * (3 - 2 * t); // smoothstep
    }
  }
  return mask;
}

function weightedStats(values: Float32Array, weights: Float32Array): { mean: number; std: number } {
  let w = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    w += weights[i]!;
    sum += weights[i]! * values[i]!;
  }
  const mean = sum / Math.max(1e-9, w);
  let variance = 0;
  for (let i = 0; i < values.length; i++) variance += weights[i]! * (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(variance / Math.max(1e-9, w)) };
}

/**
 * The processed crop with the original crop's colour: the mean lightness and the mean and spread of a* and b*
 * (inside the mask) are moved to the original's. Lightness contrast is left as the model made it — that is the
 * restoration.
 */
export function matchColour(processed: RgbImage, original: RgbImage, mask: Float32Array): RgbImage {
  const p = rgbToLab(processed);
  const o = rgbToLab(original);
  const out: LabPlanes = { ...p, L: new Float32Array(p.L), a: new Float32Array(p.a), b: new Float32Array(p.b) };
  const shiftL = weightedStats(o.L, mask).mean - weightedStats(p.L, mask).mean;
  for (let i = 0; i < out.L.length; i++) out.L[i]! += shiftL;
  for (const channel of ['a', 'b'] as const) {
    const from = weightedStats(p[channel], mask);
    const to = weightedStats(o[channel], mask);
    const gain = from.std > 1e-3 ? Math.min(2, to.std / from.std) : 0;
    const values = out[channel];
    for (let i = 0; i < values.length; i++) values[i] = (values[i]! - from.mean) * gain + to.mean;
  }
  return labToRgb(out);
}

export interface PastePlan {
  /** The photo pixels the crop covers. */
  box: { x: number; y: number; width: number; height: number };
  /** Crop pixels → box-local pixels. */
  local: Affine;
  cropWidth: number;
  cropHeight: number;
  /** The mask, warped into the box. */
  alpha: Float32Array;
}

/** Where a crop placed by `matrix` (photo → crop) lands, and its mask there: the same for every frame of a clip. */
export function planPaste(
  photo: { width: number; height: number },
  crop: { width: number; height: number },
  matrix: Affine,
  mask: Float32Array,
): PastePlan {
  const toPhoto = invertAffine(matrix);
  const box = transformedBounds(toPhoto, crop.width, crop.height, photo);
  const local: Affine = [toPhoto[0], toPhoto[1], toPhoto[2] - box.x, toPhoto[3], toPhoto[4], toPhoto[5] - box.y];
  const maskRaster: Raster<Float32Array> = { data: mask, width: crop.width, height: crop.height, channels: 1 };
  const alpha =
    box.width && box.height
      ? warpAffine(maskRaster, local, box.width, box.height, { border: { mode: 'constant', value: 0 } }).data
      : new Float32Array(0);
  return { box, local, cropWidth: crop.width, cropHeight: crop.height, alpha };
}

/** Writes `crop` into `photo` in place through the plan's mask at `strength` (0 keeps the photo, 1 takes the crop). */
export function pasteWithPlan(photo: RgbImage, crop: RgbImage, plan: PastePlan, strength = 1): void {
  const { box, alpha } = plan;
  if (!box.width || !box.height) return;
  const patch = warpAffine(rgbRaster(crop), plan.local, box.width, box.height, { border: { mode: 'replicate' } });
  const k = Math.min(1, Math.max(0, strength));
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const a = alpha[y * box.width + x]! * k;
      if (a <= 0) continue;
      const p = ((box.y + y) * photo.width + box.x + x) * 3;
      const q = (y * box.width + x) * 3;
      for (let c = 0; c < 3; c++) photo.data[p + c] = Math.round(photo.data[p + c]! * (1 - a) + patch.data[q + c]! * a);
    }
  }
}

/**
 * Writes `crop` (placed by `matrix`: photo → crop) into `photo` in place, through `mask`, at `strength` (0 keeps
 * the photo, 1 takes the crop fully inside the mask). Returns the box it touched.
 */
export function pasteBack(
  photo: RgbImage,
  crop: RgbImage,
  matrix: Affine,
  mask: Float32Array,
  strength = 1,
): { x: number; y: number; width: number; height: number } {
  const plan = planPaste(photo, crop, matrix, mask);
  pasteWithPlan(photo, crop, plan, strength);
  return plan.box;
}
