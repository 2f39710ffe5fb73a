import { affineScale, composeAffine, invertAffine, transformedBounds, warpAffine, type Affine, type Raster } from '../inference/affine';
import { planesToImage, UNIT_RGB, type RgbImage, type RgbPlanes } from '../inference/image-tensor';
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
  /** Where each masked photo pixel samples the crop: built on the first paste, reused by every frame after. */
  taps?: PasteTaps;
}

/**
 * For each photo pixel under the mask: its byte offset, the four crop pixels around the point it maps to (pixel
 * indices, the border replicated, as warpAffine samples) and their bilinear weights.
 */
interface PasteTaps {
  photoIndex: Int32Array;
  corners: Int32Array;
  weights: Float32Array;
  alpha: Float32Array;
}

/** The box of a mask's non-zero pixels, two pixels wider each way (the bilinear taps that still reach them). */
function nonZeroBounds(mask: Float32Array, width: number, height: number): { x: number; y: number; width: number; height: number } {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask[y * width + x]! <= 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  if (x1 < 0) return { x: 0, y: 0, width: 0, height: 0 };
  const left = Math.max(0, x0 - 2);
  const top = Math.max(0, y0 - 2);
  return { x: left, y: top, width: Math.min(width, x1 + 3) - left, height: Math.min(height, y1 + 3) - top };
}

/** Where a crop placed by `matrix` (photo → crop) lands, and its mask there: the same for every frame of a clip. */
export function planPaste(
  photo: { width: number; height: number },
  crop: { width: number; height: number },
  matrix: Affine,
  mask: Float32Array,
): PastePlan {
  const toPhoto = invertAffine(matrix);
  // Only where the mask is not zero (a mouth mask covers a third of the crop): the warps below cover that box.
  const covered = nonZeroBounds(mask, crop.width, crop.height);
  const box = transformedBounds(composeAffine(toPhoto, [1, 0, covered.x, 0, 1, covered.y]), covered.width, covered.height, photo);
  const local: Affine = [toPhoto[0], toPhoto[1], toPhoto[2] - box.x, toPhoto[3], toPhoto[4], toPhoto[5] - box.y];
  const maskRaster: Raster<Float32Array> = { data: mask, width: crop.width, height: crop.height, channels: 1 };
  const alpha =
    box.width && box.height
      ? warpAffine(maskRaster, local, box.width, box.height, { border: { mode: 'constant', value: 0 } }).data
      : new Float32Array(0);
  return { box, local, cropWidth: crop.width, cropHeight: crop.height, alpha };
}

function pasteTaps(plan: PastePlan, photoWidth: number): PasteTaps {
  const { box, alpha, cropWidth: cw, cropHeight: ch } = plan;
  const inv = invertAffine(plan.local);
  let count = 0;
  for (const a of alpha) if (a > 0) count++;
  const taps: PasteTaps = {
    photoIndex: new Int32Array(count),
    corners: new Int32Array(count * 4),
    weights: new Float32Array(count * 4),
    alpha: new Float32Array(count),
  };
  const clampX = (x: number) => (x < 0 ? 0 : x >= cw ? cw - 1 : x);
  const clampY = (y: number) => (y < 0 ? 0 : y >= ch ? ch - 1 : y);
  let n = 0;
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const a = alpha[y * box.width + x]!;
      if (a <= 0) continue;
      const px = inv[0] * x + inv[1] * y + inv[2];
      const py = inv[3] * x + inv[4] * y + inv[5];
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const fx = px - x0;
      const fy = py - y0;
      const [xa, xb, ya, yb] = [clampX(x0), clampX(x0 + 1), clampY(y0), clampY(y0 + 1)];
      taps.photoIndex[n] = ((box.y + y) * photoWidth + box.x + x) * 3;
      taps.corners.set([ya * cw + xa, ya * cw + xb, yb * cw + xa, yb * cw + xb], n * 4);
      taps.weights.set([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy], n * 4);
      taps.alpha[n] = a;
      n++;
    }
  }
  return taps;
}

/** False for a plan that covers no photo pixel; throws for a crop of another size than planned. */
function pastesSomething(crop: { width: number; height: number }, plan: PastePlan): boolean {
  if (!plan.box.width || !plan.box.height) return false;
  if (crop.width !== plan.cropWidth || crop.height !== plan.cropHeight) throw new Error('the crop is not the size the paste was planned for');
  return true;
}

/**
 * Writes `crop` into `photo` in place through the plan's mask at `strength` (0 keeps the photo, 1 takes the crop).
 * Only the masked pixels are touched, each sampled bilinearly from the crop through taps built once a plan, so a
 * clip's frames cost a gather and a blend, not a warp of the whole box.
 */
export function pasteWithPlan(photo: RgbImage, crop: RgbImage, plan: PastePlan, strength = 1): void {
  if (!pastesSomething(crop, plan)) return;
  // A crop pasted at half its size or less is averaged first (warpAffine's area step), or its detail would alias.
  if (affineScale(plan.local) <= 0.5)
    return blendPatch(photo, warpAffine(rgbRaster(crop), plan.local, plan.box.width, plan.box.height), plan, strength);
  const taps = (plan.taps ??= pasteTaps(plan, photo.width));
  const { photoIndex, corners, weights, alpha } = taps;
  const k = Math.min(1, Math.max(0, strength));
  const source = crop.data;
  const target = photo.data;
  // Every value here is ≥ 0, so (v + 0.5) | 0 rounds as Math.round does; where the mask is 1 (most of a face) the
  // sample is the pixel. Channels unrolled: a third of the time of the loop over them, the same pixels. The planar
  // paste below writes its samples the same way (one store function for both cost 9 % more here).
  for (let n = 0; n < photoIndex.length; n++) {
    const a = alpha[n]! * k;
    if (a <= 0) continue;
    const p = photoIndex[n]!;
    const t = n * 4;
    const c00 = corners[t]! * 3;
    const c10 = corners[t + 1]! * 3;
    const c01 = corners[t + 2]! * 3;
    const c11 = corners[t + 3]! * 3;
    const w00 = weights[t]!;
    const w10 = weights[t + 1]!;
    const w01 = weights[t + 2]!;
    const w11 = weights[t + 3]!;
    const r = (w00 * source[c00]! + w10 * source[c10]! + w01 * source[c01]! + w11 * source[c11]! + 0.5) | 0;
    const g = (w00 * source[c00 + 1]! + w10 * source[c10 + 1]! + w01 * source[c01 + 1]! + w11 * source[c11 + 1]! + 0.5) | 0;
    const b = (w00 * source[c00 + 2]! + w10 * source[c10 + 2]! + w01 * source[c01 + 2]! + w11 * source[c11 + 2]! + 0.5) | 0;
    if (a >= 1) {
      target[p] = r;
      target[p + 1] = g;
      target[p + 2] = b;
    } else {
      const keep = 1 - a;
      target[p] = (target[p]! * keep + r * a + 0.5) | 0;
      target[p + 1] = (target[p + 1]! * keep + g * a + 0.5) | 0;
      target[p + 2] = (target[p + 2]! * keep + b * a + 0.5) | 0;
    }
  }
}

/**
 * pasteWithPlan for a crop still in float planes (UNIT_RGB: a generator's output), sampled where it lies: no byte
 * image of the crop is made first (2 ms of a 512² frame's 9, bench/animate). Within 1 level of converting the
 * crop to bytes and pasting those where the values lie in 0–1 (the mix here is of the unrounded values); where a
 * model overshoots, the mix is clamped after it, not each sample before.
 */
export function pastePlanesWithPlan(photo: RgbImage, crop: RgbPlanes, plan: PastePlan, strength = 1): void {
  if (!pastesSomething(crop, plan)) return;
  // The averaged path of a downscaled paste works on bytes.
  if (affineScale(plan.local) <= 0.5) return pasteWithPlan(photo, planesToImage(crop, UNIT_RGB), plan, strength);
  const taps = (plan.taps ??= pasteTaps(plan, photo.width));
  const { photoIndex, corners, weights, alpha } = taps;
  const k = Math.min(1, Math.max(0, strength));
  const source = crop.data;
  const target = photo.data;
  const green = crop.width * crop.height;
  const blue = 2 * green;
  for (let n = 0; n < photoIndex.length; n++) {
    const a = alpha[n]! * k;
    if (a <= 0) continue;
    const p = photoIndex[n]!;
    const t = n * 4;
    const c00 = corners[t]!;
    const c10 = corners[t + 1]!;
    const c01 = corners[t + 2]!;
    const c11 = corners[t + 3]!;
    // The weights carry the 0–1 → 0–255 scale.
    const w00 = weights[t]! * 255;
    const w10 = weights[t + 1]! * 255;
    const w01 = weights[t + 2]! * 255;
    const w11 = weights[t + 3]! * 255;
    let r = w00 * source[c00]! + w10 * source[c10]! + w01 * source[c01]! + w11 * source[c11]!;
    let g = w00 * source[green + c00]! + w10 * source[green + c10]! + w01 * source[green + c01]! + w11 * source[green + c11]!;
    let b = w00 * source[blue + c00]! + w10 * source[blue + c10]! + w01 * source[blue + c01]! + w11 * source[blue + c11]!;
    r = r < 0 ? 0 : r > 255 ? 255 : r;
    g = g < 0 ? 0 : g > 255 ? 255 : g;
    b = b < 0 ? 0 : b > 255 ? 255 : b;
    if (a >= 1) {
      target[p] = (r + 0.5) | 0;
      target[p + 1] = (g + 0.5) | 0;
      target[p + 2] = (b + 0.5) | 0;
    } else {
      const keep = 1 - a;
      target[p] = (target[p]! * keep + r * a + 0.5) | 0;
      target[p + 1] = (target[p + 1]! * keep + g * a + 0.5) | 0;
      target[p + 2] = (target[p + 2]! * keep + b * a + 0.5) | 0;
    }
  }
}

function blendPatch(photo: RgbImage, patch: Raster<Uint8Array>, plan: PastePlan, strength: number): void {
  const { box, alpha } = plan;
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
  // Once only: one warp of the box costs less than building the taps a clip reuses.
  if (plan.box.width && plan.box.height) blendPatch(photo, warpAffine(rgbRaster(crop), plan.local, plan.box.width, plan.box.height), plan, strength);
  return plan.box;
}
