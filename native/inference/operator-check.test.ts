import { describe, expect, it } from 'vitest';
import { buildOnnxModel } from './onnx-builder';
import { checkGridSample5d, customOperators, gridSample5dReference } from './operator-check';

describe('5-D GridSample check', () => {
  it('the reference samples trilinearly: the centre of a 2×2×2 volume is the mean of its corners', () => {
    const x = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const centre = gridSample5dReference(x, [1, 1, 2, 2, 2], Float32Array.from([0, 0, 0]), [1, 1, 1, 1, 3]);
    expect(centre[0]).toBeCloseTo(3.5);
    // align_corners = 0: the corner (−1, −1, −1) lies half a voxel outside, so it blends with zeros.
    const corner = gridSample5dReference(
      Float32Array.from([8, 1, 2, 3, 4, 5, 6, 7]),
      [1, 1, 2, 2, 2],
      Float32Array.from([-1, -1, -1]),
      [1, 1, 1, 1, 3],
    );
    expect(corner[0]).toBeCloseTo(8 / 8);
    // x → W: a step along x moves along the last axis.
    const along = gridSample5dReference(x, [1, 1, 2, 2, 2], Float32Array.from([-0.5, -0.5, -0.5, 0.5, -0.5, -0.5]), [1, 1, 1, 2, 3]);
    expect(Array.from(along)).toEqual([0, 1]);
  });

  it('onnxruntime-node’s CPU provider runs it and matches the reference', async () => {
    const check = await checkGridSample5d('cpu');
    expect(check).toMatchObject({ operator: 'GridSample (5-D)', provider: 'cpu', ok: true });
    expect(check.maxError).toBeLessThan(1e-5);
  });

  it('reports a provider that cannot run it, with the reason, instead of failing later', async () => {
    // DirectML does not exist on this OS: the check says so rather than throwing.
    const check = await checkGridSample5d('dml');
    expect(check.ok).toBe(false);
    expect(check.reason).toMatch(/\w/);
  });
});

describe('custom operators', () => {
  it('names operators outside the ONNX and onnxruntime domains (a TensorRT grid-sample plugin)', () => {
    const model = buildOnnxModel({
      inputs: [{ name: 'x', type: 'float', shape: [1] }],
      outputs: [{ name: 'y', type: 'float', shape: [1] }],
      nodes: [
        { op: 'Relu', inputs: ['x'], outputs: ['r'] },
        { op: 'GridSample3D', domain: 'custom', inputs: ['r'], outputs: ['y'] },
      ],
    });
    expect(customOperators(model, 'warping module')).toEqual(['custom::GridSample3D']);
  });
});
