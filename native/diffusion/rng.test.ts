import { describe, expect, it } from 'vitest';
import { SeededRandom } from './rng';

describe('seeded random source', () => {
  it('follows xoshiro128** exactly (outputs worked out by hand from the reference algorithm, state {1, 2, 3, 4})', () => {
    // 1st: rotl(2·5, 7)·9 = 11520; the state becomes {7, 0, 1026, 12288}; 2nd: rotl(0)·9 = 0;
    // then {12295, 1029, 1029, 25165824}; 3rd: rotl(1029·5, 7)·9 = 658560·9 = 5927040.
    const rng = SeededRandom.fromState([1, 2, 3, 4]);
    expect([rng.nextUint32(), rng.nextUint32(), rng.nextUint32()]).toEqual([11520, 0, 5927040]);
  });

  it('gives the same stream for the same seed and a different one for another seed', () => {
    const a = new SeededRandom(1234).normals(64);
    const b = new SeededRandom(1234).normals(64);
    const c = new SeededRandom(1235).normals(64);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(c.buffer))).toBe(false);
    // Seeds above 2^32 use their high bits too.
    expect(new SeededRandom(2 ** 32 + 5).nextUint32()).not.toBe(new SeededRandom(5).nextUint32());
  });

  it('draws standard normals (mean 0, variance 1) and uniforms in [0, 1)', () => {
    const rng = new SeededRandom(7);
    const n = 200_000;
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      sum += x;
      squares += x * x;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.01);
    expect(Math.abs(squares / n - 1)).toBeLessThan(0.01);
    for (let i = 0; i < 1000; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
    }
  });

  it('refuses seeds that are not whole numbers in range', () => {
    expect(() => new SeededRandom(-1)).toThrow(/seed/);
    expect(() => new SeededRandom(1.5)).toThrow(/seed/);
  });
});
