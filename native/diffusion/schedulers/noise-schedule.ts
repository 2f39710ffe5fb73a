import type { SchedulerConfig, TimestepSpacing } from './config';

/**
 * The schedule maths every scheduler shares: the noise schedule of training (betas → ᾱ), the spacing of inference timesteps,
 * and the sigma helpers. Formulas follow the papers and diffusers' documented behaviour (DDPM: Ho et al. 2020;
 * DDIM: Song et al. 2020; k-diffusion sigmas and Karras et al. 2022; DPM-Solver++: Lu et al. 2022; LCM:
 * Luo et al. 2023). Schedules are computed in float64; latents stay float32.
 */
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
