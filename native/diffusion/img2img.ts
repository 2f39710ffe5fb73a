import { StudioError } from '../api/errors';
import type { RgbImage } from '../inference/image-tensor';
import type { DiffusionModel } from './loader';
import { checkSize } from './image-size';
import { newTimings } from './stage-timings';
import { encodeConditioning } from './text-conditioning';
import { encodeImage, LATENT_CHANNELS } from './vae';
import { SeededRandom } from './rng';
import { createScheduler } from './schedulers';
import { stack } from './tensors';
import { denoiseAndDecode, type PipelineOutput, type RunOptions, type Txt2ImgParams } from './txt2img';

export interface Img2ImgParams extends Txt2ImgParams {
  /** The starting picture, exactly width × height (the caller resizes it). */
  init: RgbImage;
  /** How much to change it: 0 keeps it, 1 ignores it; the last ⌊steps·strength⌋ steps run. */
  strength: number;
}

/** Image to image: the init image's latents, noised to the level `strength` says, denoised under the prompt. */
export async function img2img(model: DiffusionModel, params: Img2ImgParams, options: RunOptions = {}): Promise<PipelineOutput> {
  const started = performance.now();
  const timings = newTimings();
  checkSize(model, params.width, params.height);
  if (params.init.width !== params.width || params.init.height !== params.height)
    throw new StudioError(
      'INVALID_INPUT',
      `The init image is ${params.init.width}×${params.init.height}, the output ${params.width}×${params.height}.`,
    );
  const latentSize = LATENT_CHANNELS * (params.height / 8) * (params.width / 8);

  const conditioning = await encodeConditioning(model, params, timings);
  const scheduler = createScheduler(params.scheduler, model.info.schedulerConfig);
  scheduler.setTimesteps(params.steps, params.strength);
  if (!scheduler.timesteps.length)
    throw new StudioError(
      'INVALID_INPUT',
      `At strength ${params.strength}, ${params.steps} steps leave nothing to do.`,
      'Raise the strength or the steps.',
    );
  const generators = params.seeds.map((seed) => new SeededRandom(seed));
  const initLatents: Float32Array[] = [];
  for (const generator of generators) initLatents.push(await encodeImage(model, params.init, generator, timings));
  const noise = () => stack(generators.map((g) => g.normals(latentSize)));
  const latents = scheduler.addNoise(stack(initLatents), noise(), 0);

  return denoiseAndDecode({ model, params, scheduler, latents, noise, conditioning, timings, started }, options);
}
