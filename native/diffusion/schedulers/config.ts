import { StudioError } from '../../api/errors';

// A scheduler's configuration: diffusers' `scheduler_config.json` read into one typed shape, whatever scheduler
// class wrote it, with SD 1.5's values as defaults.

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
