import { StudioError } from '../api/errors';
import type { RgbImage } from '../inference/image-tensor';
import type { Feeds, OpenedSession } from '../inference/session';
import { deepestHiddenState } from '../models/diffusion-folder';
import type { DiffusionModel } from './loader';
import type { SeededRandom } from './rng';
import { fixedDim, floatTensor, floatValues, numberTensor, stack } from './tensors';
import type { ClipTokenizer } from './tokenizer';

/**
 * The pieces both pipelines share: prompt encoding, one guided UNet prediction, VAE decode (whole or tiled) and
 * encode, and the cheap latent preview. Everything a step does besides `session.run` is timed as overhead.
 */
export interface Timings {
  textEncoderMs: number;
  unetMs: number;
  /** Pipeline time inside the denoising loop that is not the UNet itself (scheduler, guidance, tensors). */
  loopOverheadMs: number;
  vaeEncodeMs: number;
  vaeDecodeMs: number;
  totalMs: number;
  steps: number;
}

export const newTimings = (): Timings => ({ textEncoderMs: 0, unetMs: 0, loopOverheadMs: 0, vaeEncodeMs: 0, vaeDecodeMs: 0, totalMs: 0, steps: 0 });

export const LATENT_CHANNELS = 4;

export interface PromptEmbedding {
  /** [77, C]: the text encoder's hidden states (SDXL: both encoders' penultimate layers side by side). */
  hidden: Float32Array;
  /** SDXL: the second encoder's pooled, projected embedding [P]. */
  pooled: Float32Array | undefined;
  tokens: number;
  truncated: boolean;
}

async function runEncoder(session: OpenedSession, tokenizer: ClipTokenizer, text: string, output: string, timings: Timings) {
  const encoded = tokenizer.encode(text);
  const started = performance.now();
  const results = await session.run({ input_ids: numberTensor(session, 'input_ids', encoded.ids, [1, encoded.ids.length]) });
  timings.textEncoderMs += performance.now() - started;
  return { results, encoded, hidden: floatValues(results[output], `${session.model} ${output}`) };
}

/** Encodes one prompt the way the model family was trained to read it. */
export async function encodePrompt(model: DiffusionModel, text: string, timings: Timings): Promise<PromptEmbedding> {
  if (!model.textEncoder2 || !model.tokenizer2) {
    const { hidden, encoded } = await runEncoder(model.textEncoder, model.tokenizer, text, 'last_hidden_state', timings);
    return { hidden, pooled: undefined, tokens: encoded.tokenCount, truncated: encoded.truncated };
  }
  // SDXL: penultimate hidden states of both encoders, concatenated per token; pooled from the second.
  const layer1 = `hidden_states.${deepestHiddenState(model.info.signatures.textEncoder)! - 1}`;
  const layer2 = `hidden_states.${deepestHiddenState(model.info.signatures.textEncoder2!)! - 1}`;
  const first = await runEncoder(model.textEncoder, model.tokenizer, text, layer1, timings);
  const second = await runEncoder(model.textEncoder2, model.tokenizer2, text, layer2, timings);
  const pooled = floatValues(second.results.text_embeds, 'text_encoder_2 text_embeds');
  const length = first.encoded.ids.length;
  const c1 = first.hidden.length / length;
  const c2 = second.hidden.length / length;
  const hidden = new Float32Array(length * (c1 + c2));
  for (let t = 0; t < length; t++) {
    hidden.set(first.hidden.subarray(t * c1, (t + 1) * c1), t * (c1 + c2));
    hidden.set(second.hidden.subarray(t * c2, (t + 1) * c2), t * (c1 + c2) + c1);
  }
  return { hidden, pooled: pooled.slice(), tokens: first.encoded.tokenCount, truncated: first.encoded.truncated };
}

/** The negative prompt; SDXL models encode an empty one as zeros (`force_zeros_for_empty_prompt`). */
export async function encodeNegative(model: DiffusionModel, text: string, like: PromptEmbedding, timings: Timings): Promise<PromptEmbedding> {
  if (!text.trim() && model.info.forceZerosForEmptyPrompt) {
    return { hidden: new Float32Array(like.hidden.length), pooled: like.pooled && new Float32Array(like.pooled.length), tokens: 0, truncated: false };
  }
  return encodePrompt(model, text, timings);
}

export interface Conditioning {
  positive: PromptEmbedding;
  /** Present when guidance applies (guidance > 1). */
  negative: PromptEmbedding | undefined;
  guidance: number;
  width: number;
  height: number;
}

/** Encodes prompt and negative; guidance ≤ 1 skips the negative pass (Turbo models are distilled without it). */
export async function encodeConditioning(
  model: DiffusionModel,
  params: { prompt: string; negativePrompt: string; guidance: number; width: number; height: number },
  timings: Timings,
): Promise<Conditioning> {
  const positive = await encodePrompt(model, params.prompt, timings);
  const negative = params.guidance > 1 ? await encodeNegative(model, params.negativePrompt, positive, timings) : undefined;
  return { positive, negative, guidance: params.guidance, width: params.width, height: params.height };
}

/** UNet inputs for a batch of `count` latents under one text condition. */
function unetFeeds(
  unet: OpenedSession,
  latents: Float32Array,
  count: number,
  latentH: number,
  latentW: number,
  t: number,
  text: PromptEmbedding,
  size: { width: number; height: number },
): Feeds {
  const sequence = text.hidden.length;
  const timestepShape = unet.inputs.timestep?.shape ?? [];
  const timestepDims = timestepShape.length === 0 ? [] : typeof timestepShape[0] === 'number' && timestepShape[0] === 1 ? [1] : [count];
  const tokens = 77;
  const feeds: Feeds = {
    sample: floatTensor(unet, 'sample', latents, [count, LATENT_CHANNELS, latentH, latentW]),
    timestep: numberTensor(unet, 'timestep', new Array<number>(timestepDims[0] ?? 1).fill(t), timestepDims),
    encoder_hidden_states: floatTensor(unet, 'encoder_hidden_states', stack(new Array(count).fill(text.hidden)), [count, tokens, sequence / tokens]),
  };
  if (unet.inputs.text_embeds) {
    if (!text.pooled) throw new StudioError('MODEL_ERROR', 'This UNet needs pooled text embeddings (SDXL) but the text encoder gave none.');
    feeds.text_embeds = floatTensor(unet, 'text_embeds', stack(new Array(count).fill(text.pooled)), [count, text.pooled.length]);
    // SDXL size conditioning: original size, crop top-left, target size.
    const ids = [size.height, size.width, 0, 0, size.height, size.width];
    feeds.time_ids = floatTensor(unet, 'time_ids', Float32Array.from(new Array(count).fill(ids).flat()), [count, 6]);
  }
  return feeds;
}

/** Runs the UNet on `count` items, in chunks when the export fixed its batch size. */
async function runUnet(
  unet: OpenedSession,
  latents: Float32Array,
  count: number,
  latentH: number,
  latentW: number,
  t: number,
  text: PromptEmbedding,
  size: { width: number; height: number },
  timings: Timings,
): Promise<Float32Array> {
  const chunk = fixedDim(unet, 'sample', 0) ?? count;
  if (count % chunk !== 0)
    throw new StudioError('MODEL_ERROR', `This UNet export takes exactly ${chunk} images at a time; use a batch size that divides by it.`);
  const per = latents.length / count;
  const out = new Float32Array(latents.length);
  for (let start = 0; start < count; start += chunk) {
    const feeds = unetFeeds(unet, latents.subarray(start * per, (start + chunk) * per), chunk, latentH, latentW, t, text, size);
    const started = performance.now();
    const results = await unet.run(feeds);
    timings.unetMs += performance.now() - started;
    out.set(floatValues(results.out_sample, 'unet out_sample'), start * per);
  }
  return out;
}

/**
 * The guided noise prediction for a batch: ε = ε_uncond + g · (ε_cond − ε_uncond) (Ho & Salimans 2022),
 * negative and positive in one UNet call when the export allows; without guidance, the positive alone.
 */
export async function predictNoise(
  model: DiffusionModel,
  latents: Float32Array,
  count: number,
  t: number,
  conditioning: Conditioning,
  timings: Timings,
): Promise<Float32Array> {
  const latentH = conditioning.height / 8;
  const latentW = conditioning.width / 8;
  const size = { width: conditioning.width, height: conditioning.height };
  const { unet } = model;
  if (!conditioning.negative) return runUnet(unet, latents, count, latentH, latentW, t, conditioning.positive, size, timings);
  const fixed = fixedDim(unet, 'sample', 0);
  let uncond: Float32Array;
  let cond: Float32Array;
  // Static exports fix the batch (often at 2: exactly one guided image).
  if ((fixed === undefined || fixed === 2 * count) && conditioning.negative.hidden.length === conditioning.positive.hidden.length) {
    // One call on [negative × count, positive × count].
    const both = stack([latents, latents]);
    const feeds = unetFeeds(unet, both, 2 * count, latentH, latentW, t, conditioning.positive, size);
    feeds.encoder_hidden_states = floatTensor(
      unet,
      'encoder_hidden_states',
      stack([
        ...new Array<Float32Array>(count).fill(conditioning.negative.hidden),
        ...new Array<Float32Array>(count).fill(conditioning.positive.hidden),
      ]),
      [2 * count, 77, conditioning.positive.hidden.length / 77],
    );
    if (feeds.text_embeds && conditioning.negative.pooled && conditioning.positive.pooled) {
      feeds.text_embeds = floatTensor(
        unet,
        'text_embeds',
        stack([
          ...new Array<Float32Array>(count).fill(conditioning.negative.pooled),
          ...new Array<Float32Array>(count).fill(conditioning.positive.pooled),
        ]),
        [2 * count, conditioning.positive.pooled.length],
      );
    }
    const started = performance.now();
    const results = await unet.run(feeds);
    timings.unetMs += performance.now() - started;
    const out = floatValues(results.out_sample, 'unet out_sample');
    uncond = out.subarray(0, latents.length);
    cond = out.subarray(latents.length);
  } else {
    uncond = await runUnet(unet, latents, count, latentH, latentW, t, conditioning.negative, size, timings);
    cond = await runUnet(unet, latents, count, latentH, latentW, t, conditioning.positive, size, timings);
  }
  const g = conditioning.guidance;
  const guided = new Float32Array(latents.length);
  for (let i = 0; i < guided.length; i++) guided[i] = uncond[i]! + g * (cond[i]! - uncond[i]!);
  return guided;
}

// ---------- VAE ----------

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

/** Checks a size for the model (multiples of 8, a static export's only size). */
export function checkSize(model: DiffusionModel, width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 64 || value > 4096 || value % 8 !== 0)
      throw new StudioError(
        'INVALID_INPUT',
        `The ${name} must be a multiple of 8 from 64 to 4096, not ${value}.`,
        'Multiples of 64 work best, e.g. 512 or 768.',
      );
  }
  const fixed = model.info.fixedSize;
  if (fixed && (fixed.width !== width || fixed.height !== height))
    throw new StudioError(
      'INVALID_INPUT',
      `This model export only takes ${fixed.width}×${fixed.height} images.`,
      `Use --size ${fixed.width}x${fixed.height}.`,
    );
}
