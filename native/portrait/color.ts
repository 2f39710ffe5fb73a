import type { RgbImage } from '../inference/image-tensor';

/**
 * sRGB ↔ CIE L*a*b* (D65), as OpenCV converts float images (L 0–100, a and b about ±128): the space DDColor
 * predicts its ab channels in, and where colorizing swaps the colour while keeping every pixel's lightness.
 */

const WHITE = [0.950456, 1, 1.088754] as const;
const toLinear = (v: number) => (v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
const toGamma = (v: number) => (v <= 0.0031308 ? 12.92 * v : 1.055 * v ** (1 / 2.4) - 0.055);
const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
const fInverse = (t: number) => (t > 0.206893 ? t * t * t : (t - 16 / 116) / 7.787);

/** One pixel, r g b in [0, 1] → [L, a, b]. */
export function rgbToLabPixel(r: number, g: number, b: number): [number, number, number] {
  const R = toLinear(r);
  const G = toLinear(g);
  const B = toLinear(b);
  const x = (0.412453 * R + 0.35758 * G + 0.180423 * B) / WHITE[0];
  const y = 0.212671 * R + 0.71516 * G + 0.072169 * B;
  const z = (0.019334 * R + 0.119193 * G + 0.950227 * B) / WHITE[2];
  const L = y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
  return [L, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** [L, a, b] → r g b in [0, 1] (clamped). */
export function labToRgbPixel(L: number, a: number, b: number): [number, number, number] {
  const fy = (L + 16) / 116;
  const y = L > 8 ? fy * fy * fy : L / 903.3;
  const fyExact = L > 8 ? fy : 7.787 * y + 16 / 116;
  const x = fInverse(fyExact + a / 500) * WHITE[0];
  const z = fInverse(fyExact - b / 200) * WHITE[2];
  const R = 3.240479 * x - 1.53715 * y - 0.498535 * z;
  const G = -0.969256 * x + 1.875991 * y + 0.041556 * z;
  const B = 0.055648 * x - 0.204043 * y + 1.057311 * z;
  const clamp = (v: number) => Math.min(1, Math.max(0, toGamma(Math.min(1, Math.max(0, v)))));
  return [clamp(R), clamp(G), clamp(B)];
}

export interface LabPlanes {
  width: number;
  height: number;
  L: Float32Array;
  a: Float32Array;
  b: Float32Array;
}

/** sRGB byte → linear light. */
const LINEAR = Float64Array.from({ length: 256 }, (_, v) => toLinear(v / 255));
/** Linear light → sRGB byte, on a fine grid (interpolated): pow(x, 1/2.4) per pixel is the slow part. */
const GAMMA_STEPS = 8192;
const GAMMA = Float64Array.from({ length: GAMMA_STEPS + 2 }, (_, i) => 255 * toGamma(Math.min(1, i / GAMMA_STEPS)));

function toByte(linear: number): number {
  if (!(linear > 0)) return 0;
  if (linear >= 1) return 255;
  const x = linear * GAMMA_STEPS;
  const i = Math.floor(x);
  return Math.round(GAMMA[i]! + (GAMMA[i + 1]! - GAMMA[i]!) * (x - i));
}

export function rgbToLab(image: RgbImage): LabPlanes {
  const n = image.width * image.height;
  const L = new Float32Array(n);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const d = image.data;
  for (let i = 0; i < n; i++) {
    const R = LINEAR[d[i * 3]!]!;
    const G = LINEAR[d[i * 3 + 1]!]!;
    const B = LINEAR[d[i * 3 + 2]!]!;
    const fx = f((0.412453 * R + 0.35758 * G + 0.180423 * B) / WHITE[0]);
    const y = 0.212671 * R + 0.71516 * G + 0.072169 * B;
    const fy = f(y);
    const fz = f((0.019334 * R + 0.119193 * G + 0.950227 * B) / WHITE[2]);
    L[i] = y > 0.008856 ? 116 * fy - 16 : 903.3 * y;
    a[i] = 500 * (fx - fy);
    b[i] = 200 * (fy - fz);
  }
  return { width: image.width, height: image.height, L, a, b };
}

export function labToRgb(lab: LabPlanes): RgbImage {
  const n = lab.width * lab.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const l = lab.L[i]!;
    let fy: number;
    let y: number;
    if (l > 8) {
      fy = (l + 16) / 116;
      y = fy * fy * fy;
    } else {
      y = l / 903.3;
      fy = 7.787 * y + 16 / 116;
    }
    const x = fInverse(fy + lab.a[i]! / 500) * WHITE[0];
    const z = fInverse(fy - lab.b[i]! / 200) * WHITE[2];
    data[i * 3] = toByte(3.240479 * x - 1.53715 * y - 0.498535 * z);
    data[i * 3 + 1] = toByte(-0.969256 * x + 1.875991 * y + 0.041556 * z);
    data[i * 3 + 2] = toByte(0.055648 * x - 0.204043 * y + 1.057311 * z);
  }
  return { data, width: lab.width, height: lab.height };
}

/** The image with its colour removed but its lightness kept (L with a = b = 0), as DDColor is fed. */
export function greyFromLightness(lab: LabPlanes): RgbImage {
  return labToRgb({ ...lab, a: new Float32Array(lab.L.length), b: new Float32Array(lab.L.length) });
}

/** Mean chroma (√(a² + b²)) of an image: near 0 for black-and-white scans, a few units for sepia. */
export function meanChroma(lab: LabPlanes): number {
  let sum = 0;
  for (let i = 0; i < lab.L.length; i++) sum += Math.hypot(lab.a[i]!, lab.b[i]!);
  return sum / Math.max(1, lab.L.length);
}
