// The VAE: latents to pixels (whole or in blended tiles), pixels to latents, and the cheap latent preview.
import type { RgbImage } from '../inference/image-tensor';
import type { OpenedSession } from '../inference/session';
import type { DiffusionModel } from './loader';
import type { SeededRandom } from './rng';
import { floatTensor, floatValues } from './tensors';
import type { Timings } from './stage-timings';

/** Channels of SD's latent space (SD 1.x, 2.x and XL alike). */
export const LATENT_CHANNELS = 4;
function pixelsFrom(values: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  const data = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = (values[c * plane + i]! + 1) * 127.5;
      data[i * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
  }
  return { data, width, height };
}

async function decodeTile(vae: OpenedSession, latent: Float32Array, latentH: number, latentW: number, scale: number): Promise<Float32Array> {
  const scaled = latent.map((v) => v / scale);
  const results = await vae.run({ latent_sample: floatTensor(vae, 'latent_sample', scaled, [1, LATENT_CHANNELS, latentH, latentW]) });
  return floatValues(results.sample, 'vae_decoder sample');
}

/** Decodes one image's latents [4, h, w]; large images go in overlapping tiles blended linearly (less memory). */
export async function decodeLatents(
  model: DiffusionModel,
  latent: Float32Array,
  width: number,
  height: number,
  tiled: boolean,
  timings: Timings,
): Promise<RgbImage> {
  const started = performance.now();
  const latentH = height / 8;
  const latentW = width / 8;
  const scale = model.info.vaeScalingFactor;
  let values: Float32Array;
  if (!tiled || (latentH <= TILE && latentW <= TILE)) values = await decodeTile(model.vaeDecoder, latent, latentH, latentW, scale);
  else values = await decodeTiled(model.vaeDecoder, latent, latentH, latentW, scale);
  timings.vaeDecodeMs += performance.now() - started;
  return pixelsFrom(values, width, height);
}

const TILE = 64;
const OVERLAP = 16;

function tileStarts(size: number): number[] {
  if (size <= TILE) return [0];
  const starts: number[] = [];
  for (let s = 0; s + TILE < size; s += TILE - OVERLAP) starts.push(s);
  starts.push(size - TILE);
  return starts;
}

async function decodeTiled(vae: OpenedSession, latent: Float32Array, latentH: number, latentW: number, scale: number): Promise<Float32Array> {
  const width = latentW * 8;
  const height = latentH * 8;
  const plane = width * height;
  const sum = new Float32Array(plane * 3);
  const weights = new Float32Array(plane);
  const ramp = OVERLAP * 8;
  for (const y0 of tileStarts(latentH)) {
    for (const x0 of tileStarts(latentW)) {
      const th = Math.min(TILE, latentH);
      const tw = Math.min(TILE, latentW);
      const tile = new Float32Array(LATENT_CHANNELS * th * tw);
      for (let c = 0; c < LATENT_CHANNELS; c++)
        for (let y = 0; y < th; y++)
          tile.set(
            latent.subarray(c * latentH * latentW + (y0 + y) * latentW + x0, c * latentH * latentW + (y0 + y) * latentW + x0 + tw),
            c * th * tw + y * tw,
          );
      const pixels = await decodeTile(vae, tile, th, tw, scale);
      const ph = th * 8;
      const pw = tw * 8;
      for (let y = 0; y < ph; y++) {
        // Fade in from edges that have a neighbouring tile; image borders keep full weight.
        const wy = Math.min(1, y0 > 0 ? (y + 0.5) / ramp : 1, y0 + th < latentH ? (ph - y - 0.5) / ramp : 1);
        for (let x = 0; x < pw; x++) {
          const wx = Math.min(1, x0 > 0 ? (x + 0.5) / ramp : 1, x0 + tw < latentW ? (pw - x - 0.5) / ramp : 1);
          const w = wx * wy;
          const target = (y0 * 8 + y) * width + x0 * 8 + x;
          weights[target]! += w;
          for (let c = 0; c < 3; c++) sum[c * plane + target]! += w * pixels[c * ph * pw + y * pw + x]!;
        }
      }
    }
  }
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) sum[c * plane + i]! /= weights[i]!;
  return sum;
}

/** Encodes an image (exactly width × height) to scaled latents; a distribution output is sampled with `rng`. */
export async function encodeImage(model: DiffusionModel, image: RgbImage, rng: SeededRandom, timings: Timings): Promise<Float32Array> {
  const started = performance.now();
  const vae = await model.vaeEncoder();
  const plane = image.width * image.height;
  const input = new Float32Array(plane * 3);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) input[c * plane + i] = image.data[i * 3 + c]! / 127.5 - 1;
  const results = await vae.run({ sample: floatTensor(vae, 'sample', input, [1, 3, image.height, image.width]) });
  const scale = model.info.vaeScalingFactor;
  const size = LATENT_CHANNELS * (image.height / 8) * (image.width / 8);
  let latent: Float32Array;
  if (results.latent_sample) latent = floatValues(results.latent_sample, 'vae_encoder latent_sample').slice(0, size);
  else {
    // Mean and log-variance (8 channels): sample the diagonal Gaussian, as diffusers' latent_dist.sample() does.
    const moments = floatValues(results.latent_parameters, 'vae_encoder latent_parameters');
    latent = new Float32Array(size);
    for (let i = 0; i < size; i++) latent[i] = moments[i]! + Math.exp(0.5 * Math.min(20, Math.max(-30, moments[size + i]!))) * rng.normal();
  }
  timings.vaeEncodeMs += performance.now() - started;
  return latent.map((v) => v * scale);
}

// ---------- preview ----------

/**
 * Approximate latent → RGB (a fixed linear map per family, the "cheap approximation" previewers use), on the
 * model's estimate of the clean image: one pixel per latent pixel, no VAE.
 */
const previewFactors = {
  sd: { rgb: [0.3512, 0.2297, 0.3227, 0.325, 0.4974, 0.235, -0.2829, 0.1762, 0.2721, -0.212, -0.2616, -0.7177], bias: [0, 0, 0] },
  xl: {
    rgb: [0.3651, 0.4232, 0.4341, -0.2533, -0.0042, 0.1068, 0.1076, 0.1111, -0.0362, -0.3165, -0.2492, -0.2188],
    bias: [0.1084, -0.0175, -0.0011],
  },
};

export function previewImage(latent: Float32Array, width: number, height: number, xl: boolean): RgbImage {
  const w = width / 8;
  const h = height / 8;
  const plane = w * h;
  const { rgb, bias } = xl ? previewFactors.xl : previewFactors.sd;
  const data = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      let v = bias[c]!;
      for (let k = 0; k < LATENT_CHANNELS; k++) v += latent[k * plane + i]! * rgb[k * 3 + c]!;
      data[i * 3 + c] = Math.max(0, Math.min(255, Math.round((v + 1) * 127.5)));
    }
  }
  return { data, width: w, height: h };
}
