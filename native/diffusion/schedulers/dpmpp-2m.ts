import { type SchedulerConfig } from './config';
import { alphasCumprod, interpolate, karrasSigmas, roundHalfEven, sigmasFromAlphas, sigmaToTimestep, spacedTimesteps } from './noise-schedule';
import { checkSteps, keepForStrength, type NoiseSource, type Scheduler, type SchedulerName, type StepResult } from './scheduler';

/**
 * DPM-Solver++(2M) (Lu et al. 2022, Algorithm 2, "midpoint" form) in data prediction. With α_t = 1/√(σ²+1),
 * s_t = σ α_t, λ = log α − log s and h = λ_next − λ_current:
 *   1st order:  x_next = (s_next/s_cur) x − α_next (e^{−h} − 1) D0
 *   2nd order:  … − ½ α_next (e^{−h} − 1) D1,  D0 = x̂₀(cur), D1 = (x̂₀(cur) − x̂₀(prev)) / r,  r = h_prev / h.
 * The first step and the last (σ = 0, "final_sigmas_type: zero") are first order. Karras σ optional.
 */
export class DpmPlusPlus2mScheduler implements Scheduler {
  readonly name: SchedulerName;
  timesteps: number[] = [];
  sigmas: number[] = [];
  readonly initNoiseSigma = 1;
  private readonly trainSigmas: number[];
  private readonly karras: boolean;
  private previousX0: Float32Array | undefined;
  private stepsTaken = 0;

  constructor(
    readonly config: SchedulerConfig,
    options: { karras?: boolean } = {},
  ) {
    this.trainSigmas = sigmasFromAlphas(alphasCumprod(config));
    this.karras = options.karras ?? config.useKarrasSigmas;
    this.name = this.karras ? 'dpmpp-2m-karras' : 'dpmpp-2m';
  }

  setTimesteps(steps: number, strength = 1): void {
    checkSteps(steps, strength);
    const n = this.config.numTrainTimesteps;
    const spacing = this.config.timestepSpacing ?? 'linspace';
    let timesteps: number[];
    if (spacing === 'linspace') {
      // steps + 1 points from 0 to N−1, rounded, high to low, without the last (0).
      timesteps = Array.from({ length: steps + 1 }, (_, i) => roundHalfEven(((n - 1) * i) / steps))
        .reverse()
        .slice(0, steps);
    } else if (spacing === 'leading') {
      const ratio = Math.floor(n / (steps + 1));
      timesteps = Array.from({ length: steps }, (_, i) => (steps - i) * ratio + this.config.stepsOffset);
    } else timesteps = spacedTimesteps(this.config, 'trailing', steps, true); // linspace and leading above differ: steps + 1 points
    let sigmas: number[];
    if (this.karras) {
      // Karras σ over the whole trained range; timesteps are the nearest (rounded) training steps of those σ.
      sigmas = karrasSigmas(this.trainSigmas[0]!, this.trainSigmas.at(-1)!, steps);
      const logSigmas = this.trainSigmas.map(Math.log);
      timesteps = sigmas.map((s) => roundHalfEven(sigmaToTimestep(s, logSigmas)));
    } else sigmas = timesteps.map((t) => interpolate(t, this.trainSigmas));
    const kept = keepForStrength(timesteps, sigmas, steps, strength);
    this.timesteps = kept.timesteps;
    this.sigmas = kept.sigmas;
    this.previousX0 = undefined;
    this.stepsTaken = 0;
  }

  scaleModelInput(sample: Float32Array): Float32Array {
    return sample;
  }

  step(modelOutput: Float32Array, index: number, sample: Float32Array, _noise: NoiseSource): StepResult {
    const [alphaCur, sCur] = alphaSigma(this.sigmas[index]!);
    const [alphaNext, sNext] = alphaSigma(this.sigmas[index + 1]!);
    const lambdaCur = Math.log(alphaCur) - Math.log(sCur);
    const lambdaNext = Math.log(alphaNext) - Math.log(sNext); // +∞ at σ = 0: e^{−h} = 0, x_next = x̂₀
    const h = lambdaNext - lambdaCur;
    const decay = Math.exp(-h) - 1;
    const ratio = sCur > 0 ? sNext / sCur : 0;

    const x0 = new Float32Array(sample.length);
    for (let i = 0; i < sample.length; i++) {
      const out = modelOutput[i]!;
      const x = sample[i]!;
      x0[i] =
        this.config.predictionType === 'epsilon'
          ? (x - sCur * out) / alphaCur
          : this.config.predictionType === 'v_prediction'
            ? alphaCur * x - sCur * out
            : out;
    }

    const last = index === this.timesteps.length - 1;
    const secondOrder = this.previousX0 !== undefined && this.stepsTaken >= 1 && !last;
    const prevSample = new Float32Array(sample.length);
    if (secondOrder) {
      const [alphaPrev, sPrev] = alphaSigma(this.sigmas[index - 1]!);
      const hPrev = lambdaCur - (Math.log(alphaPrev) - Math.log(sPrev));
      const r = hPrev / h;
      const previous = this.previousX0!;
      for (let i = 0; i < sample.length; i++) {
        const d1 = (x0[i]! - previous[i]!) / r;
        prevSample[i] = ratio * sample[i]! - alphaNext * decay * x0[i]! - 0.5 * alphaNext * decay * d1;
      }
    } else {
      for (let i = 0; i < sample.length; i++) prevSample[i] = ratio * sample[i]! - alphaNext * decay * x0[i]!;
    }
    this.previousX0 = x0;
    this.stepsTaken++;
    return { prevSample, predOriginal: x0 };
  }

  addNoise(original: Float32Array, noise: Float32Array, index: number): Float32Array {
    const [alpha, s] = alphaSigma(this.sigmas[index]!);
    return original.map((x, i) => alpha * x + s * noise[i]!);
  }
}

/** (α_t, s_t) of the variance-preserving process at noise level σ. */
function alphaSigma(sigma: number): [number, number] {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  return [alpha, sigma * alpha];
}
