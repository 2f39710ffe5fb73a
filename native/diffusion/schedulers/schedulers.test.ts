import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../rng';
import { createScheduler, interpolate, parseSchedulerConfig, schedulerNames, type Scheduler } from './index';
import { DpmPlusPlus2mScheduler } from './dpmpp-2m';
import { EulerScheduler } from './euler';

// Stable Diffusion's training schedule (scheduler_config.json of SD 1.x/2.x/XL): scaled_linear 0.00085 → 0.012.
const sd15 = { beta_start: 0.00085, beta_end: 0.012, beta_schedule: 'scaled_linear', num_train_timesteps: 1000, steps_offset: 1 };

/** ᾱ_t computed here from the definition, independently of the schedulers' code. */
function referenceAlphas(): number[] {
  const a = Math.sqrt(0.00085);
  const b = Math.sqrt(0.012);
  const out: number[] = [];
  let product = 1;
  for (let t = 0; t < 1000; t++) {
    const beta = (a + ((b - a) * t) / 999) ** 2;
    product *= 1 - beta;
    out.push(product);
  }
  return out;
}
const alphas = referenceAlphas();
const sigmaAt = (t: number) => Math.sqrt((1 - alphas[t]!) / alphas[t]!);

function closeArrays(actual: readonly number[], expected: readonly number[], digits = 4) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((value, i) => expect(value, `index ${i}`).toBeCloseTo(expected[i]!, digits));
}

const x = Float32Array.from([0.5, -1.25, 2, 0.1]);
const out = Float32Array.from([0.3, 0.7, -0.2, 1.1]);
const noNoise = () => {
  throw new Error('this scheduler must not draw noise here');
};

describe('the training schedule', () => {
  it('has SD’s published σ range: σ_max ≈ 14.6146 at t = 999, σ_min ≈ 0.0292 at t = 0', () => {
    const euler = new EulerScheduler(parseSchedulerConfig(sd15));
    euler.setTimesteps(10);
    expect(euler.sigmas[0]).toBeCloseTo(14.6146, 3);
    expect(sigmaAt(999)).toBeCloseTo(14.6146, 3);
    expect(sigmaAt(0)).toBeCloseTo(0.0292, 4);
  });
});

describe('Euler', () => {
  it('spaces linspace timesteps over 999 … 0 with σ from the training schedule and starts at σ_max', () => {
    const euler = new EulerScheduler(parseSchedulerConfig(sd15));
    euler.setTimesteps(10);
    closeArrays(euler.timesteps, [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    closeArrays(euler.sigmas, [...euler.timesteps.map((t) => sigmaAt(t)), 0]);
    expect(euler.initNoiseSigma).toBeCloseTo(sigmaAt(999), 4);
  });

  it('uses leading (+ steps_offset) and trailing spacing from the config, and √(σ²+1) initial noise for leading', () => {
    const leading = createScheduler('euler', { ...sd15, timestep_spacing: 'leading' }) as EulerScheduler;
    leading.setTimesteps(10);
    closeArrays(leading.timesteps, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    expect(leading.initNoiseSigma).toBeCloseTo(Math.sqrt(sigmaAt(901) ** 2 + 1), 4);
    const trailing = createScheduler('euler', { ...sd15, timestep_spacing: 'trailing' });
    trailing.setTimesteps(4);
    closeArrays(trailing.timesteps, [999, 749, 499, 249]); // SD-Turbo's 4-step schedule
    trailing.setTimesteps(1);
    closeArrays(trailing.timesteps, [999]);
  });

  it('takes one step x + (σ₁ − σ₀)(x − x̂₀)/σ₀ with x̂₀ = x − σ₀ε, scales the input by 1/√(σ²+1)', () => {
    const euler = new EulerScheduler(parseSchedulerConfig(sd15));
    euler.setTimesteps(10);
    const [s0, s1] = [sigmaAt(999), sigmaAt(888)];
    const { prevSample, predOriginal } = euler.step(out, 0, x, noNoise);
    closeArrays(
      [...predOriginal],
      [...x].map((v, i) => v - s0 * out[i]!),
    );
    closeArrays(
      [...prevSample],
      [...x].map((v, i) => v + (s1 - s0) * out[i]!),
    );
    closeArrays(
      [...euler.scaleModelInput(x, 0)],
      [...x].map((v) => v / Math.sqrt(s0 * s0 + 1)),
    );
  });

  it('reads v-prediction: x̂₀ = −σ/√(σ²+1)·v + x/(σ²+1)', () => {
    const euler = createScheduler('euler', { ...sd15, prediction_type: 'v_prediction' });
    euler.setTimesteps(10);
    const s0 = sigmaAt(999);
    const { predOriginal } = euler.step(out, 0, x, noNoise);
    closeArrays(
      [...predOriginal],
      [...x].map((v, i) => (out[i]! * -s0) / Math.sqrt(s0 * s0 + 1) + v / (s0 * s0 + 1)),
    );
  });

  it('uses Karras σ between the planned σ_min and σ_max with timesteps interpolated in log σ', () => {
    const euler = createScheduler('euler', { ...sd15, use_karras_sigmas: true }) as EulerScheduler;
    euler.setTimesteps(5);
    const [lo, hi] = [sigmaAt(0), sigmaAt(999)];
    const expected = [0, 0.25, 0.5, 0.75, 1].map((r) => (hi ** (1 / 7) + r * (lo ** (1 / 7) - hi ** (1 / 7))) ** 7);
    closeArrays(euler.sigmas, [...expected, 0]);
    expect(euler.timesteps[0]).toBeCloseTo(999, 3);
    expect(euler.timesteps[4]).toBeCloseTo(0, 3);
    // A middle timestep maps back to its σ.
    const trainSigmas = alphas.map((_, t) => sigmaAt(t));
    expect(Math.log(interpolate(euler.timesteps[2]!, trainSigmas))).toBeCloseTo(Math.log(expected[2]!), 2);
  });
});

describe('Euler ancestral', () => {
  it('steps to σ_down and adds σ_up of fresh noise', () => {
    const scheduler = createScheduler('euler-a', sd15);
    scheduler.setTimesteps(10);
    const [from, to] = [sigmaAt(999), sigmaAt(888)];
    const up = Math.sqrt((to * to * (from * from - to * to)) / (from * from));
    const down = Math.sqrt(to * to - up * up);
    const fresh = Float32Array.from([1, -1, 0.5, 2]);
    const { prevSample } = scheduler.step(out, 0, x, () => fresh);
    closeArrays(
      [...prevSample],
      [...x].map((v, i) => v + out[i]! * (down - from) + fresh[i]! * up),
    );
  });
});

describe('DDIM', () => {
  it('uses leading spacing with steps_offset and the deterministic η = 0 update', () => {
    const ddim = createScheduler('ddim', { ...sd15, set_alpha_to_one: false });
    ddim.setTimesteps(10);
    closeArrays(ddim.timesteps, [901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    const [a, b] = [alphas[901]!, alphas[801]!];
    const { prevSample, predOriginal } = ddim.step(out, 0, x, noNoise);
    const x0 = [...x].map((v, i) => (v - Math.sqrt(1 - a) * out[i]!) / Math.sqrt(a));
    closeArrays([...predOriginal], x0);
    closeArrays(
      [...prevSample],
      x0.map((v, i) => Math.sqrt(b) * v + Math.sqrt(1 - b) * out[i]!),
    );
    // After the last step (t = 1 → −99) comes ᾱ_0 when set_alpha_to_one is false.
    const last = ddim.step(out, 9, x, noNoise);
    const a1 = alphas[1]!;
    const a0 = alphas[0]!;
    const lastX0 = [...x].map((v, i) => (v - Math.sqrt(1 - a1) * out[i]!) / Math.sqrt(a1));
    closeArrays(
      [...last.prevSample],
      lastX0.map((v, i) => Math.sqrt(a0) * v + Math.sqrt(1 - a0) * out[i]!),
    );
  });

  it('noises clean latents to √ᾱ·x₀ + √(1−ᾱ)·ε for img2img', () => {
    const ddim = createScheduler('ddim', sd15);
    ddim.setTimesteps(10, 0.5);
    closeArrays(ddim.timesteps, [401, 301, 201, 101, 1]);
    const noise = Float32Array.from([1, 2, 3, 4]);
    const a = alphas[401]!;
    closeArrays(
      [...ddim.addNoise(x, noise, 0)],
      [...x].map((v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * noise[i]!),
    );
  });
});

describe('LCM', () => {
  it('picks 999, 759, 499, 259 for 4 steps from the 50-step distillation schedule', () => {
    const lcm = createScheduler('lcm', sd15);
    lcm.setTimesteps(4);
    closeArrays(lcm.timesteps, [999, 759, 499, 259]);
    lcm.setTimesteps(1);
    closeArrays(lcm.timesteps, [999]);
  });

  it('noises clean latents to √ᾱ·x₀ + √(1−ᾱ)·ε for img2img, like DDIM', () => {
    const lcm = createScheduler('lcm', sd15);
    lcm.setTimesteps(4);
    const noise = Float32Array.from([1, 2, 3, 4]);
    const a = alphas[999]!;
    closeArrays(
      [...lcm.addNoise(x, noise, 0)],
      [...x].map((v, i) => Math.sqrt(a) * v + Math.sqrt(1 - a) * noise[i]!),
    );
  });

  it('applies the consistency boundary condition and re-noises to the next timestep', () => {
    const lcm = createScheduler('lcm', sd15);
    lcm.setTimesteps(4);
    const fresh = Float32Array.from([0.2, 0.4, -0.6, 0.8]);
    const { prevSample, predOriginal } = lcm.step(out, 0, x, () => fresh);
    const a = alphas[999]!;
    const next = alphas[759]!;
    const s = 999 * 10;
    const cSkip = 0.25 / (s * s + 0.25);
    const cOut = s / Math.sqrt(s * s + 0.25);
    const denoised = [...x].map((v, i) => cOut * ((v - Math.sqrt(1 - a) * out[i]!) / Math.sqrt(a)) + cSkip * v);
    closeArrays([...predOriginal], denoised);
    closeArrays(
      [...prevSample],
      denoised.map((d, i) => Math.sqrt(next) * d + Math.sqrt(1 - next) * fresh[i]!),
    );
    // The last step returns the denoised latents without new noise.
    const final = lcm.step(out, 3, x, noNoise);
    expect([...final.prevSample]).toEqual([...final.predOriginal]);
  });
});

describe('DPM++ 2M', () => {
  it('rounds linspace timesteps and appends σ = 0', () => {
    const dpm = new DpmPlusPlus2mScheduler(parseSchedulerConfig(sd15));
    dpm.setTimesteps(20);
    closeArrays(dpm.timesteps.slice(0, 3), [999, 949, 899]);
    expect(dpm.timesteps[9]).toBe(549); // 999·11/20 = 549.45, rounded
    expect(dpm.timesteps.at(-1)).toBe(50);
    expect(dpm.sigmas.at(-1)).toBe(0);
  });

  it('uses trailing spacing like the other schedulers and keeps the last steps for img2img', () => {
    const dpm = createScheduler('dpmpp-2m', { ...sd15, timestep_spacing: 'trailing' }) as DpmPlusPlus2mScheduler;
    dpm.setTimesteps(4);
    closeArrays(dpm.timesteps, [999, 749, 499, 249]);
    dpm.setTimesteps(4, 0.5);
    closeArrays(dpm.timesteps, [499, 249]);
    expect(dpm.sigmas).toHaveLength(3);
    expect(dpm.sigmas.at(-1)).toBe(0);
  });

  it('noises clean latents at σ for img2img: α·x₀ + σα·ε with α = 1/√(σ²+1)', () => {
    const dpm = createScheduler('dpmpp-2m', sd15) as DpmPlusPlus2mScheduler;
    dpm.setTimesteps(10, 0.5);
    const noise = Float32Array.from([1, 2, 3, 4]);
    const sigma = dpm.sigmas[0]!;
    const alpha = 1 / Math.sqrt(sigma * sigma + 1);
    closeArrays(
      [...dpm.addNoise(x, noise, 0)],
      [...x].map((v, i) => alpha * v + sigma * alpha * noise[i]!),
    );
  });

  it('uses Karras σ over the full trained range (σ_min 0.0292 … σ_max 14.6146) with rounded timesteps', () => {
    const dpm = createScheduler('dpmpp-2m-karras', sd15) as DpmPlusPlus2mScheduler;
    dpm.setTimesteps(3);
    const [lo, hi] = [sigmaAt(0), sigmaAt(999)];
    closeArrays(dpm.sigmas, [hi, ((hi ** (1 / 7) + lo ** (1 / 7)) / 2) ** 7, lo, 0]);
    expect(dpm.timesteps).toEqual([999, expect.any(Number), 0]);
  });

  it('takes a first-order step, then a second-order (midpoint) step', () => {
    const dpm = createScheduler('dpmpp-2m', sd15) as DpmPlusPlus2mScheduler;
    dpm.setTimesteps(20);
    const as = (sigma: number) => [1 / Math.sqrt(sigma * sigma + 1), sigma / Math.sqrt(sigma * sigma + 1)] as const;
    const lambda = (sigma: number) => Math.log(as(sigma)[0]) - Math.log(as(sigma)[1]);
    const [sg0, sg1, sg2] = dpm.sigmas;
    const first = dpm.step(out, 0, x, noNoise);
    const x0a = [...x].map((v, i) => (v - as(sg0!)[1] * out[i]!) / as(sg0!)[0]);
    const h0 = lambda(sg1!) - lambda(sg0!);
    const expectedFirst = [...x].map((v, i) => (as(sg1!)[1] / as(sg0!)[1]) * v - as(sg1!)[0] * (Math.exp(-h0) - 1) * x0a[i]!);
    closeArrays([...first.prevSample], expectedFirst);

    const out2 = Float32Array.from([-0.1, 0.2, 0.4, -0.3]);
    const second = dpm.step(out2, 1, first.prevSample, noNoise);
    const x0b = [...first.prevSample].map((v, i) => (v - as(sg1!)[1] * out2[i]!) / as(sg1!)[0]);
    const h = lambda(sg2!) - lambda(sg1!);
    const r = h0 / h;
    const expectedSecond = [...first.prevSample].map((v, i) => {
      const d1 = (x0b[i]! - x0a[i]!) / r;
      const decay = Math.exp(-h) - 1;
      return (as(sg2!)[1] / as(sg1!)[1]) * v - as(sg2!)[0] * decay * x0b[i]! - 0.5 * as(sg2!)[0] * decay * d1;
    });
    closeArrays([...second.prevSample], expectedSecond);
  });
});

describe('every scheduler, end to end with an oracle model', () => {
  /** A model that knows the clean latents: it predicts exactly the noise in its input at timestep t. */
  function oracle(target: Float32Array) {
    const trainSigmas = alphas.map((_, t) => sigmaAt(t));
    return (input: Float32Array, t: number): Float32Array => {
      const sigma = interpolate(t, trainSigmas);
      const alpha = 1 / (1 + sigma * sigma);
      return input.map((v, i) => (v - Math.sqrt(alpha) * target[i]!) / Math.sqrt(1 - alpha));
    };
  }

  function sample(scheduler: Scheduler, steps: number, start?: Float32Array, strength = 1): Float32Array {
    const target = Float32Array.from([0.8, -0.4, 0.1, -1.2, 0.5, 0.9]);
    const model = oracle(target);
    const rng = new SeededRandom(42);
    scheduler.setTimesteps(steps, strength);
    let latents = start ? scheduler.addNoise(start, rng.normals(6), 0) : rng.normals(6).map((v) => v * scheduler.initNoiseSigma);
    scheduler.timesteps.forEach((t, i) => {
      const prediction = model(scheduler.scaleModelInput(latents, i), t);
      latents = scheduler.step(prediction, i, latents, () => rng.normals(6)).prevSample;
    });
    closeArrays([...latents], [...target], 3);
    return latents;
  }

  for (const name of schedulerNames) {
    it(`${name} denoises to the target from pure noise and from a noised image`, () => {
      const config = { ...sd15, ...(name === 'euler' || name === 'euler-a' ? { timestep_spacing: 'trailing' } : {}) };
      sample(createScheduler(name, config), name === 'lcm' ? 4 : 12);
      sample(createScheduler(name, config), name === 'lcm' ? 4 : 12, Float32Array.from([0, 0, 0, 0, 0, 0]), 0.6);
    });
  }
});
