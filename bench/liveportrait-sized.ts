import { buildOnnxModel, type NodeSpec, type TensorSpec } from '../native/inference/onnx-builder';

/**
 * A LivePortrait generator of the real input and output sizes (feature volume [1, 32, 16, 64, 64], keypoints
 * [1, 21, 3] → face [1, 3, 512, 512]) with random weights: it samples the whole volume with a 5-D GridSample as the
 * warping module does, then decodes 64² → 512² with the channel widths of the SPADE decoder's upsampling path
 * (512 → 256 → 128 → 64 → 3, 3×3 convolutions). About 30 GFLOP a frame: an honest stand-in for timing the loop
 * around session.run, not a measurement of the real network (which also has the warping hourglass and SPADE blocks).
 */
export function sizedGeneratorModel(seed = 1): Uint8Array {
  let s = seed >>> 0;
  const random = () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const weights = (name: string, dims: number[], scale: number): TensorSpec => {
    const size = dims.reduce((a, b) => a * b, 1);
    return { name, type: 'float', dims, data: Float32Array.from({ length: size }, () => random() * scale) };
  };
  const [d, h, w] = [16, 64, 64];
  const grid = new Float32Array(d * h * w * 3);
  for (let z = 0; z < d; z++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = ((z * h + y) * w + x) * 3;
        grid.set([((x + 0.5) / w) * 2 - 1, ((y + 0.5) / h) * 2 - 1, ((z + 0.5) / d) * 2 - 1], i);
      }
  const widths = [512, 256, 128, 64, 3];
  const nodes: NodeSpec[] = [
    { op: 'Sub', inputs: ['target', 'source'], outputs: ['motion'] },
    { op: 'ReduceMean', inputs: ['motion', 'axis1'], outputs: ['shift'], attributes: { keepdims: 1 } },
    { op: 'Reshape', inputs: ['shift', 'shiftShape'], outputs: ['shift5'] },
    { op: 'Add', inputs: ['grid', 'shift5'], outputs: ['warpedGrid'] },
    {
      op: 'GridSample',
      inputs: ['feature_volume', 'warpedGrid'],
      outputs: ['warped'],
      attributes: { mode: 'linear', padding_mode: 'zeros', align_corners: 0 },
    },
    { op: 'Reshape', inputs: ['warped', 'flatShape'], outputs: ['x0'] },
  ];
  const initializers: TensorSpec[] = [
    { name: 'axis1', type: 'int64', dims: [1], data: BigInt64Array.from([1n]) },
    { name: 'shiftShape', type: 'int64', dims: [5], data: BigInt64Array.from([1n, 1n, 1n, 1n, 3n]) },
    { name: 'flatShape', type: 'int64', dims: [4], data: BigInt64Array.from([1n, 512n, 64n, 64n]) },
    { name: 'grid', type: 'float', dims: [1, d, h, w, 3], data: grid },
    { name: 'up', type: 'float', dims: [4], data: Float32Array.from([1, 1, 2, 2]) },
  ];
  let x = 'x0';
  for (let i = 0; i < 4; i++) {
    const [cin, cout] = [widths[i]!, widths[i + 1]!];
    initializers.push(weights(`w${i}`, [cout, cin, 3, 3], Math.sqrt(6 / (cin * 9))), weights(`b${i}`, [cout], 0.01));
    const conv = `conv${i}`;
    nodes.push({ op: 'Conv', inputs: [x, `w${i}`, `b${i}`], outputs: [conv], attributes: { pads: [1, 1, 1, 1] } });
    if (i < 3) {
      nodes.push({ op: 'Relu', inputs: [conv], outputs: [`act${i}`] });
      nodes.push({ op: 'Resize', inputs: [`act${i}`, '', 'up'], outputs: [`x${i + 1}`], attributes: { mode: 'nearest' } });
      x = `x${i + 1}`;
    } else nodes.push({ op: 'Sigmoid', inputs: [conv], outputs: ['output'] });
  }
  return buildOnnxModel({
    name: 'sized-liveportrait-generator',
    opset: 20,
    inputs: [
      { name: 'feature_volume', type: 'float', shape: [1, 32, 16, 64, 64] },
      { name: 'source', type: 'float', shape: [1, 21, 3] },
      { name: 'target', type: 'float', shape: [1, 21, 3] },
    ],
    outputs: [{ name: 'output', type: 'float', shape: [1, 3, 512, 512] }],
    nodes,
    initializers,
  });
}
