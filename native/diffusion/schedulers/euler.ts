import { type SchedulerConfig } from './config';
import { alphasCumprod, interpolate, karrasSigmas, linspace, sigmasFromAlphas, sigmaToTimestep, spacedTimesteps } from './noise-schedule';
import { checkSteps, keepForStrength, predictOriginalVe, type NoiseSource, type Scheduler, type SchedulerName, type StepResult } from './scheduler';

/**
 * Euler's method on the probability-flow ODE in σ (Karras et al. 2022, Algorithm 1 without churn; diffusers'
 * EulerDiscreteScheduler): x_{i+1} = x_i + (σ_{i+1} − σ_i) · (x_i − x̂₀) / σ_i.
 */
export class EulerScheduler implements Scheduler {
  readonly name: SchedulerName = 'euler';
  timesteps: number[] = [];
  /** σ at each planned step, then 0. */
  sigmas: number[] = [];
  initNoiseSigma = 1;
  protected readonly trainSigmas: number[];

  constructor(readonly config: SchedulerConfig) {
    this.trainSigmas = sigmasFromAlphas(alphasCumprod(config));
  }

  setTimesteps(steps: number, strength = 1): void {
    checkSteps(steps, strength);
    const spacing = this.config.timestepSpacing ?? 'linspace';
    let timesteps = spacedTimesteps(this.config, spacing, steps, false);
    let sigmas: number[];
    if (this.config.interpolationType === 'log_linear') {
      sigmas = linspace(Math.log(this.trainSigmas[0]!), Math.log(this.trainSigmas.at(-1)!), steps + 1)
        .map(Math.exp)
        .reverse()
        .slice(0, steps);
    } else sigmas = timesteps.map((t) => interpolate(t, this.trainSigmas));
    if (this.config.useKarrasSigmas) {
      // Karras spacing between the σ of the last and first planned timesteps; timesteps follow the new σ.
      sigmas = karrasSigmas(sigmas.at(-1)!, sigmas[0]!, steps);
      const logSigmas = this.trainSigmas.map(Math.log);
      timesteps = sigmas.map((s) => sigmaToTimestep(s, logSigmas));
    }
    const maxSigma = Math.max(...sigmas);
    // With linspace/trailing spacing the first step is (nearly) pure noise; with leading it is not (diffusers).
    this.initNoiseSigma = spacing === 'leading' ? Math.sqrt(maxSigma * maxSigma + 1) : maxSigma;
    const kept = keepForStrength(timesteps, sigmas, steps, strength);
    this.timesteps = kept.timesteps;
    this.sigmas = kept.sigmas;
  }

  scaleModelInput(sample: Float32Array, index: number): Float32Array {
    const scale = 1 / Math.sqrt(this.sigmas[index]! ** 2 + 1);
    return sample.map((x) => x * scale);
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, _noise: NoiseSource): StepResult {
    const sigma = this.sigmas[index]!;
    const dt = this.sigmas[index + 1]! - sigma;
    const prevSample = new Float32Array(sample.length);
    const predOriginal = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x0 = predictOriginalVe(this.config.predictionType, modelOutput[i]!, sample[i]!, sigma);
      predOriginal[i] = x0;
      prevSample[i] = sample[i]! + ((sample[i]! - x0) / sigma) * dt;
    }
    return { prevSample, predOriginal };
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    const sigma = this.sigmas[index]!;
    return original.map((x, i) => x + noise[i]! * sigma);
  }
}
