import { buildOnnxModel, type NodeSpec, type TensorSpec } from './onnx-builder';

/**
 * Converts face-api's port of dlib's face-recognition ResNet (`face_recognition_model-weights_manifest.json` +
 * `face_recognition_model.bin`, a TF.js weight map without a layers topology) into an ONNX model.
 *
 * The model takes `image` [N, 3, 150, 150] float32, RGB, 0..255, NCHW (an aligned face chip, no further
 * preparation) and returns `descriptor` [N, 128] (not L2-normalised, exactly as face-api returns it).
 *
 * Graph (face-api's FaceRecognitionNet, NHWC there, NCHW here):
 *   (x - [122.782, 117.001, 104.298]) / 255
 *   conv 7x7/2 valid, 32 + scale + relu          150 -> 72
 *   maxpool 3x3/2 valid                           72 -> 35
 *   3 x residual(32)                              35
 *   residual-down(64), 3 x residual(64)           35 -> 17
 *   residual-down(128), 2 x residual(128)         17 -> 8
 *   residual-down(256), 2 x residual(256)          8 -> 4
 *   residual-down(256) ("conv256_down_out")        4 -> 2
 *   global mean, matmul fc [256, 128]
 * where every conv is followed by dlib's affine "scale" layer (per-channel multiply and add), residual =
 * relu(x + conv3x3(relu(conv3x3(x)))) with TF 'same' padding, and residual-down replaces the first conv by a
 * 3x3/2 'valid' conv and the identity by a 2x2/2 average pool, zero-padded to the wider channel count.
 */

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

interface Weight {
  shape: number[];
  data: Float32Array;
}

const INPUT_SIZE = 150;
/** face-api subtracts this per-channel mean (R, G, B) and then divides by 255. */
const MEAN_RGB = [122.782, 117.001, 104.298];
const PIXEL_SCALE = 255;

/**
 * Reads every weight of the manifest out of `weights`, the concatenation of the manifest's shard files in
 * order (here the single `face_recognition_model.bin`). TF.js stores the entries back to back, unaligned;
 * quantized entries hold one uint8 (or uint16) per value and decode as q * scale + min (computed in double and
 * rounded to float32, as tf.io.decodeWeights does, so the weights match the reference bit for bit).
 */
export function decodeWeightMap(manifest: unknown, weights: Uint8Array): Map<string, Weight> {
  if (!Array.isArray(manifest)) throw new Error('weights manifest: expected an array of weight groups');
  const specs: WeightSpec[] = manifest.flatMap((group: { weights?: WeightSpec[] }) => {
    if (!Array.isArray(group?.weights)) throw new Error('weights manifest: a group has no "weights" list');
    return group.weights;
  });

  const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  const map = new Map<string, Weight>();
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    if (spec.dtype !== 'float32') throw new Error(`weight ${spec.name}: unsupported dtype ${spec.dtype}`);
    const bytesPer = q ? ({ uint8: 1, uint16: 2 } as Record<string, number>)[q.dtype] : 4;
    if (!bytesPer) throw new Error(`weight ${spec.name}: unsupported quantization ${q?.dtype}`);
    if (offset + count * bytesPer > weights.byteLength) throw new Error(`weight ${spec.name}: runs past the end of the weights`);

    const data = new Float32Array(count);
    if (q) {
      const scale = q.scale ?? 1;
      const min = q.min ?? 0;
      for (let i = 0; i < count; i++) {
        const stored = bytesPer === 1 ? view.getUint8(offset + i) : view.getUint16(offset + 2 * i, true);
        data[i] = stored * scale + min;
      }
    } else {
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(offset + 4 * i, true);
    }
    map.set(spec.name, { shape: spec.shape, data });
    offset += count * bytesPer;
  }
  if (offset !== weights.byteLength) throw new Error(`weights: manifest covers ${offset} of ${weights.byteLength} bytes`);
  return map;
}

/** Builds the graph node by node; names are the TF.js weight prefixes so the ONNX graph reads like face-api's. */
class GraphWriter {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];

  constructor(private readonly weights: Map<string, Weight>) {}

  weight(name: string, shape: number[]): Weight {
    const w = this.weights.get(name);
    if (!w) throw new Error(`weights: missing ${name}`);
    if (w.shape.join() !== shape.join()) throw new Error(`weights: ${name} is [${w.shape}], expected [${shape}]`);
    return w;
  }

  constant(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    this.initializers.push({ name, type: data instanceof Float32Array ? 'float' : 'int64', dims, data });
    return name;
  }

  node(op: string, inputs: string[], output: string, attributes?: NodeSpec['attributes']): string {
    this.nodes.push({ op, inputs, outputs: [output], name: output, ...(attributes ? { attributes } : {}) });
    return output;
  }

  /**
   * conv + bias, then the scale layer (y * s + b), optionally relu. The scale layer is folded into the conv
   * (W' = W * s per output channel, b' = bias * s + b): one node instead of three, same function.
   * TF filters are [kh, kw, in, out]; ONNX wants [out, in, kh, kw].
   */
  conv(x: string, prefix: string, inC: number, outC: number, k: number, stride: number, pad: number, relu: boolean): string {
    const filters = this.weight(`${prefix}/conv/filters`, [k, k, inC, outC]).data;
    const bias = this.weight(`${prefix}/conv/bias`, [outC]).data;
    const scale = this.weight(`${prefix}/scale/weights`, [outC]).data;
    const shift = this.weight(`${prefix}/scale/biases`, [outC]).data;

    const w = new Float32Array(outC * inC * k * k);
    const b = new Float32Array(outC);
    for (let o = 0; o < outC; o++) {
      const s = scale[o]!;
      b[o] = bias[o]! * s + shift[o]!;
      for (let i = 0; i < inC; i++) {
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            w[((o * inC + i) * k + ky) * k + kx] = filters[((ky * k + kx) * inC + i) * outC + o]! * s;
          }
        }
      }
    }
    const wName = this.constant(`${prefix}/W`, [outC, inC, k, k], w);
    const bName = this.constant(`${prefix}/B`, [outC], b);
    const y = this.node('Conv', [x, wName, bName], `${prefix}/conv`, {
      kernel_shape: [k, k],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });
    return relu ? this.node('Relu', [y], `${prefix}/relu`) : y;
  }

  /** Zero padding at the end of each axis of an NCHW tensor ([C, H, W] amounts). */
  padEnd(x: string, name: string, [c, h, w]: [number, number, number]): string {
    const pads = this.constant(`${name}/pads`, [8], BigInt64Array.from([0, 0, 0, 0, 0, c, h, w].map(BigInt)));
    return this.node('Pad', [x, pads], name, { mode: 'constant' });
  }

  /** relu(x + conv2(relu(conv1(x)))), 3x3 stride 1: TF 'same' with an odd kernel pads 1 on every side. */
  residual(x: string, prefix: string, channels: number): string {
    let y = this.conv(x, `${prefix}/conv1`, channels, channels, 3, 1, 1, true);
    y = this.conv(y, `${prefix}/conv2`, channels, channels, 3, 1, 1, false);
    return this.node('Relu', [this.node('Add', [y, x], `${prefix}/add`)], `${prefix}/out`);
  }

  /**
   * The downsampling block on a `size` x `size` input. Main branch: 3x3/2 'valid' conv (floor((size - 3) / 2) + 1
   * outputs), then a 3x3 'same' conv. Shortcut: 2x2/2 average pool (floor(size / 2) outputs). When the pool is
   * larger (size 8 -> 3 vs 4, size 4 -> 1 vs 2) face-api appends zero rows and columns at the bottom and right
   * of the main branch; when the channel count grows it appends zero channels to the shortcut. Returns the
   * output name and its size.
   */
  residualDown(x: string, prefix: string, inC: number, outC: number, size: number): [string, number] {
    const convSize = Math.floor((size - 3) / 2) + 1;
    const poolSize = Math.floor(size / 2);

    let y = this.conv(x, `${prefix}/conv1`, inC, outC, 3, 2, 0, true);
    y = this.conv(y, `${prefix}/conv2`, outC, outC, 3, 1, 1, false);
    if (poolSize !== convSize) y = this.padEnd(y, `${prefix}/pad_hw`, [0, poolSize - convSize, poolSize - convSize]);

    let shortcut = this.node('AveragePool', [x], `${prefix}/pool`, { kernel_shape: [2, 2], strides: [2, 2] });
    if (outC !== inC) shortcut = this.padEnd(shortcut, `${prefix}/pad_c`, [outC - inC, 0, 0]);

    const out = this.node('Relu', [this.node('Add', [y, shortcut], `${prefix}/add`)], `${prefix}/out`);
    return [out, poolSize];
  }
}

/** Returns the ONNX bytes (opset 17, weights inline, float32) of face-api's face-recognition net. */
export function convertFaceApiRecognition(manifestJson: unknown, weights: Uint8Array): Uint8Array {
  const g = new GraphWriter(decodeWeightMap(manifestJson, weights));

  // Normalisation inside the graph, so callers feed plain 0..255 RGB.
  const mean = g.constant('mean_rgb', [1, 3, 1, 1], Float32Array.from(MEAN_RGB));
  const divisor = g.constant('pixel_scale', [], Float32Array.of(PIXEL_SCALE));
  let x = g.node('Div', [g.node('Sub', ['image', mean], 'centered'), divisor], 'normalized');

  // Stem: 7x7/2 'valid' (150 -> 72), then 3x3/2 'valid' max pool (72 -> 35). 'valid' means no padding, and
  // ONNX's default floor rounding drops the same trailing rows TF drops.
  x = g.conv(x, 'conv32_down', 3, 32, 7, 2, 0, true);
  x = g.node('MaxPool', [x], 'pool', { kernel_shape: [3, 3], strides: [2, 2] });
  let size = Math.floor((Math.floor((INPUT_SIZE - 7) / 2) + 1 - 3) / 2) + 1;

  for (const name of ['conv32_1', 'conv32_2', 'conv32_3']) x = g.residual(x, name, 32);
  [x, size] = g.residualDown(x, 'conv64_down', 32, 64, size);
  for (const name of ['conv64_1', 'conv64_2', 'conv64_3']) x = g.residual(x, name, 64);
  [x, size] = g.residualDown(x, 'conv128_down', 64, 128, size);
  for (const name of ['conv128_1', 'conv128_2']) x = g.residual(x, name, 128);
  [x, size] = g.residualDown(x, 'conv256_down', 128, 256, size);
  for (const name of ['conv256_1', 'conv256_2']) x = g.residual(x, name, 256);
  [x] = g.residualDown(x, 'conv256_down_out', 256, 256, size);

  // Mean over H and W (2 x 2 here), then the 256 -> 128 projection; TF.js stores fc as [in, out] = MatMul's B.
  x = g.node('Flatten', [g.node('GlobalAveragePool', [x], 'global_avg')], 'features', { axis: 1 });
  const fc = g.constant('fc', [256, 128], g.weight('fc', [256, 128]).data);
  g.node('MatMul', [x, fc], 'descriptor');

  return buildOnnxModel({
    name: 'face-api-face-recognition',
    opset: 17,
    inputs: [{ name: 'image', type: 'float', shape: ['batch', 3, INPUT_SIZE, INPUT_SIZE] }],
    outputs: [{ name: 'descriptor', type: 'float', shape: ['batch', 128] }],
    nodes: g.nodes,
    initializers: g.initializers,
    metadata: {
      source: '@vladmandic/face-api face_recognition_model (dlib ResNet-29 port)',
      input: 'image: float32 [N, 3, 150, 150], RGB, 0..255 (normalisation is inside the graph)',
      output: "descriptor: float32 [N, 128], not L2-normalised (Euclidean distance 0.6 is dlib's match threshold)",
    },
  });
}
