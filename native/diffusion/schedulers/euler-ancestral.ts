import { predictOriginalVe, type NoiseSource, type SchedulerName, type StepResult } from './scheduler';
import { EulerScheduler } from './euler';

/**
 * Euler ancestral (k-diffusion's sample_euler_ancestral, η = 1): each step goes down to σ_down with Euler, then
 * adds fresh noise of σ_up, where σ_up = √(σ_to² (σ_from² − σ_to²) / σ_from²) and σ_down = √(σ_to² − σ_up²).
 * Same σ schedule as Euler.
 */
export class EulerAncestralScheduler extends EulerScheduler {
  override readonly name: SchedulerName = 'euler-a';

  override step(modelOutput: Float32Array, index: number, sample: Float32Array, noise: NoiseSource): StepResult {
    const sigmaFrom = this.sigmas[index]!;
    const sigmaTo = this.sigmas[index + 1]!;
    const sigmaUp = Math.sqrt((sigmaTo ** 2 * (sigmaFrom ** 2 - sigmaTo ** 2)) / sigmaFrom ** 2);
    const sigmaDown = Math.sqrt(sigmaTo ** 2 - sigmaUp ** 2);
    const dt = sigmaDown - sigmaFrom;
    const fresh = sigmaUp > 0 ? noise() : undefined;
    const prevSample = new Float32Array(sample.length);
    const predOriginal = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const x0 = predictOriginalVe(this.config.predictionType, modelOutput[i]!, sample[i]!, sigmaFrom);
      predOriginal[i] = x0;
      prevSample[i] = sample[i]! + ((sample[i]! - x0) / sigmaFrom) * dt + (fresh ? fresh[i]! * sigmaUp : 0);
    }
    return { prevSample, predOriginal };
  }
}
