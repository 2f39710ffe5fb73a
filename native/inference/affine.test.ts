import { describe, expect, it } from 'vitest';
import {
  applyAffine,
  boxShrink,
  composeAffine,
  estimateSimilarity,
  invertAffine,
  transformedBounds,
  warpAffine,
  type Affine,
  type Border,
  type Point2,
  type Raster,
} from './affine';

const similarity = (scale: number, degrees: number, tx: number, ty: number): Affine => {
  const r = (degrees * Math.PI) / 180;
  const a = scale * Math.cos(r);
  const b = scale * Math.sin(r);
  return [a, -b, tx, b, a, ty];
};

describe('affine transforms', () => {
  it('recovers a rotation, scale and shift from five landmarks', () => {
    const truth = similarity(1.7, 23, 40, -12);
    const from: Point2[] = [
      { x: 10, y: 20 },
      { x: 50, y: 22 },
      { x: 31, y: 45 },
      { x: 15, y: 66 },
      { x: 48, y: 64 },
    ];
    const found = estimateSimilarity(
      from,
      from.map((p) => applyAffine(truth, p)),
    );
    found.forEach((v, i) => expect(v).toBeCloseTo(truth[i]!, 9));
  });

  it('fits noisy points in the least-squares sense (the residual is no larger than the truth’s)', () => {
    const truth = similarity(0.5, -10, 3, 4);
    const from: Point2[] = Array.from({ length: 5 }, (_, i) => ({ x: i * 13, y: (i * 7) % 11 }));
    const noise = [0.3, -0.2, 0.1, 0.4, -0.5];
    const to = from.map((p, i) => {
      const q = applyAffine(truth, p);
      return { x: q.x + noise[i]!, y: q.y - noise[(i + 1) % 5]! };
    });
    const residual = (m: Affine) => from.reduce((s, p, i) => s + (applyAffine(m, p).x - to[i]!.x) ** 2 + (applyAffine(m, p).y - to[i]!.y) ** 2, 0);
    expect(residual(estimateSimilarity(from, to))).toBeLessThanOrEqual(residual(truth));
  });

  it('inverts and composes', () => {
    const m = similarity(2, 30, 5, 7);
    const back = composeAffine(invertAffine(m), m);
    [1, 0, 0, 0, 1, 0].forEach((v, i) => expect(back[i]).toBeCloseTo(v, 12));
    const p = applyAffine(composeAffine(similarity(1, 0, 1, 2), m), { x: 3, y: 4 });
    const q = applyAffine(m, { x: 3, y: 4 });
    expect(p).toEqual({ x: q.x + 1, y: q.y + 2 });
  });
});

function gradient(width: number, height: number): Raster<Uint8Array> {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      data[(y * width + x) * 3] = x * 10;
      data[(y * width + x) * 3 + 1] = y * 10;
      data[(y * width + x) * 3 + 2] = 200;
    }
  return { data, width, height, channels: 3 };
}

describe('warpAffine', () => {
  it('moves pixels by a translation exactly', () => {
    const src = gradient(8, 6);
    const out = warpAffine(src, [1, 0, 2, 0, 1, 1], 8, 6, { border: { mode: 'constant', value: 0 } });
    // destination (x, y) reads source (x − 2, y − 1)
    expect([...out.data.subarray((3 * 8 + 5) * 3, (3 * 8 + 5) * 3 + 3)]).toEqual([30, 20, 200]);
    expect([...out.data.subarray(0, 3)]).toEqual([0, 0, 0]);
  });

  it('interpolates half pixels bilinearly and replicates or mirrors the border', () => {
    const src = gradient(4, 4);
    const half = warpAffine(src, [1, 0, -0.5, 0, 1, 0], 4, 4);
    expect(half.data[0]).toBe(5); // between x = 0 (0) and x = 1 (10)
    const replicated = warpAffine(src, [1, 0, 2, 0, 1, 0], 4, 4, { border: { mode: 'replicate' } });
    expect(replicated.data[0]).toBe(0);
    const mirrored = warpAffine(src, [1, 0, 2, 0, 1, 0], 4, 4, { border: { mode: 'reflect' } });
    expect(mirrored.data[0]).toBe(20); // x = −2 mirrors to x = 2
  });

  it('averages when shrinking a lot instead of picking every nth pixel', () => {
    // A 1-pixel checkerboard shrunk 4×: point sampling would give pure black or white, averaging gives grey.
    const size = 32;
    const data = new Float32Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = (x + y) % 2;
    const out = warpAffine({ data, width: size, height: size, channels: 1 }, [0.25, 0, 0, 0, 0.25, 0], 8, 8);
    for (const v of out.data.subarray(9, 15)) expect(v).toBeCloseTo(0.5, 1);
  });

  it('shrinking averages only the blocks it reads, with the same result as averaging the whole raster', () => {
    // A 4 MP photo and a 150-px face cost the photo's size before: the same pixels come out now.
    const width = 997;
    const height = 611;
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 255;
    const bytes: Raster<Uint8Array> = { data: Uint8Array.from({ length: width * height * 3 }, random), width, height, channels: 3 };
    const floats: Raster<Float32Array> = { data: Float32Array.from(bytes.data, (v) => v / 255), width, height, channels: 3 };
    const cases: [Affine, number, number, Parameters<typeof warpAffine>[4]][] = [
      [similarity(1 / 3.2, 12, -100, -40), 150, 150, {}],
      [similarity(1 / 5.5, -30, 20, 60), 112, 112, { border: { mode: 'reflect' } }],
      [similarity(1 / 9, 5, -60, -20), 64, 64, { border: { mode: 'constant', value: 0 } }],
      // Reaching past the photo's edges, and wholly outside it.
      [similarity(1 / 2.5, 0, 150, 120), 400, 300, {}],
      [similarity(1 / 4, 0, 900, 900), 50, 50, { border: { mode: 'constant', value: [1, 2, 3] } }],
    ];
    for (const [m, w, h, options] of cases) {
      const block = Math.min(8, Math.floor(1 / Math.hypot(m[0], m[3])));
      const scale: Affine = [block, 0, (block - 1) / 2, 0, block, (block - 1) / 2];
      for (const source of [bytes, floats] as Raster[]) {
        const whole = warpAffine(boxShrink(source, block), composeAffine(m, scale), w, h, { ...options, supersample: 1 });
        expect(Array.from(warpAffine(source, m, w, h, options).data)).toEqual(Array.from(whole.data));
      }
    }
  });

  it('8-bit RGB: block means and border taps are the plain arithmetic (the fast paths for photos)', () => {
    // A ragged raster (neither side a multiple of a block), shrunk whole and by a region, and warped past every edge.
    const width = 203;
    const height = 151;
    let seed = 11;
    const random = () => Math.floor(((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 256);
    const bytes: Raster<Uint8Array> = { data: Uint8Array.from({ length: width * height * 3 }, random), width, height, channels: 3 };
    const at = (x: number, y: number, c: number) => bytes.data[(y * width + x) * 3 + c]!;
    for (const k of [2, 3, 5]) {
      for (const region of [
        { x: 0, y: 0, width, height },
        { x: 17, y: 9, width: 101, height: 77 },
      ]) {
        const out = boxShrink(bytes, k, region);
        expect([out.width, out.height]).toEqual([Math.ceil(region.width / k), Math.ceil(region.height / k)]);
        const expected = new Uint8Array(out.data.length);
        for (let by = 0; by < out.height; by++) {
          for (let bx = 0; bx < out.width; bx++) {
            for (let c = 0; c < 3; c++) {
              let sum = 0;
              let n = 0;
              for (let y = by * k; y < Math.min(region.height, (by + 1) * k); y++)
                for (let x = bx * k; x < Math.min(region.width, (bx + 1) * k); x++, n++) sum += at(region.x + x, region.y + y, c);
              expected[(by * out.width + bx) * 3 + c] = Math.round(sum / n);
            }
          }
        }
        expect(Array.from(out.data)).toEqual(Array.from(expected));
      }
    }
    const reflect = (i: number, size: number) => {
      const period = 2 * (size - 1);
      const r = ((i % period) + period) % period;
      return r >= size ? period - r : r;
    };
    const fill = [7, 130, 250];
    const rules = {
      replicate: (i: number, size: number) => Math.min(size - 1, Math.max(0, i)),
      reflect,
      constant: (i: number, size: number) => (i < 0 || i >= size ? -1 : i),
    };
    // Enlarged 1.4× and turned 20°, reaching well past the raster on every side.
    const m = similarity(1.4, 20, 60, -40);
    const inv = invertAffine(m);
    for (const [mode, rule] of Object.entries(rules)) {
      const border = (mode === 'constant' ? { mode, value: fill } : { mode }) as Border;
      const out = warpAffine(bytes, m, 360, 300, { border });
      let off = 0;
      let worst = 0;
      let edge = 0;
      for (let y = 0; y < 300; y++) {
        for (let x = 0; x < 360; x++) {
          const p = applyAffine(inv, { x, y });
          const x0 = Math.floor(p.x);
          const y0 = Math.floor(p.y);
          const fx = p.x - x0;
          const fy = p.y - y0;
          if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) edge++;
          for (let c = 0; c < 3; c++) {
            const tap = (tx: number, ty: number) => {
              const ix = rule(tx, width);
              const iy = rule(ty, height);
              return ix < 0 || iy < 0 ? fill[c]! : at(ix, iy, c);
            };
            const v =
              (1 - fx) * (1 - fy) * tap(x0, y0) + fx * (1 - fy) * tap(x0 + 1, y0) + (1 - fx) * fy * tap(x0, y0 + 1) + fx * fy * tap(x0 + 1, y0 + 1);
            const d = Math.abs(out.data[(y * 360 + x) * 3 + c]! - Math.round(v));
            worst = Math.max(worst, d);
            if (d) off++;
          }
        }
      }
      expect(edge).toBeGreaterThan(360 * 300 * 0.3);
      // The inner pixels step the point along a row: a last-bit difference can flip a rounding at .5.
      expect({ mode, worst, rare: off < 20 }).toEqual({ mode, worst: off ? 1 : 0, rare: true });
    }
  });

  it('bounds the area a crop covers once mapped back into a photo', () => {
    const m = similarity(0.5, 90, 100, 50);
    const box = transformedBounds(m, 100, 100, { width: 1000, height: 1000 });
    expect(box).toEqual({ x: 50, y: 50, width: 50, height: 50 });
  });
});
