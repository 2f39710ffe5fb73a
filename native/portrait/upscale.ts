import { StudioError } from '../api/errors';
import { MAX_UPSCALED_PIXELS } from '../api/namespaces/portrait';
import { imageToTensor, type RgbImage } from '../inference/image-tensor';
import { type Tensor, valueName, type OpenedSession } from '../inference/session';

/**
 * Real-ESRGAN upscaling (×2 or ×4; RGB in [0, 1], any size) in overlapping tiles, so a large scan never needs the
 * memory of one huge tensor: each tile is cross-faded into its neighbours over the overlap, away from the few
 * pixels at a tile's edge where the network sees less context.
 */
export const upscalerSpecs: Record<string, { scale: 2 | 4 }> = {
  'real-esrgan-x2': { scale: 2 },
  'real-esrgan-x4': { scale: 4 },
};

/** Why a photo of this size cannot be upscaled by `scale`, or null when it can. */
export function upscaleRefusal(width: number, height: number, scale: 2 | 4): StudioError | null {
  const pixels = width * scale * height * scale;
  if (pixels <= MAX_UPSCALED_PIXELS) return null;
  return new StudioError(
    'INVALID_INPUT',
    `Upscaling ${width}×${height} ×${scale} would make ${Math.round(pixels / 1e6)} megapixels, more than ${MAX_UPSCALED_PIXELS / 1e6}.`,
    scale === 4 && width * height * 4 <= MAX_UPSCALED_PIXELS
      ? 'Upscale ×2 instead, or skip upscaling: the scan is already large.'
      : 'Skip upscaling: the scan is already large.',
  );
}

export interface UpscaleOptions {
  /** Input pixels per tile side. */
  tile?: number;
  /** Input pixels two neighbouring tiles share. */
  overlap?: number;
  signal?: AbortSignal;
  onTile?: (done: number, total: number) => void;
}

function tileStarts(size: number, tile: number, overlap: number): number[] {
  if (size <= tile) return [0];
  const starts: number[] = [];
  for (let at = 0; ; at += tile - overlap) {
    if (at + tile >= size) {
      starts.push(size - tile);
      break;
    }
    starts.push(at);
  }
  return starts;
}

/**
 * The w × h region at (x, y), padded to side × side by repeating its last row and column: the model always sees
 * a full tile, as FaceFusion feeds Real-ESRGAN (frame_enhancer: 256 px tiles, padded), so a photo under a tile —
 * or with an odd side, which the ×2 model's pixel-unshuffle cannot take — still works.
 */
function extractPadded(photo: RgbImage, x: number, y: number, w: number, h: number, side: number): RgbImage {
  const data = new Uint8Array(side * side * 3);
  for (let row = 0; row < side; row++) {
    const from = ((y + Math.min(row, h - 1)) * photo.width + x) * 3;
    data.set(photo.data.subarray(from, from + w * 3), row * side * 3);
    const last = data.subarray(row * side * 3 + (w - 1) * 3, row * side * 3 + w * 3);
    for (let column = w; column < side; column++) data.set(last, (row * side + column) * 3);
  }
  return { data, width: side, height: side };
}

/** The tile side: the model's own when its input size is fixed, else the option (256 px, FaceFusion's). */
function tileSide(session: OpenedSession, input: string, wanted: number | undefined): number {
  const [, , h, w] = session.inputs[input]?.shape ?? [];
  if (typeof h === 'number' && typeof w === 'number') {
    if (h !== w) throw new StudioError('MODEL_ERROR', `${session.model} takes ${w}×${h} tiles; Likeness upscales in square tiles.`);
    return h;
  }
  return wanted ?? 256;
}

/** Weight of a tile's pixel at `offset` into an overlap of `length` output pixels (0 at the outer edge, 1 inside). */
function ramp(offset: number, length: number): number {
  const margin = Math.min(4, length / 4);
  const t = (offset - margin) / Math.max(1, length - 2 * margin);
  return t <= 0 ? 0 : t >= 1 ? 1 : t * t * (3 - 2 * t);
}

export async function upscale(session: OpenedSession, photo: RgbImage, scale: 2 | 4, options: UpscaleOptions = {}): Promise<RgbImage> {
  const width = photo.width * scale;
  const height = photo.height * scale;
  const refusal = upscaleRefusal(photo.width, photo.height, scale);
  if (refusal) throw refusal;
  const input = valueName(session, 'inputs', 'input');
  const output = valueName(session, 'outputs', '0');
  const tile = tileSide(session, input, options.tile);
  const overlap = Math.min(options.overlap ?? 24, Math.floor(tile / 2));
  const xs = tileStarts(photo.width, tile, overlap);
  const ys = tileStarts(photo.height, tile, overlap);
  const out = new Uint8Array(width * height * 3);
  let done = 0;
  for (const [row, y0] of ys.entries()) {
    for (const [column, x0] of xs.entries()) {
      options.signal?.throwIfAborted();
      const w = Math.min(tile, photo.width);
      const h = Math.min(tile, photo.height);
      const tensor = imageToTensor(extractPadded(photo, x0, y0, w, h, tile), { order: 'rgb', range: [0, 1] });
      const result = (await session.run({ [input]: tensor }))[output] as Tensor;
      const [, channels, rh, rw] = result.dims as number[];
      if (channels !== 3 || rh !== tile * scale || rw !== tile * scale) {
        throw new StudioError(
          'MODEL_ERROR',
          `The upscaler returned [${result.dims.join(', ')}] for a ${tile}×${tile} tile; ×${scale} needs [1, 3, ${tile * scale}, ${tile * scale}].`,
          'This is not a ×' + scale + ' model: pick the matching Real-ESRGAN file.',
        );
      }
      const data = result.data as Float32Array;
      // The padded tile's output; only its first ow × oh (the photo's part) is used.
      const [oh, ow] = [h * scale, w * scale];
      const plane = rw * rh;
      // Overlaps with tiles already written: to the left (previous column) and above (previous row).
      const left = column > 0 ? (xs[column - 1]! + w - x0) * scale : 0;
      const top = row > 0 ? (ys[row - 1]! + h - y0) * scale : 0;
      for (let ty = 0; ty < oh; ty++) {
        const wy = ty < top ? ramp(ty, top) : 1;
        const rowStart = ((y0 * scale + ty) * width + x0 * scale) * 3;
        for (let tx = 0; tx < ow; tx++) {
          const weight = wy * (tx < left ? ramp(tx, left) : 1);
          if (weight <= 0) continue;
          const o = rowStart + tx * 3;
          for (let c = 0; c < 3; c++) {
            const v = Math.min(255, Math.max(0, data[c * plane + ty * rw + tx]! * 255));
            out[o + c] = Math.round(weight >= 1 ? v : out[o + c]! * (1 - weight) + v * weight);
          }
        }
      }
      options.onTile?.(++done, xs.length * ys.length);
    }
  }
  return { data: out, width, height };
}
