import type { ProviderName } from '../api/schemas';
import { buildOnnxModel } from './onnx-builder';
import { indexOnnxModel } from './onnx-weights';
import { openSession, Tensor } from './session';

/**
 * Operators some models need and some execution providers lack. LivePortrait's warping module samples its
 * 3-D feature volume with a 5-D `GridSample` (ONNX opset 20 defines it for N-D input; older exports used a
 * TensorRT plugin). A provider that cannot run it either refuses the model or runs it wrongly, so each
 * provider is tried once with a small model and checked against a reference computed here.
 */

export interface OperatorCheck {
  operator: string;
  provider: ProviderName;
  ok: boolean;
  /** Why not: the provider's own error, or how far its result was from the reference. */
  reason?: string;
  /** Largest difference from the reference (when it ran). */
  maxError?: number;
}

const X_DIMS: readonly number[] = [1, 2, 3, 4, 5]; // N, C, D, H, W
const GRID_DIMS: readonly number[] = [1, 2, 3, 4, 3]; // N, D', H', W', (x, y, z)

/** Y = GridSample(X, grid), trilinear, zeros outside, align_corners = 0 (LivePortrait's settings). */
export function gridSample5dModel(opset = 20): Uint8Array {
  return buildOnnxModel({
    name: 'gridsample-5d-check',
    opset,
    inputs: [
      { name: 'x', type: 'float', shape: [...X_DIMS] },
      { name: 'grid', type: 'float', shape: [...GRID_DIMS] },
    ],
    outputs: [{ name: 'y', type: 'float', shape: [X_DIMS[0]!, X_DIMS[1]!, GRID_DIMS[1]!, GRID_DIMS[2]!, GRID_DIMS[3]!] }],
    nodes: [
      {
        op: 'GridSample',
        inputs: ['x', 'grid'],
        outputs: ['y'],
        attributes: { mode: opset >= 20 ? 'linear' : 'bilinear', padding_mode: 'zeros', align_corners: 0 },
      },
    ],
  });
}

/** The reference: trilinear sampling of x [N, C, D, H, W] at grid [N, D', H', W', 3] (x → W, y → H, z → D). */
export function gridSample5dReference(x: Float32Array, xDims: readonly number[], grid: Float32Array, gridDims: readonly number[]): Float32Array {
  const [n, c, d, h, w] = xDims as [number, number, number, number, number];
  const [, od, oh, ow] = gridDims as [number, number, number, number, number];
  const out = new Float32Array(n * c * od * oh * ow);
  const at = (b: number, ch: number, z: number, y: number, xx: number) =>
    z < 0 || y < 0 || xx < 0 || z >= d || y >= h || xx >= w ? 0 : x[(((b * c + ch) * d + z) * h + y) * w + xx]!;
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < od; k++) {
      for (let i = 0; i < oh; i++) {
        for (let j = 0; j < ow; j++) {
          const g = (((b * od + k) * oh + i) * ow + j) * 3;
          const ix = ((grid[g]! + 1) * w - 1) / 2;
          const iy = ((grid[g + 1]! + 1) * h - 1) / 2;
          const iz = ((grid[g + 2]! + 1) * d - 1) / 2;
          const x0 = Math.floor(ix);
          const y0 = Math.floor(iy);
          const z0 = Math.floor(iz);
          const fx = ix - x0;
          const fy = iy - y0;
          const fz = iz - z0;
          for (let ch = 0; ch < c; ch++) {
            let v = 0;
            for (let dz = 0; dz < 2; dz++)
              for (let dy = 0; dy < 2; dy++)
                for (let dx = 0; dx < 2; dx++) {
                  const weight = (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy) * (dz ? fz : 1 - fz);
                  if (weight) v += weight * at(b, ch, z0 + dz, y0 + dy, x0 + dx);
                }
            out[(((b * c + ch) * od + k) * oh + i) * ow + j] = v;
          }
        }
      }
    }
  }
  return out;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const cache = new Map<ProviderName, Promise<OperatorCheck>>();

/** Whether `provider` runs a 5-D GridSample correctly (checked once per process). */
export function checkGridSample5d(provider: ProviderName): Promise<OperatorCheck> {
  let check = cache.get(provider);
  if (!check) {
    check = runGridSampleCheck(provider);
    cache.set(provider, check);
  }
  return check;
}

async function runGridSampleCheck(provider: ProviderName): Promise<OperatorCheck> {
  const result = { operator: 'GridSample (5-D)', provider };
  const random = seeded(20);
  const x = Float32Array.from({ length: X_DIMS.reduce((a, b) => a * b) }, () => random() * 2 - 1);
  // Mostly inside the volume, some samples past its edge (zeros padding).
  const grid = Float32Array.from({ length: GRID_DIMS.reduce((a, b) => a * b) }, () => random() * 2.4 - 1.2);
  let session;
  try {
    session = await openSession(gridSample5dModel(), { model: '5-D GridSample check', provider });
  } catch (error) {
    return { ...result, ok: false, reason: (error as Error).message };
  }
  try {
    if (session.provider !== provider) return { ...result, ok: false, reason: session.fallbacks[0]?.reason ?? `${provider} is not available` };
    const { y } = await session.run({ x: new Tensor('float32', x, [...X_DIMS]), grid: new Tensor('float32', grid, [...GRID_DIMS]) });
    const expected = gridSample5dReference(x, X_DIMS, grid, GRID_DIMS);
    const actual = y!.data as Float32Array;
    let maxError = 0;
    for (let i = 0; i < expected.length; i++) {
      const difference = Math.abs((actual[i] ?? NaN) - expected[i]!);
      maxError = Math.max(maxError, Number.isNaN(difference) ? Infinity : difference);
    }
    if (actual.length !== expected.length || maxError > 1e-3) {
      return { ...result, ok: false, maxError, reason: `wrong result (off by up to ${maxError.toPrecision(3)})` };
    }
    return { ...result, ok: true, maxError };
  } catch (error) {
    return { ...result, ok: false, reason: String((error as Error).message ?? error).split('\n')[0] };
  } finally {
    await session.release();
  }
}

/** Operators outside the standard ONNX and onnxruntime domains (TensorRT plugins and the like), by name. */
export function customOperators(modelBytes: Uint8Array, model: string): string[] {
  const known = new Set(['', 'ai.onnx', 'ai.onnx.ml', 'com.microsoft']);
  const ops = indexOnnxModel(modelBytes, model)
    .nodes.filter((n) => !known.has(n.domain))
    .map((n) => `${n.domain}::${n.opType}`);
  return [...new Set(ops)];
}
