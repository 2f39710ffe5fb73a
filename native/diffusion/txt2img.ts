import type { RgbImage } from '../inference/image-tensor';
import type { DiffusionModel } from './loader';
import { predictNoise } from './guided-unet';
import { checkSize } from './image-size';
import { newTimings, type Timings } from './stage-timings';
import { encodeConditioning, type Conditioning } from './text-conditioning';
import { decodeLatents, LATENT_CHANNELS, previewImage } from './vae';
import { SeededRandom } from './rng';
import { createScheduler, type NoiseSource, type Scheduler, type SchedulerName } from './schedulers';
import { stack, unstack } from './tensors';

export interface Txt2ImgParams {
  prompt: string;
  negativePrompt: string;
  width: number;
  height: number;
  steps: number;
  /** Classifier-free guidance; ≤ 1 runs without the negative pass. */
  guidance: number;
  scheduler: SchedulerName;
  /** One seed per image of the batch; each image draws all its noise from its own generator. */
  seeds: readonly number[];
  /** Decode in tiles (less memory); 'auto' tiles above 1024×1024. */
  tiledVae?: boolean | 'auto';
}

export interface StepEvent {
  step: number;
  steps: number;
  /** The first image's current estimate as a small picture (computed only when asked for). */
  preview(): RgbImage;
}

export interface RunOptions {
  /** Checked between steps: aborting stops the run with an AbortError. */
  signal?: AbortSignal;
  onStep?(event: StepEvent): void;
}

export interface PipelineOutput {
  images: RgbImage[];
  timings: Timings;
  /** Prompt tokens beyond the 75 the text encoder reads (they were dropped). */
  truncated: boolean;
}

export function useTiles(option: boolean | 'auto' | undefined, width: number, height: number): boolean {
  return option === 'auto' || option === undefined ? width * height > 1024 * 1024 : option;
}

/** Text to image: noise from the seeds, denoised step by step under the prompt, decoded by the VAE. */
export async function txt2img(model: DiffusionModel, params: Txt2ImgParams, options: RunOptions = {}): Promise<PipelineOutput> {
  const started = performance.now();
  const timings = newTimings();
  checkSize(model, params.width, params.height);
  const latentSize = LATENT_CHANNELS * (params.height / 8) * (params.width / 8);

  const conditioning = await encodeConditioning(model, params, timings);
  const scheduler = createScheduler(params.scheduler, model.info.schedulerConfig);
  scheduler.setTimesteps(params.steps);
  const generators = params.seeds.map((seed) => new SeededRandom(seed));
  const noise = () => stack(generators.map((g) => g.normals(latentSize)));
  const latents = noise().map((v) => v * scheduler.initNoiseSigma);

  return denoiseAndDecode({ model, params, scheduler, latents, noise, conditioning, timings, started }, options);
}

/** Where both pipelines stand when the denoising starts: the starting latents of the batch and what the loop needs. */
export interface DenoiseRun {
  model: DiffusionModel;
  params: Txt2ImgParams;
  scheduler: Scheduler;
  latents: Float32Array;
  /** Fresh noise for the whole batch, each image from its own generator. */
  noise: NoiseSource;
  conditioning: Conditioning;
  timings: Timings;
  /** performance.now() when the run began (for timings.totalMs). */
  started: number;
}

/** The denoising loop both pipelines share: the scheduler's steps under the prompt, then the VAE decode of each image. */
export async function denoiseAndDecode(run: DenoiseRun, options: RunOptions): Promise<PipelineOutput> {
  const { model, params, scheduler, noise, conditioning, timings, started } = run;
  const count = params.seeds.length;
  const latentSize = LATENT_CHANNELS * (params.height / 8) * (params.width / 8);
  let latents = run.latents;

  const loopStarted = performance.now();
  for (const [index, timestep] of scheduler.timesteps.entries()) {
    options.signal?.throwIfAborted();
    const input = scheduler.scaleModelInput(latents, index);
    const prediction = await predictNoise(model, input, count, timestep, conditioning, timings);
    const { prevSample, predOriginal } = scheduler.step(prediction, index, latents, noise);
    latents = prevSample;
    options.onStep?.({
      step: index + 1,
      steps: scheduler.timesteps.length,
      preview: () => previewImage(predOriginal.subarray(0, latentSize), params.width, params.height, model.textEncoder2 !== undefined),
    });
  }
  timings.loopOverheadMs = performance.now() - loopStarted - timings.unetMs;
  timings.steps = scheduler.timesteps.length;

  options.signal?.throwIfAborted();
  const tiled = useTiles(params.tiledVae, params.width, params.height);
  const images: RgbImage[] = [];
  for (const latent of unstack(latents, count)) images.push(await decodeLatents(model, latent, params.width, params.height, tiled, timings));
  timings.totalMs = performance.now() - started;
  return { images, timings, truncated: conditioning.positive.truncated };
}
