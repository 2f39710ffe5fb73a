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
 * The raster averaged over k × k blocks (the edge blocks over what they hold); with `region`, only that
 * rectangle of it, read in place (a copy of a 1500-px face region cost as much as averaging it).
 */
export function boxShrink<T extends Uint8Array | Float32Array>(
  source: Raster<T>,
  k: number,
  region: { x: number; y: number; width: number; height: number } = { x: 0, y: 0, width: source.width, height: source.height },
): Raster<T> {
  const { data, width: stride, channels } = source;
  const { x: rx, y: ry, width: sw, height: sh } = region;
  const width = Math.ceil(sw / k);
  const height = Math.ceil(sh / k);
  if (channels === 3 && data instanceof Uint8Array) {
    // 8-bit RGB, the common raster: one row of block sums at a time (whole numbers, so each mean is the one the
    // general path below divides out), with no raster-sized sums or counts to allocate and zero.
    const out = new Uint8Array(width * height * 3);
    const rowSums = new Uint32Array(width * 3);
    for (let by = 0; by < height; by++) {
      rowSums.fill(0);
      const y0 = by * k;
      const y1 = Math.min(sh, y0 + k);
      for (let y = y0; y < y1; y++) {
        let from = ((ry + y) * stride + rx) * 3;
        // Whole blocks of 2 (the common shrink of a face to a chip or a crop) summed without the inner loop.
        const whole = k === 2 ? Math.floor(sw / 2) : 0;
        for (let bx = 0, cell = 0; bx < whole; bx++, cell += 3, from += 6) {
          rowSums[cell]! += data[from]! + data[from + 3]!;
          rowSums[cell + 1]! += data[from + 1]! + data[from + 4]!;
          rowSums[cell + 2]! += data[from + 2]! + data[from + 5]!;
        }
        for (let bx = whole, cell = whole * 3; bx < width; bx++, cell += 3) {
          const x1 = Math.min(sw, (bx + 1) * k);
          let r = 0;
          let g = 0;
          let b = 0;
          for (let x = bx * k; x < x1; x++, from += 3) {
            r += data[from]!;
            g += data[from + 1]!;
            b += data[from + 2]!;
          }
          rowSums[cell]! += r;
          rowSums[cell + 1]! += g;
          rowSums[cell + 2]! += b;
        }
      }
      const rows = y1 - y0;
      for (let bx = 0, cell = 0, o = by * width * 3; bx < width; bx++, cell += 3, o += 3) {
        const n = (Math.min(sw, (bx + 1) * k) - bx * k) * rows;
        out[o] = (rowSums[cell]! / n + 0.5) | 0;
        out[o + 1] = (rowSums[cell + 1]! / n + 0.5) | 0;
        out[o + 2] = (rowSums[cell + 2]! / n + 0.5) | 0;
      }
    }
    return { data: out as T, width, height, channels };
  }
  const sums = new Float64Array(width * height * channels);
  const counts = new Float64Array(width * height);
  for (let y = 0; y < sh; y++) {
    const row = Math.floor(y / k) * width;
    const line = (ry + y) * stride + rx;
    for (let bx = 0; bx < width; bx++) {
      const cell = row + bx;
      const x1 = Math.min(sw, (bx + 1) * k);
      for (let x = bx * k; x < x1; x++) {
        const from = (line + x) * channels;
        for (let c = 0; c < channels; c++) sums[cell * channels + c]! += data[from + c]!;
      }
      counts[cell]! += x1 - bx * k;
    }
  }
  const isBytes = data instanceof Uint8Array;
  const out = (isBytes ? new Uint8Array(sums.length) : new Float32Array(sums.length)) as T;
  for (let cell = 0; cell < counts.length; cell++) {
    const n = counts[cell]!;
    for (let c = 0; c < channels; c++) {
      const v = sums[cell * channels + c]! / n;
      out[cell * channels + c] = isBytes ? (v + 0.5) | 0 : v;
    }
  }
  return { data: out, width, height, channels };
}

/**
 * `bounds` widened by two blocks (the bilinear taps around the edge) and out to the block grid of the whole
 * raster; the whole raster when the bounds miss it (its border rule then decides every pixel).
 */
function blockAlignedRegion(
  bounds: { x: number; y: number; width: number; height: number },
  block: number,
  raster: { width: number; height: number },
): { x: number; y: number; width: number; height: number } {
  if (bounds.width <= 0 || bounds.height <= 0) return { x: 0, y: 0, width: raster.width, height: raster.height };
  const start = (at: number) => Math.max(0, Math.floor(at / block - 2) * block);
  const end = (at: number, limit: number) => Math.min(limit, Math.ceil(at / block + 2) * block);
  const x = start(bounds.x);
  const y = start(bounds.y);
  return { x, y, width: end(bounds.x + bounds.width, raster.width) - x, height: end(bounds.y + bounds.height, raster.height) - y };
}

/**
 * Warps `source` by `m` (source → destination pixels) into a width × height raster, sampling bilinearly.
 * A transform that shrinks by 2× or more first averages the source over blocks (like INTER_AREA), so a large
 * scan does not alias into a small crop, nor a rendered face into a small video.
 */
export function warpAffine<T extends Uint8Array | Float32Array>(
  source: Raster<T>,
  m: Affine,
  width: number,
  height: number,
  options: { border?: Border; supersample?: number } = {},
): Raster<T> {
  const shrink = 1 / Math.max(1e-9, affineScale(m));
  const block = Math.min(8, Math.floor(shrink));
  if (block >= 2 && options.supersample === undefined) {
    // Only the blocks the warp reads are averaged (a 150-px face from a 4 MP photo averaged all 4 MP before),
    // on the same block grid, so the result is the same. Pixel (x, y) of the shrunk raster covers source
    // pixels [kx, kx + k) of the region: its centre is at region + k·x + (k − 1) / 2.
    const region = blockAlignedRegion(transformedBounds(invertAffine(m), width, height, source), block, source);
    const scale: Affine = [block, 0, region.x + (block - 1) / 2, 0, block, region.y + (block - 1) / 2];
    return warpAffine(boxShrink(source, block, region), composeAffine(m, scale), width, height, { ...options, supersample: 1 });
  }
  const { data, width: sw, height: sh, channels } = source;
  const border = options.border ?? { mode: 'replicate' };
  const inv = invertAffine(m);
  const k = Math.max(1, Math.min(4, options.supersample ?? 1));
  const isBytes = data instanceof Uint8Array;
  const out = (isBytes ? new Uint8Array(width * height * channels) : new Float32Array(width * height * channels)) as T;
  const mode = border.mode;
  const constant = border.mode === 'constant' ? border.value : 0;
  const fill = Array.from({ length: channels }, (_, c) => (typeof constant === 'number' ? constant : (constant[c] ?? 0)));
  // A tap's column or row under the border rule; −1 for a constant border's outside.
  const edgeIndex = (i: number, size: number) =>
    i >= 0 && i < size ? i : mode === 'replicate' ? (i < 0 ? 0 : size - 1) : mode === 'reflect' ? reflectIndex(i, size) : -1;
  const rgbBytes = isBytes && channels === 3;
  // Pixels whose four taps all lie inside the source are done in the tight loop below; one whose taps run past the
  // edge comes here, with the general path's arithmetic (the point computed directly, the taps summed in the same
  // order, the same rounding) without its per-tap bookkeeping.
  const edgePixel = (x: number, y: number, p: number) => {
    const px = inv[0] * x + inv[1] * y + inv[2];
    const py = inv[3] * x + inv[4] * y + inv[5];
    const x0 = Math.floor(px);
    const y0 = Math.floor(py);
    const fx = px - x0;
    const fy = py - y0;
    const w00 = (1 - fx) * (1 - fy);
    const w10 = fx * (1 - fy);
    const w01 = (1 - fx) * fy;
    const w11 = fx * fy;
    const xa = edgeIndex(x0, sw);
    const xb = edgeIndex(x0 + 1, sw);
    const ya = edgeIndex(y0, sh);
    const yb = edgeIndex(y0 + 1, sh);
    // Each tap's first sample, or −1 where the constant fills in.
    const tap = (tx: number, ty: number) => (tx < 0 || ty < 0 ? -1 : (ty * sw + tx) * channels);
    const t00 = tap(xa, ya);
    const t10 = tap(xb, ya);
    const t01 = tap(xa, yb);
    const t11 = tap(xb, yb);
    const o = p * channels;
    for (let ch = 0; ch < channels; ch++) {
      let v = 0;
      if (w00 !== 0) v += w00 * (t00 < 0 ? fill[ch]! : data[t00 + ch]!);
      if (w10 !== 0) v += w10 * (t10 < 0 ? fill[ch]! : data[t10 + ch]!);
      if (w01 !== 0) v += w01 * (t01 < 0 ? fill[ch]! : data[t01 + ch]!);
      if (w11 !== 0) v += w11 * (t11 < 0 ? fill[ch]! : data[t11 + ch]!);
      out[o + ch] = isBytes ? (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)) : v;
    }
  };
  if (k === 1) {
    for (let y = 0; y < height; y++) {
      let px = inv[1] * y + inv[2];
      let py = inv[4] * y + inv[5];
      for (let x = 0; x < width; x++, px += inv[0], py += inv[3]) {
        const x0 = Math.floor(px);
        const y0 = Math.floor(py);
        if (x0 < 0 || y0 < 0 || x0 + 1 >= sw || y0 + 1 >= sh) {
          edgePixel(x, y, y * width + x);
          continue;
        }
        const fx = px - x0;
        const fy = py - y0;
        const w00 = (1 - fx) * (1 - fy);
        const w10 = fx * (1 - fy);
        const w01 = (1 - fx) * fy;
        const w11 = fx * fy;
        const a = (y0 * sw + x0) * channels;
        const c = a + sw * channels;
        const o = (y * width + x) * channels;
        if (rgbBytes) {
          // The common raster (8-bit RGB), unrolled: a third less time a pixel than the loop below.
          out[o] = (w00 * data[a]! + w10 * data[a + 3]! + w01 * data[c]! + w11 * data[c + 3]! + 0.5) | 0;
          out[o + 1] = (w00 * data[a + 1]! + w10 * data[a + 4]! + w01 * data[c + 1]! + w11 * data[c + 4]! + 0.5) | 0;
          out[o + 2] = (w00 * data[a + 2]! + w10 * data[a + 5]! + w01 * data[c + 2]! + w11 * data[c + 5]! + 0.5) | 0;
          continue;
        }
        for (let ch = 0; ch < channels; ch++) {
          const v = w00 * data[a + ch]! + w10 * data[a + channels + ch]! + w01 * data[c + ch]! + w11 * data[c + channels + ch]!;
          out[o + ch] = isBytes ? (v + 0.5) | 0 : v;
        }
      }
    }
  }
  const acc = new Float64Array(channels);
  const index = (i: number, size: number) => (mode === 'replicate' ? (i < 0 ? 0 : i >= size ? size - 1 : i) : reflectIndex(i, size));
  const weight = 1 / (k * k);
  const borderTap = (tx: number, ty: number, w: number) => {
    if (w === 0) return;
    if (mode === 'constant' && (tx < 0 || ty < 0 || tx >= sw || ty >= sh)) {
      for (let ch = 0; ch < channels; ch++) acc[ch]! += w * fill[ch]!;
      return;
    }
    const base = (index(ty, sh) * sw + index(tx, sw)) * channels;
    for (let ch = 0; ch < channels; ch++) acc[ch]! += w * data[base + ch]!;
  };
  // Supersampled: every pixel through the general path.
  for (let p = 0; k > 1 && p < width * height; p++) {
    const x = p % width;
    const y = (p - x) / width;
    {
      acc.fill(0);
      for (let sy = 0; sy < k; sy++) {
        for (let sx = 0; sx < k; sx++) {
          const dx = x + (sx + 0.5) / k - 0.5;
          const dy = y + (sy + 0.5) / k - 0.5;
          const px = inv[0] * dx + inv[1] * dy + inv[2];
          const py = inv[3] * dx + inv[4] * dy + inv[5];
          const x0 = Math.floor(px);
          const y0 = Math.floor(py);
          const fx = px - x0;
          const fy = py - y0;
          const w00 = (1 - fx) * (1 - fy) * weight;
          const w10 = fx * (1 - fy) * weight;
          const w01 = (1 - fx) * fy * weight;
          const w11 = fx * fy * weight;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
            // Every tap inside: the common case, without border handling.
            const a = (y0 * sw + x0) * channels;
            const b = a + channels;
            const c = a + sw * channels;
            const d = c + channels;
            for (let ch = 0; ch < channels; ch++) acc[ch]! += w00 * data[a + ch]! + w10 * data[b + ch]! + w01 * data[c + ch]! + w11 * data[d + ch]!;
            continue;
          }
          // The four taps in this order, without an array a tap (a pixel's taps allocated per pixel kept the GC busy).
          borderTap(x0, y0, w00);
          borderTap(x0 + 1, y0, w10);
          borderTap(x0, y0 + 1, w01);
          borderTap(x0 + 1, y0 + 1, w11);
        }
      }
      const base = (y * width + x) * channels;
      for (let ch = 0; ch < channels; ch++) {
        const v = acc[ch]!;
        out[base + ch] = isBytes ? (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v)) : v;
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
