import { StudioError } from '../../api/errors';

/**
 * What every scheduler shares: the noise schedule of training (betas → ᾱ), the spacing of inference timesteps,
 * and the sigma helpers. Formulas follow the papers and diffusers' documented behaviour (DDPM: Ho et al. 2020;
 * DDIM: Song et al. 2020; k-diffusion sigmas and Karras et al. 2022; DPM-Solver++: Lu et al. 2022; LCM:
 * Luo et al. 2023). Schedules are computed in float64; latents stay float32.
 */
export type PredictionType = 'epsilon' | 'v_prediction' | 'sample';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

/**
 * A diffusers `scheduler_config.json`, read whatever scheduler class wrote it (parseSchedulerConfig; snake_case
 * there). Each field: its effect, its default (defaultSchedulerConfig, SD 1.5's values), and who reads it. "All"
 * means every scheduler, through the training schedule (betas → ᾱ → sigmas) they all start from.
 */
export interface SchedulerConfig {
  /** Length of the training noise schedule, the timestep range inference steps are spaced over. Default 1000. All. */
  numTrainTimesteps: number;
  /** First β of the training schedule (noise added at t = 0). Default 0.00085. All (through betas). */
  betaStart: number;
  /** Last β of the training schedule. Default 0.012. All (through betas). */
  betaEnd: number;
  /** How β goes from start to end: SD's scaled_linear (linear in √β), linear, or the cosine squaredcos_cap_v2. Default scaled_linear. All. */
  betaSchedule: 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
  /** Explicit βs, replacing start/end/schedule when a model ships its own. Default null. All. */
  trainedBetas: number[] | null;
  /** What the UNet predicts: the noise (epsilon), the velocity (v_prediction, SD 2.x 768) or the clean sample. Default epsilon. All. */
  predictionType: PredictionType;
  /**
   * How inference timesteps are picked from the training range: leading (SD 1.x), trailing (SD-Turbo, zero-SNR) or
   * linspace. Unset means "the scheduler's own default" (diffusers: Euler and DPM++ linspace, DDIM and LCM leading).
   * DDIM, DPM++ 2M, Euler, Euler a (LCM spaces over its distilled schedule instead).
   */
  timestepSpacing: TimestepSpacing | undefined;
  /** Added to every leading-spaced timestep (SD 1.x exports use 1). Default 0. DDIM, DPM++ 2M (spacedTimesteps). */
  stepsOffset: number;
  /** Whether the step past the last uses ᾱ = 1 (a clean image) or ᾱ₀. Unset: true (diffusers' default). DDIM, LCM (VpScheduler). */
  setAlphaToOne: boolean | undefined;
  /** Clamp the predicted clean sample to ±clipSampleRange (for pixel-space models; SD leaves it off). Default false. DDIM, LCM. */
  clipSample: boolean;
  /** The clamp's bound when clipSample is on. Default 1. DDIM, LCM. */
  clipSampleRange: number;
  /** Space the sigmas as Karras et al. 2022 (ρ = 7) instead of following the timesteps. Default false. Euler, Euler a, DPM++ 2M. */
  useKarrasSigmas: boolean;
  /** How sigmas between training timesteps are found: linear in σ, or in log σ. Default linear. Euler, Euler a. */
  interpolationType: 'linear' | 'log_linear';
  /** Rescale the βs so the last step has zero signal (Lin et al. 2023), for models trained that way. Default false. All. */
  rescaleBetasZeroSnr: boolean;
  /** LCM: the number of steps of the schedule it was distilled on. Default 50. LCM only. */
  originalInferenceSteps: number;
  /** LCM: the boundary-condition scale (c_skip / c_out, "timestep_scaling"). Default 10. LCM only. */
  timestepScaling: number;
}

export const defaultSchedulerConfig: SchedulerConfig = {
  numTrainTimesteps: 1000,
  betaStart: 0.00085,
  betaEnd: 0.012,
  betaSchedule: 'scaled_linear',
  trainedBetas: null,
  predictionType: 'epsilon',
  timestepSpacing: undefined,
  stepsOffset: 0,
  setAlphaToOne: undefined,
  clipSample: false,
  clipSampleRange: 1,
  useKarrasSigmas: false,
  interpolationType: 'linear',
  rescaleBetasZeroSnr: false,
  originalInferenceSteps: 50,
  timestepScaling: 10,
};

const oneOf = <T extends string>(value: unknown, allowed: readonly T[], key: string): T | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new StudioError(
    'MODEL_ERROR',
    `scheduler_config.json: ${key} is “${String(value)}”; Likeness knows ${allowed.join(', ')}.`,
    'Use a model exported for diffusers, or edit scheduler/scheduler_config.json.',
  );
};
const num = (value: unknown, fallback: number): number => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const bool = (value: unknown): boolean | undefined => (typeof value === 'boolean' ? value : undefined);

/** Reads a diffusers `scheduler_config.json` (snake_case), whatever scheduler class it was written for. */
export function parseSchedulerConfig(json: Record<string, unknown> = {}): SchedulerConfig {
  const d = defaultSchedulerConfig;
  const trained = Array.isArray(json.trained_betas) ? (json.trained_betas as unknown[]).map(Number) : null;
  return {
    numTrainTimesteps: num(json.num_train_timesteps, d.numTrainTimesteps),
    betaStart: num(json.beta_start, d.betaStart),
    betaEnd: num(json.beta_end, d.betaEnd),
    betaSchedule: oneOf(json.beta_schedule, ['linear', 'scaled_linear', 'squaredcos_cap_v2'] as const, 'beta_schedule') ?? d.betaSchedule,
    trainedBetas: trained,
    predictionType: oneOf(json.prediction_type, ['epsilon', 'v_prediction', 'sample'] as const, 'prediction_type') ?? d.predictionType,
    timestepSpacing: oneOf(json.timestep_spacing, ['leading', 'trailing', 'linspace'] as const, 'timestep_spacing'),
    stepsOffset: num(json.steps_offset, d.stepsOffset),
    setAlphaToOne: bool(json.set_alpha_to_one),
    clipSample: bool(json.clip_sample) ?? d.clipSample,
    clipSampleRange: num(json.clip_sample_range, d.clipSampleRange),
    useKarrasSigmas: bool(json.use_karras_sigmas) ?? d.useKarrasSigmas,
    interpolationType: oneOf(json.interpolation_type, ['linear', 'log_linear'] as const, 'interpolation_type') ?? d.interpolationType,
    rescaleBetasZeroSnr: bool(json.rescale_betas_zero_snr) ?? d.rescaleBetasZeroSnr,
    originalInferenceSteps: num(json.original_inference_steps, d.originalInferenceSteps),
    timestepScaling: num(json.timestep_scaling, d.timestepScaling),
  };
}

export function linspace(start: number, end: number, count: number): number[] {
  if (count === 1) return [start];
  return Array.from({ length: count }, (_, i) => start + ((end - start) * i) / (count - 1));
}

/** numpy's round: halves to even (e.g. 0.5 → 0, 2.5 → 2). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** β_t for t = 0 … N−1. */
export function betas(config: SchedulerConfig): number[] {
  const n = config.numTrainTimesteps;
  if (config.trainedBetas) return config.trainedBetas;
  if (config.betaSchedule === 'linear') return linspace(config.betaStart, config.betaEnd, n);
  if (config.betaSchedule === 'scaled_linear') return linspace(Math.sqrt(config.betaStart), Math.sqrt(config.betaEnd), n).map((b) => b * b);
  // squaredcos_cap_v2 (Nichol & Dhariwal 2021): β_t = 1 − ᾱ(t+1)/ᾱ(t), ᾱ(t) = cos²(((t/N) + 0.008)/1.008 · π/2), capped at 0.999.
  const alphaBar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  return Array.from({ length: n }, (_, i) => Math.min(1 - alphaBar((i + 1) / n) / alphaBar(i / n), 0.999));
}

/** ᾱ_t = ∏ (1 − β_i), optionally rescaled to zero terminal SNR (Lin et al. 2023, "Common Diffusion Noise Schedules…"). */
export function alphasCumprod(config: SchedulerConfig): number[] {
  const out: number[] = [];
  let product = 1;
  for (const beta of betas(config)) out.push((product *= 1 - beta));
  if (!config.rescaleBetasZeroSnr) return out;
  const roots = out.map(Math.sqrt);
  const first = roots[0]!;
  const last = roots.at(-1)!;
  const rescaled = roots.map((r) => ((r - last) * first) / (first - last));
  // The last ᾱ becomes 0 exactly; keep it a hair above so σ stays finite (diffusers does the same).
  return rescaled.map((r, i) => (i === rescaled.length - 1 ? 2 ** -24 : r * r));
}

/** σ_t = √((1 − ᾱ_t) / ᾱ_t): the noise level of the variance-exploding view (k-diffusion). */
export function sigmasFromAlphas(alphas: readonly number[]): number[] {
  return alphas.map((a) => Math.sqrt((1 - a) / a));
}

/**
 * Inference timesteps, high to low, by the spacing of "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed" (Table 2): linspace, leading (+ steps_offset) or trailing. `integer` rounds linspace (DDIM, DPM++).
 */
export function spacedTimesteps(config: SchedulerConfig, spacing: TimestepSpacing, steps: number, integer: boolean): number[] {
  const n = config.numTrainTimesteps;
  if (spacing === 'linspace') {
    const values = linspace(0, n - 1, steps).reverse();
    return integer ? values.map(roundHalfEven) : values;
  }
  if (spacing === 'leading') {
    const ratio = Math.floor(n / steps);
    return Array.from({ length: steps }, (_, i) => (steps - 1 - i) * ratio + config.stepsOffset);
  }
  const ratio = n / steps;
  return Array.from({ length: steps }, (_, i) => roundHalfEven(n - i * ratio) - 1);
}

/** numpy.interp over x = 0, 1, …, len−1. */
export function interpolate(x: number, values: readonly number[]): number {
  if (x <= 0) return values[0]!;
  if (x >= values.length - 1) return values.at(-1)!;
  const i = Math.floor(x);
  const w = x - i;
  return values[i]! * (1 - w) + values[i + 1]! * w;
}

/** Karras et al. 2022, eq. (5): ρ = 7 spacing between σ_max and σ_min. */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, steps: number, rho = 7): number[] {
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return linspace(0, 1, steps).map((r) => (maxInv + r * (minInv - maxInv)) ** rho);
}

/** The (fractional) training timestep whose σ is `sigma`: linear interpolation in log σ. */
export function sigmaToTimestep(sigma: number, logSigmas: readonly number[]): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  let low = 0;
  for (let i = 0; i < logSigmas.length; i++) if (logSigma - logSigmas[i]! >= 0) low = i;
  low = Math.min(low, logSigmas.length - 2);
  const high = low + 1;
  const w = Math.min(1, Math.max(0, (logSigmas[low]! - logSigma) / (logSigmas[low]! - logSigmas[high]!)));
  return (1 - w) * low + w * high;
}

/** Standard normal noise shaped like the latents (drawn from the per-image seeded generators). */
export type NoiseSource = () => Float32Array;

export interface StepResult {
  prevSample: Float32Array;
  /** The model's estimate of the clean latents (x̂₀), for previews. */
  predOriginal: Float32Array;
}

/** The names the contract offers (native/api/namespaces/models.ts). */
export type { SchedulerName } from '../../api/namespaces/models';
import type { SchedulerName } from '../../api/namespaces/models';

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
