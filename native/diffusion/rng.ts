/**
 * The seeded random source of generation: the same seed gives the same noise on every run, OS and CPU.
 *
 * - Uniforms: xoshiro128** (Blackman & Vigna, https://prng.di.unimi.it/), 32-bit state words updated with
 *   Math.imul and shifts only, so integer results are exact everywhere. Its 128-bit state is filled from the
 *   seed with SplitMix32 (the seeding the xoshiro authors recommend), so nearby seeds give unrelated streams.
 * - Normals: Box–Muller on two uniforms, both results used. Math.log/cos/sin in V8 (Node and Electron) are
 *   fdlibm ports, not the C library, so they return the same bits on every platform.
 *
 * Seeds are integers 0 … 2^53−1; the high and low 32-bit halves are both mixed in.
 */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

function splitMix32(state: { x: number }): number {
  state.x = (state.x + 0x9e3779b9) | 0;
  let z = state.x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

export class SeededRandom {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`a seed is an integer from 0 to ${MAX_SEED}, not ${seed}`);
    const low = seed >>> 0;
    const high = Math.floor(seed / 0x1_0000_0000) >>> 0;
    const state = { x: low ^ Math.imul(high, 0x27d4eb2d) };
    this.s0 = splitMix32(state);
    this.s1 = splitMix32(state);
    this.s2 = splitMix32(state);
    this.s3 = splitMix32(state);
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** A generator at an exact xoshiro128** state (for checking the algorithm against its reference outputs). */
  static fromState(state: readonly [number, number, number, number]): SeededRandom {
    const rng = new SeededRandom(0);
    [rng.s0, rng.s1, rng.s2, rng.s3] = state.map((x) => x | 0) as [number, number, number, number];
    return rng;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  uniform(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** A standard normal sample (mean 0, variance 1). */
  normal(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    // u1 in (0, 1] so the log is finite.
    const u1 = (this.nextUint32() + 1) / 0x1_0000_0000;
    const u2 = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    const angle = 2 * Math.PI * u2;
    this.spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** `length` standard normal samples as float32 (the latent noise of one image). */
  normals(length: number): Float32Array {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = this.normal();
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** A random seed for "no seed given" (recorded with the output like any other). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}
