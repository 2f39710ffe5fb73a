import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildOnnxModel, type GraphSpec, type NodeSpec, type TensorSpec } from '../../inference/onnx-builder';
import { findModel } from '../../models/registry';

/**
 * Small real ONNX models with the input and output names and shapes of the models the portrait steps run
 * (GFPGAN, RestoreFormer++, CodeFormer, DDColor, DeOldify, Real-ESRGAN, LivePortrait's six parts, EDTalk,
 * Wav2Lip). Each does something simple but visible, so tests can check the pipelines end to end on the CPU
 * provider, and the bench can time the loops around `session.run`.
 */

const f32 = (name: string, dims: number[], values: ArrayLike<number> | number): TensorSpec => {
  const size = dims.reduce((a, b) => a * b, 1);
  const data = typeof values === 'number' ? new Float32Array(size).fill(values) : Float32Array.from(values);
  if (data.length !== size) throw new Error(`${name}: ${data.length} values for dims [${dims.join(', ')}]`);
  return { name, type: 'float', dims, data };
};
const i64 = (name: string, values: number[]): TensorSpec => ({
  name,
  type: 'int64',
  dims: [values.length],
  data: BigInt64Array.from(values.map(BigInt)),
});

/** A face restorer: 512² RGB in [−1, 1] → a slightly brighter, more contrasted face (y = 1.1·x + 0.05, clipped). */
export function faceRestorerModel(options: { weightInput?: boolean } = {}): Uint8Array {
  const nodes: NodeSpec[] = [
    { op: 'Mul', inputs: ['input', 'gain'], outputs: ['scaled'] },
    { op: 'Add', inputs: ['scaled', 'lift'], outputs: ['lifted'] },
  ];
  const initializers = [f32('gain', [1], [1.1]), f32('lift', [1], [0.05]), f32('low', [], [-1]), f32('high', [], [1])];
  if (options.weightInput) {
    // CodeFormer's fidelity weight (float64): lower weight = stronger restoration; here it scales the lift.
    nodes[1] = { op: 'Cast', inputs: ['weight'], outputs: ['w32'], attributes: { to: 1 } };
    nodes.push(
      { op: 'Sub', inputs: ['one', 'w32'], outputs: ['strength'] },
      { op: 'Mul', inputs: ['lift', 'strength'], outputs: ['weightedLift'] },
      { op: 'Add', inputs: ['scaled', 'weightedLift'], outputs: ['lifted'] },
    );
    initializers.push(f32('one', [1], [1]));
  }
  nodes.push({ op: 'Clip', inputs: ['lifted', 'low', 'high'], outputs: ['output'] });
  return buildOnnxModel({
    name: 'tiny-face-restorer',
    inputs: [
      { name: 'input', type: 'float', shape: [1, 3, 512, 512] },
      ...(options.weightInput ? [{ name: 'weight', type: 'double' as const, shape: [1] }] : []),
    ],
    outputs: [{ name: 'output', type: 'float', shape: [1, 3, 512, 512] }],
    nodes,
    initializers,
  });
}

/** DDColor: grey RGB in [0, 1] at any size → ab (a warm, sepia-like tint that grows with lightness). */
export function ddcolorModel(): Uint8Array {
  return buildOnnxModel({
    name: 'tiny-ddcolor',
    inputs: [{ name: 'input', type: 'float', shape: [1, 3, 'height', 'width'] }],
    outputs: [{ name: 'ab', type: 'float', shape: [1, 2, 'height', 'width'] }],
    nodes: [{ op: 'Conv', inputs: ['input', 'w', 'b'], outputs: ['ab'] }],
    initializers: [f32('w', [2, 3, 1, 1], [4, 4, 4, 8, 8, 8]), f32('b', [2], [2, 6])],
  });
}

/** DeOldify: grey RGB in [0, 255] → RGB in [0, 255], warmer (red up, blue down). */
export function deoldifyModel(): Uint8Array {
  return buildOnnxModel({
    name: 'tiny-deoldify',
    inputs: [{ name: 'input', type: 'float', shape: [1, 3, 'height', 'width'] }],
    outputs: [{ name: 'output', type: 'float', shape: [1, 3, 'height', 'width'] }],
    nodes: [{ op: 'Conv', inputs: ['input', 'w', 'b'], outputs: ['output'] }],
    initializers: [f32('w', [3, 3, 1, 1], [0.4, 0.4, 0.3, 0.33, 0.33, 0.33, 0.25, 0.25, 0.25]), f32('b', [3], [8, 0, -6])],
  });
}

/** Real-ESRGAN ×scale: RGB in [0, 1] at any size → `scale` times larger (linear upsampling). */
export function upscalerModel(scale: 2 | 4, fixedSide?: number): Uint8Array {
  return buildOnnxModel({
    name: `tiny-real-esrgan-x${scale}`,
    inputs: [{ name: 'input', type: 'float', shape: fixedSide ? [1, 3, fixedSide, fixedSide] : [1, 3, 'height', 'width'] }],
    outputs: [{ name: 'output', type: 'float', shape: [1, 3, 'outHeight', 'outWidth'] }],
    nodes: [{ op: 'Resize', inputs: ['input', '', 'scales'], outputs: ['output'], attributes: { mode: 'linear' } }],
    initializers: [f32('scales', [4], [1, 1, scale, scale])],
  });
}

// ---------- LivePortrait ----------

/** Appearance feature extractor: 256² RGB in [0, 1] → feature volume [1, 32, 16, 64, 64] (the image, pooled, in every channel group). */
export function featureExtractorModel(): Uint8Array {
  const weights = new Float32Array(512 * 3);
  for (let c = 0; c < 512; c++) weights[c * 3 + (Math.floor(c / 16) % 3)] = 1;
  return buildOnnxModel({
    name: 'tiny-liveportrait-appearance',
    inputs: [{ name: 'input', type: 'float', shape: [1, 3, 256, 256] }],
    outputs: [{ name: 'feature_volume', type: 'float', shape: [1, 32, 16, 64, 64] }],
    nodes: [
      { op: 'AveragePool', inputs: ['input'], outputs: ['pooled'], attributes: { kernel_shape: [4, 4], strides: [4, 4] } },
      { op: 'Conv', inputs: ['pooled', 'w'], outputs: ['flat'] },
      { op: 'Reshape', inputs: ['flat', 'shape'], outputs: ['feature_volume'] },
    ],
    initializers: [f32('w', [512, 3, 1, 1], weights), i64('shape', [1, 32, 16, 64, 64])],
  });
}

/** 21 canonical keypoints spread over the face (x, y in [−0.5, 0.5], z small). */
export const tinyCanonicalKeypoints = Array.from({ length: 21 }, (_, i) => [((i % 5) - 2) / 5, (Math.floor(i / 5) - 2) / 5, (i % 3) * 0.01]).flat();

/**
 * Motion extractor: 256² RGB in [0, 1] → pitch, yaw, roll (degrees), scale, translation, expression and canonical
 * keypoints, in LivePortrait's order. The head pose follows the mean colour (pitch ← red, yaw ← green, roll ← blue,
 * 0.5 → 0°), so a driving video whose colour changes drives a turning head.
 */
export function motionExtractorModel(): Uint8Array {
  return buildOnnxModel({
    name: 'tiny-liveportrait-motion',
    inputs: [{ name: 'input', type: 'float', shape: [1, 3, 256, 256] }],
    outputs: [
      { name: 'pitch', type: 'float', shape: [1, 1] },
      { name: 'yaw', type: 'float', shape: [1, 1] },
      { name: 'roll', type: 'float', shape: [1, 1] },
      { name: 'scale', type: 'float', shape: [1, 1] },
      { name: 'translation', type: 'float', shape: [1, 3] },
      { name: 'expression', type: 'float', shape: [1, 21, 3] },
      { name: 'motion_points', type: 'float', shape: [1, 21, 3] },
    ],
    nodes: [
      { op: 'ReduceMean', inputs: ['input'], outputs: ['mean'], attributes: { axes: [2, 3], keepdims: 0 } },
      { op: 'Sub', inputs: ['mean', 'half'], outputs: ['centred'] },
      { op: 'Mul', inputs: ['centred', 'degrees'], outputs: ['angles'] },
      { op: 'Split', inputs: ['angles'], outputs: ['pitch', 'yaw', 'roll'], attributes: { axis: 1, split: [1, 1, 1] } },
      { op: 'Identity', inputs: ['scaleConst'], outputs: ['scale'] },
      { op: 'Identity', inputs: ['translationConst'], outputs: ['translation'] },
      { op: 'ReduceMean', inputs: ['centred'], outputs: ['brightness'], attributes: { axes: [1], keepdims: 1 } },
      { op: 'Reshape', inputs: ['brightness', 'oneShape'], outputs: ['brightness3'] },
      { op: 'Mul', inputs: ['expressionBasis', 'brightness3'], outputs: ['expression'] },
      { op: 'Identity', inputs: ['kp'], outputs: ['motion_points'] },
    ],
    initializers: [
      f32('half', [1], [0.5]),
      f32('degrees', [1], [60]),
      f32('scaleConst', [1, 1], [1.4]),
      f32('translationConst', [1, 3], [0.01, -0.02, 0]),
      i64('oneShape', [1, 1, 1]),
      f32('expressionBasis', [1, 21, 3], 0.02),
      f32('kp', [1, 21, 3], tinyCanonicalKeypoints),
    ],
    opset: 12,
  });
}

/** Stitching: driving keypoints nudged towards the source's (what keeps the shoulders still). */
export function stitcherModel(): Uint8Array {
  return buildOnnxModel({
    name: 'tiny-liveportrait-stitcher',
    inputs: [
      { name: 'source', type: 'float', shape: [1, 21, 3] },
      { name: 'target', type: 'float', shape: [1, 21, 3] },
    ],
    outputs: [{ name: 'output', type: 'float', shape: [1, 21, 3] }],
    nodes: [
      { op: 'Sub', inputs: ['target', 'source'], outputs: ['towards'] },
      { op: 'Mul', inputs: ['towards', 'pull'], outputs: ['delta'] },
      { op: 'Add', inputs: ['source', 'delta'], outputs: ['output'] },
    ],
    initializers: [f32('pull', [1], [0.05])],
  });
}

/** Eye (66 → 63) or lip (65 → 63) retargeting: keypoint offsets that grow with the wanted openness (the last input). */
export function retargeterModel(inputs: 66 | 65): Uint8Array {
  const weights = new Float32Array(inputs * 63);
  for (let j = 0; j < 63; j++) weights[(inputs - 1) * 63 + j] = j % 3 === 1 ? 0.02 : 0;
  return buildOnnxModel({
    name: inputs === 66 ? 'tiny-liveportrait-eye' : 'tiny-liveportrait-lip',
    inputs: [{ name: 'input', type: 'float', shape: [1, inputs] }],
    outputs: [{ name: 'output', type: 'float', shape: [1, 63] }],
    nodes: [{ op: 'MatMul', inputs: ['input', 'w'], outputs: ['output'] }],
    initializers: [f32('w', [inputs, 63], weights)],
  });
}

/**
 * Warping + SPADE generator: feature volume [1, 32, 16, 64, 64] and the driving ('source') and photo's own ('target')
 * keypoints → a 512² RGB face in [0, 1]. It samples the volume with a 5-D GridSample (opset 20) on a grid shifted by
 * the keypoints' mean movement, so the face moves with the motion.
 */
export function generatorModel(): Uint8Array {
  // One sampled slice through the middle of the volume (a 64×64 grid): real exports sample all 16, but a tiny model
  // only needs to exercise the operator, quickly.
  const [h, w] = [64, 64];
  const grid = new Float32Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      grid[i] = ((x + 0.5) / w) * 2 - 1;
      grid[i + 1] = ((y + 0.5) / h) * 2 - 1;
      grid[i + 2] = 0;
    }
  const mix = new Float32Array(3 * 32);
  for (let c = 0; c < 32; c++) mix[(c % 3) * 32 + c] = 1 / Math.ceil((32 - (c % 3)) / 3);
  const graph: GraphSpec = {
    name: 'tiny-liveportrait-generator',
    opset: 20,
    inputs: [
      { name: 'feature_volume', type: 'float', shape: [1, 32, 16, 64, 64] },
      { name: 'source', type: 'float', shape: [1, 21, 3] },
      { name: 'target', type: 'float', shape: [1, 21, 3] },
    ],
    outputs: [{ name: 'output', type: 'float', shape: [1, 3, 512, 512] }],
    nodes: [
      { op: 'Sub', inputs: ['target', 'source'], outputs: ['motion'] },
      { op: 'ReduceMean', inputs: ['motion', 'axis1'], outputs: ['shift'], attributes: { keepdims: 1 } },
      { op: 'Reshape', inputs: ['shift', 'shiftShape'], outputs: ['shift5'] },
      { op: 'Add', inputs: ['grid', 'shift5'], outputs: ['warpedGrid'] },
      {
        op: 'GridSample',
        inputs: ['feature_volume', 'warpedGrid'],
        outputs: ['warped'],
        attributes: { mode: 'linear', padding_mode: 'border', align_corners: 0 },
      },
      { op: 'Reshape', inputs: ['warped', 'flatShape'], outputs: ['flat'] },
      { op: 'Conv', inputs: ['flat', 'mix'], outputs: ['rgb64'] },
      { op: 'Clip', inputs: ['rgb64', 'zero', 'one'], outputs: ['clipped'] },
      { op: 'Resize', inputs: ['clipped', '', 'scales'], outputs: ['output'], attributes: { mode: 'linear' } },
    ],
    initializers: [
      i64('axis1', [1]),
      i64('shiftShape', [1, 1, 1, 1, 3]),
      i64('flatShape', [1, 32, 64, 64]),
      f32('grid', [1, 1, h, w, 3], grid),
      f32('mix', [3, 32, 1, 1], mix),
      f32('zero', [], [0]),
      f32('one', [], [1]),
      f32('scales', [4], [1, 1, 8, 8]),
    ],
  };
  return buildOnnxModel(graph);
}

// ---------- lip sync ----------

/** Wav2Lip: mel window [1, 1, 80, 16] and 96² face (lower half masked | reference) in [0, 1] → the face, mouth brightened by the sound's level. */
export function wav2lipModel(): Uint8Array {
  return buildOnnxModel({
    name: 'tiny-wav2lip',
    inputs: [
      { name: 'source', type: 'float', shape: [1, 1, 80, 16] },
      { name: 'target', type: 'float', shape: [1, 6, 96, 96] },
    ],
    outputs: [{ name: 'output', type: 'float', shape: [1, 3, 96, 96] }],
    nodes: [
      { op: 'Slice', inputs: ['target', 'starts', 'ends', 'axes'], outputs: ['reference'] },
      { op: 'ReduceMean', inputs: ['source'], outputs: ['level'], attributes: { axes: [1, 2, 3], keepdims: 1 } },
      { op: 'Add', inputs: ['level', 'four'], outputs: ['positive'] },
      { op: 'Mul', inputs: ['positive', 'small'], outputs: ['gain'] },
      { op: 'Add', inputs: ['reference', 'gain'], outputs: ['output'] },
    ],
    initializers: [i64('starts', [3]), i64('ends', [6]), i64('axes', [1]), f32('four', [1], [4]), f32('small', [1], [0.02])],
    opset: 17,
  });
}

/** EDTalk: mel window, 256² face in [0, 1] and a weight → the face, brightened by weight × the sound's level. */
export function edtalkModel(): Uint8Array {
  return buildOnnxModel({
    name: 'tiny-edtalk',
    inputs: [
      { name: 'source', type: 'float', shape: [1, 1, 80, 16] },
      { name: 'target', type: 'float', shape: [1, 3, 256, 256] },
      { name: 'weight', type: 'float', shape: [1] },
    ],
    outputs: [{ name: 'output', type: 'float', shape: [1, 3, 256, 256] }],
    nodes: [
      { op: 'ReduceMean', inputs: ['source'], outputs: ['level'], attributes: { axes: [1, 2, 3], keepdims: 1 } },
      { op: 'Add', inputs: ['level', 'four'], outputs: ['positive'] },
      { op: 'Mul', inputs: ['positive', 'weight'], outputs: ['weighted'] },
      { op: 'Mul', inputs: ['weighted', 'small'], outputs: ['gain'] },
      { op: 'Add', inputs: ['target', 'gain'], outputs: ['output'] },
    ],
    initializers: [f32('four', [1], [4]), f32('small', [1], [0.02])],
    opset: 17,
  });
}

/** The tiny stand-in for each registry model file, by model id and file path. */
export const tinyModelFiles: Record<string, Record<string, () => Uint8Array>> = {
  'gfpgan-1.4': { 'gfpgan_1.4.onnx': () => faceRestorerModel() },
  'restoreformer-plus-plus': { 'restoreformer_plus_plus.onnx': () => faceRestorerModel() },
  codeformer: { 'codeformer.onnx': () => faceRestorerModel({ weightInput: true }) },
  ddcolor: { 'ddcolor.onnx': ddcolorModel },
  'ddcolor-artistic': { 'ddcolor_artistic.onnx': ddcolorModel },
  'deoldify-stable': { 'deoldify_stable.onnx': deoldifyModel },
  'deoldify-artistic': { 'deoldify_artistic.onnx': deoldifyModel },
  'real-esrgan-x2': { 'real_esrgan_x2.onnx': () => upscalerModel(2) },
  'real-esrgan-x4': { 'real_esrgan_x4.onnx': () => upscalerModel(4) },
  liveportrait: {
    'live_portrait_feature_extractor.onnx': featureExtractorModel,
    'live_portrait_motion_extractor.onnx': motionExtractorModel,
    'live_portrait_stitcher.onnx': stitcherModel,
    'live_portrait_eye_retargeter.onnx': () => retargeterModel(66),
    'live_portrait_lip_retargeter.onnx': () => retargeterModel(65),
    'live_portrait_generator.onnx': generatorModel,
  },
  'edtalk-256': { 'edtalk_256.onnx': edtalkModel },
  'wav2lip-gan-96': { 'wav2lip_gan_96.onnx': wav2lipModel },
};

/** Writes tiny stand-ins for these registry models into a library's models folder (as if downloaded). */
export function installTinyModels(modelsDir: string, ids: readonly string[]): void {
  for (const id of ids) {
    const files = tinyModelFiles[id];
    if (!files) throw new Error(`no tiny model for ${id}`);
    const model = findModel(id);
    for (const file of model.files) {
      const make = files[file.path];
      if (!make) throw new Error(`no tiny model for ${id}/${file.path}`);
      const target = join(modelsDir, id, file.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, make());
    }
  }
}
