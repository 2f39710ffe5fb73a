// One guided UNet prediction for a batch of latents, chunked where the export fixed its batch size.
import { StudioError } from '../api/errors';
import type { Feeds, OpenedSession } from '../inference/session';
import type { DiffusionModel } from './loader';
import { fixedDim, floatTensor, floatValues, numberTensor, stack } from './tensors';
import { LATENT_CHANNELS } from './vae';
import type { Timings } from './stage-timings';
import type { Conditioning, PromptEmbedding } from './text-conditioning';

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
