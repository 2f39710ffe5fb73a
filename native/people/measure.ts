import type { FaceLandmarks } from '../inference/yunet';
import { thresholds } from './thresholds';

/** Pure pixel measures on decoded images (8-bit interleaved RGB or float luma planes). */

export interface Gray {
  data: Float32Array;
  width: number;
  height: number;
}

export interface Exposure {
  brightness: number;
  contrast: number;
  highlights: number;
  shadows: number;
}

export type ToneKind = 'colour' | 'black-and-white' | 'sepia' | 'toned';

/** Rec. 601 luma of interleaved pixels with `channels` channels (1 = already grey). */
export function lumaOf(data: Uint8Array, width: number, height: number, channels: number): Gray {
  const out = new Float32Array(width * height);
  if (channels === 1) {
    for (let i = 0; i < out.length; i++) out[i] = data[i]!;
  } else {
    for (let i = 0; i < out.length; i++) {
      const p = i * channels;
      out[i] = 0.299 * data[p]! + 0.587 * data[p + 1]! + 0.114 * data[p + 2]!;
    }
  }
  return { data: out, width, height };
}

function meanAndStd(values: Float32Array): { mean: number; std: number } {
  let sum = 0;
  let squares = 0;
  for (const v of values) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / Math.max(1, values.length);
  return { mean, std: Math.sqrt(Math.max(0, squares / Math.max(1, values.length) - mean * mean)) };
}

export function exposureOf(gray: Gray): Exposure {
  const { mean, std } = meanAndStd(gray.data);
  let high = 0;
  let low = 0;
  for (const v of gray.data) {
    if (v >= thresholds.exposure.highlightLuma) high++;
    else if (v <= thresholds.exposure.shadowLuma) low++;
  }
  const n = Math.max(1, gray.data.length);
  return { brightness: mean, contrast: std / 255, highlights: high / n, shadows: low / n };
}

/** 3×3 binomial smoothing, edges clamped: takes the pixel-level noise out before the Laplacian. */
function smooth(gray: Gray): Float32Array {
  const { data, width: w, height: h } = gray;
  const tmp = new Float32Array(data.length);
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const l = data[y * w + Math.max(0, x - 1)]!;
      const r = data[y * w + Math.min(w - 1, x + 1)]!;
      tmp[y * w + x] = (l + 2 * data[y * w + x]! + r) / 4;
    }
  }
  for (let y = 0; y < h; y++) {
    const up = Math.max(0, y - 1) * w;
    const down = Math.min(h - 1, y + 1) * w;
    for (let x = 0; x < w; x++) out[y * w + x] = (tmp[up + x]! + 2 * tmp[y * w + x]! + tmp[down + x]!) / 4;
  }
  return out;
}

/**
 * Sharpness of a face region: standard deviation of the Laplacian of the lightly smoothed luma (a
 * Laplacian of Gaussian: noise and film grain do not read as detail), divided by the luma's own standard
 * deviation so that a dim or faded photo is not mistaken for a blurred one. Measure faces at a fixed
 * maximum height (thresholds.sharpness.measureHeightPx) so values compare across photo sizes.
 */
export function sharpnessOf(gray: Gray): number {
  const { width: w, height: h } = gray;
  if (w < 3 || h < 3) return 0;
  const s = smooth(gray);
  let sum = 0;
  let squares = 0;
  let n = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = s[i - 1]! + s[i + 1]! + s[i - w]! + s[i + w]! - 4 * s[i]!;
      sum += lap;
      squares += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  const lapStd = Math.sqrt(Math.max(0, squares / n - mean * mean));
  const { std } = meanAndStd(gray.data);
  return std < 1 ? 0 : lapStd / std;
}

/**
 * Black and white, sepia or colour. In a monochrome print (neutral or toned) the colour of a pixel follows
 * from its brightness alone; in a colour photo pixels of the same brightness differ in colour, even when
 * faded or dark. So: group pixels by luma (16 bins) and measure the chroma (YCbCr) spread inside the groups.
 * Almost none is monochrome; then the mean cast tells neutral grey from a warm sepia or another tone.
 */
export function toneOf(data: Uint8Array, pixels: number, channels: number): { kind: ToneKind; chroma: number; tint: number } {
  if (channels < 3) return { kind: 'black-and-white', chroma: 0, tint: 0 };
  const bins = 16;
  const count = new Float64Array(bins);
  const sumCb = new Float64Array(bins);
  const sumCr = new Float64Array(bins);
  const squares = new Float64Array(bins);
  for (let i = 0; i < pixels; i++) {
    const p = i * channels;
    const r = data[p]!;
    const g = data[p + 1]!;
    const b = data[p + 2]!;
    const luma = 0.299 * r + 0.587 * g + 0.114 * b;
    const cb = -0.168736 * r - 0.331264 * g + 0.5 * b;
    const cr = 0.5 * r - 0.418688 * g - 0.081312 * b;
    const k = Math.min(bins - 1, Math.floor((luma / 256) * bins));
    count[k]!++;
    sumCb[k]! += cb;
    sumCr[k]! += cr;
    squares[k]! += cb * cb + cr * cr;
  }
  let within = 0;
  let totalCb = 0;
  let totalCr = 0;
  for (let k = 0; k < bins; k++) {
    if (!count[k]) continue;
    const meanCb = sumCb[k]! / count[k]!;
    const meanCr = sumCr[k]! / count[k]!;
    within += squares[k]! - count[k]! * (meanCb * meanCb + meanCr * meanCr);
    totalCb += sumCb[k]!;
    totalCr += sumCr[k]!;
  }
  const n = Math.max(1, pixels);
  const chroma = Math.sqrt(Math.max(0, within / n));
  const meanCb = totalCb / n;
  const meanCr = totalCr / n;
  const tint = Math.hypot(meanCb, meanCr);
  let kind: ToneKind = 'colour';
  if (chroma < thresholds.tone.monochromeSpread) {
    if (tint < thresholds.tone.neutralTint) kind = 'black-and-white';
    else kind = meanCr > 0 && meanCb < 0 ? 'sepia' : 'toned';
  }
  return { kind, chroma, tint };
}

const HASH_INPUT = 32;
const HASH_SIZE = 8;
const cosines = Array.from({ length: HASH_SIZE }, (_, u) =>
  Float64Array.from({ length: HASH_INPUT }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * HASH_INPUT))),
);

/**
 * 64-bit perceptual hash (pHash): the 8×8 lowest frequencies of the DCT of the 32×32 luma, one bit per
 * coefficient above the median of the AC terms. Resizing, recompression and small edits change few bits.
 */
export function perceptualHash(gray: Gray): string {
  if (gray.width !== HASH_INPUT || gray.height !== HASH_INPUT) throw new Error(`perceptualHash needs ${HASH_INPUT}×${HASH_INPUT} luma`);
  const coefficients: number[] = [];
  for (let v = 0; v < HASH_SIZE; v++) {
    for (let u = 0; u < HASH_SIZE; u++) {
      let sum = 0;
      for (let y = 0; y < HASH_INPUT; y++) {
        const cy = cosines[v]![y]!;
        const row = y * HASH_INPUT;
        for (let x = 0; x < HASH_INPUT; x++) sum += gray.data[row + x]! * cosines[u]![x]! * cy;
      }
      coefficients.push(sum);
    }
  }
  const ac = coefficients.slice(1).sort((a, b) => a - b);
  const median = (ac[31]! + ac[32]!) / 2;
  let hex = '';
  for (let nibble = 0; nibble < 16; nibble++) {
    let value = 0;
    for (let bit = 0; bit < 4; bit++) value = (value << 1) | (coefficients[nibble * 4 + bit]! > median ? 1 : 0);
    hex += value.toString(16);
  }
  return hex;
}

export function hammingDistance(a: string, b: string): number {
  let distance = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    let x = parseInt(a[i]!, 16) ^ parseInt(b[i]!, 16);
    while (x) {
      distance += x & 1;
      x >>= 1;
    }
  }
  return distance + 4 * Math.abs(a.length - b.length);
}

/**
 * Head pose from the five landmarks. Roll: the angle of the eye line (positive when the person's left eye,
 * on the picture's right, is lower: a clockwise tilt). Yaw: after levelling the eyes, how far the nose tip
 * sits off the eyes' midpoint in half eye-distances; with the nose tip in front of the eyes by about
 * `noseDepthRatio` half eye-distances, that offset is ratio × tan(yaw).
 */
export function headPose(landmarks: FaceLandmarks): { roll: number; yaw: number } {
  const { rightEye, leftEye, nose } = landmarks;
  const dx = leftEye.x - rightEye.x;
  const dy = leftEye.y - rightEye.y;
  const roll = (Math.atan2(dy, dx) * 180) / Math.PI;
  const halfEyes = Math.hypot(dx, dy) / 2;
  if (halfEyes < 1e-6) return { roll, yaw: 90 };
  const midX = (leftEye.x + rightEye.x) / 2;
  const midY = (leftEye.y + rightEye.y) / 2;
  // The nose's offset along the eye line (levelled frame).
  const along = ((nose.x - midX) * dx + (nose.y - midY) * dy) / (2 * halfEyes);
  const yaw = (Math.atan(along / halfEyes / thresholds.pose.noseDepthRatio) * 180) / Math.PI;
  return { roll, yaw };
}
