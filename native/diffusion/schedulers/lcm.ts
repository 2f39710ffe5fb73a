import { StudioError } from '../../api/errors';
import { checkSteps, predictVp, VpScheduler, type NoiseSource, type SchedulerName, type StepResult } from './scheduler';

/**
 * Latent Consistency Models (Luo et al. 2023, Algorithm 3, multistep sampling): the model maps any x_t straight to
 * a clean estimate through the consistency boundary condition
 *   f(x, t) = c_skip(t) · x + c_out(t) · x̂₀,   c_skip = σ_d² / (s² + σ_d²),  c_out = s / √(s² + σ_d²),  s = t · timestep_scaling, σ_d = 0.5,
 * then re-noises it to the next timestep (none after the last). Timesteps come from the distillation schedule
 * (every N / original_inference_steps-th, from 999 down), picked evenly.
 */
export class LcmScheduler extends VpScheduler {
  readonly name: SchedulerName = 'lcm';

  setTimesteps(steps: number, strength = 1): void {
    checkSteps(steps, strength);
    const original = this.config.originalInferenceSteps;
    const k = Math.floor(this.config.numTrainTimesteps / original);
    // The distilled schedule, shortened by strength for img2img: k−1, 2k−1, …, reversed.
    const count = Math.floor(original * strength);
    if (steps > count)
      throw new StudioError('INVALID_INPUT', `LCM can take at most ${count} steps at this strength (its schedule has ${count} timesteps).`);
    const origin = Array.from({ length: count }, (_, i) => (i + 1) * k - 1).reverse();
    this.timesteps = Array.from({ length: steps }, (_, i) => origin[Math.floor((i * count) / steps)]!);
  }

  private boundary(t: number): [cSkip: number, cOut: number] {
    const sigmaData = 0.5;
    const scaled = t * this.config.timestepScaling;
    return [sigmaData ** 2 / (scaled ** 2 + sigmaData ** 2), scaled / Math.sqrt(scaled ** 2 + sigmaData ** 2)];
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): StepResult {
    const t = this.timesteps[index]!;
    const last = index === this.timesteps.length - 1;
    const prevT = last ? t : this.timesteps[index + 1]!;
    const alphaT = this.alphas[t]!;
    const alphaPrev = this.alphaAt(prevT);
    const [cSkip, cOut] = this.boundary(t);
    const fresh = last ? undefined : noise();
    const prevSample = new Float32Array(sample.length);
    const predOriginal = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      let [x0] = predictVp(this.config.predictionType, modelOutput[i]!, sample[i]!, alphaT);
      if (this.config.clipSample) x0 = Math.min(this.config.clipSampleRange, Math.max(-this.config.clipSampleRange, x0));
      const denoised = cOut * x0 + cSkip * sample[i]!;
      predOriginal[i] = denoised;
      prevSample[i] = fresh ? Math.sqrt(alphaPrev) * denoised + Math.sqrt(1 - alphaPrev) * fresh[i]! : denoised;
    }
    return { prevSample, predOriginal };
  }
}
