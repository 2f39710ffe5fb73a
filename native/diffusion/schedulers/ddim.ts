import { type SchedulerConfig } from './config';
import { spacedTimesteps } from './noise-schedule';
import { checkSteps, predictVp, stepsForStrength, VpScheduler, type NoiseSource, type SchedulerName, type StepResult } from './scheduler';

/**
 * DDIM (Song et al. 2020, eq. 12) with η = 0 (deterministic):
 *   x_{t−1} = √ᾱ_{t−1} · x̂₀ + √(1 − ᾱ_{t−1}) · ε̂,   t−1 = t − N / steps.
 * η > 0 adds σ_t = η √((1−ᾱ_{t−1})/(1−ᾱ_t)) √(1 − ᾱ_t/ᾱ_{t−1}) of fresh noise.
 */
export class DdimScheduler extends VpScheduler {
  readonly name: SchedulerName = 'ddim';
  private steps = 1;

  constructor(
    config: SchedulerConfig,
    private readonly eta = 0,
  ) {
    super(config);
  }

  setTimesteps(steps: number, strength = 1): void {
    checkSteps(steps, strength);
    this.steps = steps;
    const all = spacedTimesteps(this.config, this.config.timestepSpacing ?? 'leading', steps, true);
    this.timesteps = all.slice(stepsForStrength(steps, strength).start);
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): StepResult {
    const t = this.timesteps[index]!;
    const prevT = t - Math.floor(this.config.numTrainTimesteps / this.steps);
    const alphaT = this.alphaAt(t);
    const alphaPrev = this.alphaAt(prevT);
    const variance = ((1 - alphaPrev) / (1 - alphaT)) * (1 - alphaT / alphaPrev);
    const std = this.eta * Math.sqrt(variance);
    const fresh = std > 0 ? noise() : undefined;
    const range = this.config.clipSampleRange;
    const prevSample = new Float32Array(sample.length);
    const predOriginal = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      let [x0, eps] = predictVp(this.config.predictionType, modelOutput[i]!, sample[i]!, alphaT);
      if (this.config.clipSample) {
        x0 = Math.min(range, Math.max(-range, x0));
        eps = (sample[i]! - Math.sqrt(alphaT) * x0) / Math.sqrt(1 - alphaT);
      }
      predOriginal[i] = x0;
      const direction = Math.sqrt(1 - alphaPrev - std * std) * eps;
      prevSample[i] = Math.sqrt(alphaPrev) * x0 + direction + (fresh ? std * fresh[i]! : 0);
    }
    return { prevSample, predOriginal };
  }
}
