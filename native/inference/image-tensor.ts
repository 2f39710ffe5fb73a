import { Tensor } from 'onnxruntime-node';

export interface PixelLayout {
  /** Channel order the model expects (YuNet and OpenCV-trained models: BGR). */
  order: 'rgb' | 'bgr';
  /** The value range one channel maps to: [0, 255] for YuNet, [-1, 1] for GFPGAN and the SD VAE, [0, 1]… */
  range: readonly [number, number];
}

/** RGB, each channel 0–1: LivePortrait's crops and frames, Wav2Lip, Real-ESRGAN. */
export const UNIT_RGB: PixelLayout = { order: 'rgb', range: [0, 1] };

/** Interleaved 8-bit RGB pixels (sharp's `.removeAlpha().raw()` output). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** RGB pixels → float32 NCHW tensor [1, 3, H, W] in the model's channel order and value range. */
export function imageToTensor(image: RgbImage, layout: PixelLayout): Tensor {
  const { data, width, height } = image;
  const plane = width * height;
  if (data.length !== plane * 3) throw new Error(`expected ${plane * 3} bytes of RGB, got ${data.length}`);
  const [lo, hi] = layout.range;
  const scale = (hi - lo) / 255;
  const out = new Float32Array(plane * 3);
  const [c0, c2] = layout.order === 'rgb' ? [0, 2] : [2, 0];
  for (let i = 0; i < plane; i++) {
    out[i] = data[i * 3 + c0]! * scale + lo;
    out[plane + i] = data[i * 3 + 1]! * scale + lo;
    out[2 * plane + i] = data[i * 3 + c2]! * scale + lo;
  }
  return new Tensor('float32', out, [1, 3, height, width]);
}

/** Three float planes of one image, channel after channel, in a model's layout (its [1, 3, H, W] output without the tensor). */
export interface RgbPlanes {
  data: Float32Array;
  width: number;
  height: number;
}

/** The planes of a float32 NCHW tensor [1, 3, H, W]. */
export function tensorPlanes(tensor: Tensor): RgbPlanes {
  const [n, c, height, width] = tensor.dims as number[];
  if (n !== 1 || c !== 3 || !height || !width) throw new Error(`expected a [1, 3, H, W] tensor, got [${tensor.dims.join(', ')}]`);
  return { data: tensor.data as Float32Array, width, height };
}

/** Float32 NCHW tensor [1, 3, H, W] → RGB pixels, clamped and rounded. */
export function tensorToImage(tensor: Tensor, layout: PixelLayout): RgbImage {
  return planesToImage(tensorPlanes(tensor), layout);
}

/** Float planes in the layout's order and range → RGB pixels, clamped and rounded. */
export function planesToImage(planes: RgbPlanes, layout: PixelLayout): RgbImage {
  const { data: src, width, height } = planes;
  const plane = width * height;
  const [lo, hi] = layout.range;
  const scale = 255 / (hi - lo);
  // A clamped view rounds and clamps as it stores (to even on an exact .5): a fifth of the time of Math.round,
  // min and max a value, per frame of a clip.
  const clamped = new Uint8ClampedArray(plane * 3);
  const [c0, c2] = layout.order === 'rgb' ? [0, 2] : [2, 0];
  for (let i = 0; i < plane; i++) {
    clamped[i * 3 + c0] = (src[i]! - lo) * scale;
    clamped[i * 3 + 1] = (src[plane + i]! - lo) * scale;
    clamped[i * 3 + c2] = (src[2 * plane + i]! - lo) * scale;
  }
  return { data: new Uint8Array(clamped.buffer), width, height };
}
