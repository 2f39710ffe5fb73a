/**
 * 2-D affine transforms and warps for face alignment and paste-back (the cv2.estimateAffinePartial2D /
 * warpAffine / invertAffineTransform trio that face restorers and animators are built on), in plain
 * TypeScript so they run the same on every OS and in every worker.
 *
 * Coordinates follow OpenCV: pixel (x, y) has its centre at integer (x, y).
 */

/** [a, b, tx, c, d, ty]: (x, y) → (a·x + b·y + tx, c·x + d·y + ty). */
export type Affine = readonly [number, number, number, number, number, number];

export interface Point2 {
  x: number;
  y: number;
}

/** Pixels of any channel count, interleaved (RGB bytes, a float mask…). */
export interface Raster<T extends Uint8Array | Float32Array = Uint8Array | Float32Array> {
  data: T;
  width: number;
  height: number;
  channels: number;
}

export const identity: Affine = [1, 0, 0, 0, 1, 0];

export function applyAffine(m: Affine, p: Point2): Point2 {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

/** `second ∘ first`: apply `first`, then `second`. */
export function composeAffine(second: Affine, first: Affine): Affine {
  const [a, b, c, d, e, f] = second;
  const [g, h, i, j, k, l] = first;
  return [a * g + b * j, a * h + b * k, a * i + b * l + c, d * g + e * j, d * h + e * k, d * i + e * l + f];
}

export function invertAffine(m: Affine): Affine {
  const [a, b, tx, c, d, ty] = m;
  const det = a * d - b * c;
  if (Math.abs(det) < 1e-12) throw new Error('the transform cannot be inverted (it collapses the plane)');
  const ia = d / det;
  const ib = -b / det;
  const ic = -c / det;
  const id = a / det;
  return [ia, ib, -(ia * tx + ib * ty), ic, id, -(ic * tx + id * ty)];
}

/** The uniform scale of a similarity (or the geometric mean scale of any affine). */
export function affineScale(m: Affine): number {
  return Math.sqrt(Math.abs(m[0] * m[4] - m[1] * m[3]));
}

/**
 * The similarity (rotation, uniform scale, translation; no shear or mirroring) that maps `from` onto `to`
 * with the least squared error — what cv2.estimateAffinePartial2D finds without outliers, and what the
 * FFHQ alignment of GFPGAN, CodeFormer and LivePortrait uses with five landmarks.
 */
export function estimateSimilarity(from: readonly Point2[], to: readonly Point2[]): Affine {
  if (from.length !== to.length || from.length < 2) throw new Error('a similarity needs at least two matching points');
  const n = from.length;
  const mean = (ps: readonly Point2[]) => ({ x: ps.reduce((s, p) => s + p.x, 0) / n, y: ps.reduce((s, p) => s + p.y, 0) / n });
  const ms = mean(from);
  const md = mean(to);
  let norm = 0;
  let dot = 0;
  let cross = 0;
  for (let i = 0; i < n; i++) {
    const sx = from[i]!.x - ms.x;
    const sy = from[i]!.y - ms.y;
    const dx = to[i]!.x - md.x;
    const dy = to[i]!.y - md.y;
    norm += sx * sx + sy * sy;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
  }
  if (norm < 1e-12) throw new Error('the points coincide: no transform fits them');
  const a = dot / norm;
  const b = cross / norm;
  return [a, -b, md.x - (a * ms.x - b * ms.y), b, a, md.y - (b * ms.x + a * ms.y)];
}

export type Border = { mode: 'replicate' } | { mode: 'reflect' } | { mode: 'constant'; value: number | readonly number[] };

function reflectIndex(i: number, size: number): number {
  if (size === 1) return 0;
  const period = 2 * (size - 1);
  let r = ((i % period) + period) % period;
  if (r >= size) r = period - r;
  return r;
}

/**
 * Warps `source` by `m` (source → destination pixels) into a width × height raster, sampling bilinearly.
 * A transform that shrinks by more than 2× averages several samples per pixel (like INTER_AREA) so a large
 * scan does not alias into a small crop.
 */
export function warpAffine<T extends Uint8Array | Float32Array>(
  source: Raster<T>,
  m: Affine,
  width: number,
  height: number,
  options: { border?: Border; supersample?: number } = {},
): Raster<T> {
  const { data, width: sw, height: sh, channels } = source;
  const border = options.border ?? { mode: 'replicate' };
  const inv = invertAffine(m);
  const shrink = 1 / Math.max(1e-9, affineScale(m));
  const k = Math.max(1, Math.min(4, options.supersample ?? Math.floor(shrink)));
  const isBytes = data instanceof Uint8Array;
  const out = (isBytes ? new Uint8Array(width * height * channels) : new Float32Array(width * height * channels)) as T;
  const constant = border.mode === 'constant' ? border.value : 0;
  const fill = Array.from({ length: channels }, (_, c) => (typeof constant === 'number' ? constant : (constant[c] ?? 0)));
  const acc = new Float64Array(channels);
  const sample = (x: number, y: number, weight: number) => {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < 2; i++) {
        const w = (i ? fx : 1 - fx) * (j ? fy : 1 - fy) * weight;
        if (w === 0) continue;
        let px = x0 + i;
        let py = y0 + j;
        if (px < 0 || py < 0 || px >= sw || py >= sh) {
          if (border.mode === 'constant') {
            for (let c = 0; c < channels; c++) acc[c]! += w * fill[c]!;
            continue;
          }
          if (border.mode === 'replicate') {
            px = Math.min(sw - 1, Math.max(0, px));
            py = Math.min(sh - 1, Math.max(0, py));
          } else {
            px = reflectIndex(px, sw);
            py = reflectIndex(py, sh);
          }
        }
        const base = (py * sw + px) * channels;
        for (let c = 0; c < channels; c++) acc[c]! += w * data[base + c]!;
      }
    }
  };
  const weight = 1 / (k * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      acc.fill(0);
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const dx = x + (sx + 0.5) / k - 0.5;
          const dy = y + (sy + 0.5) / k - 0.5;
          sample(inv[0] * dx + inv[1] * dy + inv[2], inv[3] * dx + inv[4] * dy + inv[5], weight);
        }
      }
      const base = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        const v = acc[c]!;
        out[base + c] = isBytes ? Math.min(255, Math.max(0, Math.round(v))) : v;
      }
    }
  }
  return { data: out, width, height, channels };
}

/** The axis-aligned box (integer pixels, clipped to width × height) that a w × h raster covers after `m`. */
export function transformedBounds(
  m: Affine,
  w: number,
  h: number,
  clip: { width: number; height: number },
): { x: number; y: number; width: number; height: number } {
  const corners = [
    { x: 0, y: 0 },
    { x: w, y: 0 },
    { x: w, y: h },
    { x: 0, y: h },
  ].map((p) => applyAffine(m, p));
  const x0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.x))));
  const y0 = Math.max(0, Math.floor(Math.min(...corners.map((p) => p.y))));
  const x1 = Math.min(clip.width, Math.ceil(Math.max(...corners.map((p) => p.x))));
  const y1 = Math.min(clip.height, Math.ceil(Math.max(...corners.map((p) => p.y))));
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}
