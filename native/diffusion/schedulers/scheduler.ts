// What a scheduler is to the pipelines (the interface), the img2img step rules, the model-output conversions,
// and the base class of DDIM and LCM.
import { StudioError } from '../../api/errors';
import type { SchedulerName } from '../../api/namespaces/models';
import { alphasCumprod } from './noise-schedule';
import type { PredictionType, SchedulerConfig } from './config';

/** Standard normal noise shaped like the latents (drawn from the per-image seeded generators). */
export type NoiseSource = () => Float32Array;

export interface StepResult {
  prevSample: Float32Array;
  /** The model's estimate of the clean latents (x̂₀), for previews. */
  predOriginal: Float32Array;
}

/** The names the contract offers (native/api/namespaces/models.ts). */
export type { SchedulerName };

export interface Scheduler {
  readonly name: SchedulerName;
  /** The model timestep at each step of the current schedule (after setTimesteps). */
  readonly timesteps: readonly number[];
  /** What the initial noise is multiplied by. */
  readonly initNoiseSigma: number;
  /**
   * Plans `steps` steps. `strength` < 1 (img2img) keeps the last ⌊steps·strength⌋ of them, the way diffusers'
   * img2img pipelines do (LCM instead shortens its distilled schedule and keeps `steps`).
   */
  setTimesteps(steps: number, strength?: number): void;
  /** The UNet input at step `index` (k-diffusion schedulers divide by √(σ²+1)). */
  scaleModelInput(sample: Float32Array, index: number): Float32Array;
  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): StepResult;
  /** Noises clean latents to the level of step `index` (img2img start). */
  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array;
}

/** How many of `steps` an img2img run at `strength` keeps (diffusers' get_timesteps). */
export function stepsForStrength(steps: number, strength: number): { start: number; count: number } {
  const count = Math.min(Math.floor(steps * strength), steps);
  return { start: Math.max(steps - count, 0), count };
}

/** A σ schedule (Euler, DPM++) cut to what an img2img run at `strength` keeps, with σ = 0 after the last step. */
export function keepForStrength(
  timesteps: readonly number[],
  sigmas: readonly number[],
  steps: number,
  strength: number,
): { timesteps: number[]; sigmas: number[] } {
  const { start } = stepsForStrength(steps, strength);
  return { timesteps: timesteps.slice(start), sigmas: [...sigmas.slice(start), 0] };
}

export function checkSteps(steps: number, strength: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > 1000)
    throw new StudioError('INVALID_INPUT', `steps must be a whole number from 1 to 1000, not ${steps}.`);
  if (!(strength > 0 && strength <= 1)) throw new StudioError('INVALID_INPUT', `strength must be above 0 and at most 1, not ${strength}.`);
}

/** x̂₀ from the model output at noise level σ (variance-exploding form used by Euler). */
export function predictOriginalVe(prediction: PredictionType, out: number, sample: number, sigma: number): number {
  if (prediction === 'epsilon') return sample - sigma * out;
  if (prediction === 'v_prediction') return out * (-sigma / Math.sqrt(sigma * sigma + 1)) + sample / (sigma * sigma + 1);
  return out;
}

/** x̂₀ and ε̂ from the model output at ᾱ_t (variance-preserving form used by DDIM and LCM). */
export function predictVp(prediction: PredictionType, out: number, sample: number, alphaProd: number): [x0: number, eps: number] {
  const a = Math.sqrt(alphaProd);
  const b = Math.sqrt(1 - alphaProd);
  if (prediction === 'epsilon') return [(sample - b * out) / a, out];
  if (prediction === 'v_prediction') return [a * sample - b * out, a * out + b * sample];
  return [out, (sample - a * out) / b];
}

/**
 * What DDIM and LCM share: the variance-preserving view of the training schedule (ᾱ_t), the UNet input as it is,
 * and img2img noising √ᾱ · x + √(1 − ᾱ) · ε (diffusers' add_noise).
 */
export abstract class VpScheduler implements Scheduler {
  abstract readonly name: SchedulerName;
  timesteps: number[] = [];
  readonly initNoiseSigma = 1;
  protected readonly alphas: number[];
  /** ᾱ after the last step: 1, the clean image, with set_alpha_to_one (the default), else ᾱ_0. */
  protected readonly finalAlpha: number;

  constructor(readonly config: SchedulerConfig) {
    this.alphas = alphasCumprod(config);
    this.finalAlpha = (config.setAlphaToOne ?? true) ? 1 : this.alphas[0]!;
  }

  abstract setTimesteps(steps: number, strength?: number): void;
  abstract step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): StepResult;

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  /** ᾱ at timestep t; past the end of the schedule (t < 0), the final ᾱ. */
  protected alphaAt(t: number): number {
    return t >= 0 ? this.alphas[t]! : this.finalAlpha;
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    const alpha = this.alphas[this.timesteps[index]!]!;
    const a = Math.sqrt(alpha);
    const b = Math.sqrt(1 - alpha);
    return original.map((x, i) => a * x + b * noise[i]!);
  }
}
