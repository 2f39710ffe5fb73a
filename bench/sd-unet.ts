// A UNet with Stable Diffusion 1.5's architecture and random weights, as an ONNX graph of plain operators (what
// an un-optimised optimum export contains): conv_in; sinusoidal time embedding and its MLP; four down blocks
// (320/640/1280/1280 channels × width) of two ResNet blocks each, the first three with a Transformer2D
// (self-attention, cross-attention to 77×768 text, GEGLU feed-forward) after each ResNet; a mid block; four up
// blocks of three ResNets with skip connections; conv_out. Same I/O as optimum's unet: sample, timestep,
// encoder_hidden_states → out_sample. Weights are seeded uniform noise scaled by 1/√fan_in.
import type { GraphSpec, NodeSpec, OnnxTypeName, TensorSpec } from '../native/inference/onnx-builder';
import { halfArrayFrom } from '../native/inference/float16';

export interface UnetSpec {
  /** Channel multiplier: 1 = SD 1.5 (320, 640, 1280, 1280). */
  width: number;
  /** Text embedding width (768 for SD 1.5). */
  context: number;
  heads: number;
  fp16: boolean;
}

class Builder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorSpec[] = [];
  params = 0;
  private counter = 0;
  private seed = 12345;

  constructor(private readonly fp16: boolean) {}

  private random(count: number, scale: number): Float32Array {
    const out = new Float32Array(count);
    let s = this.seed;
    for (let i = 0; i < count; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) | 0;
      out[i] = ((s >>> 8) / 0x1000000 - 0.5) * 2 * scale * 1.732;
    }
    this.seed = s;
    return out;
  }

  private add(name: string, dims: number[], values: Float32Array): string {
    const type: OnnxTypeName = this.fp16 ? 'float16' : 'float';
    this.initializers.push({ name, type, dims, data: this.fp16 ? halfArrayFrom(values) : values });
    this.params += values.length;
    return name;
  }

  weight(name: string, dims: number[], fanIn: number): string {
    return this.add(
      name,
      dims,
      this.random(
        dims.reduce((a, b) => a * b, 1),
        1 / Math.sqrt(fanIn),
      ),
    );
  }

  constant(name: string, dims: number[], value: number): string {
    return this.add(name, dims, new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(value));
  }

  ints(name: string, values: number[]): string {
    this.initializers.push({ name, type: 'int64', dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  op(op: string, inputs: string[], attributes?: NodeSpec['attributes'], outputs = 1): string {
    const base = `${op.toLowerCase()}_${this.counter++}`;
    const names = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? base : `${base}_${i}`));
    this.nodes.push({ op, inputs, outputs: names, ...(attributes ? { attributes } : {}) });
    return names[0]!;
  }
}

export function buildSdUnet(spec: UnetSpec): { graph: GraphSpec; params: number } {
  const g = new Builder(spec.fp16);
  const type: OnnxTypeName = spec.fp16 ? 'float16' : 'float';
  const channels = [320, 640, 1280, 1280].map((c) => Math.max(32, Math.round((c * spec.width) / 32) * 32));
  const timeDim = channels[0]! * 4;
  const groups = 32;
  const one = g.constant('one', [], 1);
  const half = g.constant('half', [], 0.5);
  const invSqrt2 = g.constant('inv_sqrt2', [], Math.SQRT1_2);
  const groupOnes = g.constant('group_ones', [groups], 1);
  const groupZeros = g.constant('group_zeros', [groups], 0);
  const groupShape = g.ints('group_shape', [0, groups, -1]);

  const linear = (x: string, name: string, inFeatures: number, outFeatures: number, bias = true) => {
    const y = g.op('MatMul', [x, g.weight(`${name}.weight`, [inFeatures, outFeatures], inFeatures)]);
    return bias ? g.op('Add', [y, g.constant(`${name}.bias`, [outFeatures], 0)]) : y;
  };
  const conv = (x: string, name: string, cin: number, cout: number, k: number, stride = 1) =>
    g.op('Conv', [x, g.weight(`${name}.weight`, [cout, cin, k, k], cin * k * k), g.constant(`${name}.bias`, [cout], 0)], {
      kernel_shape: [k, k],
      pads: k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0],
      strides: [stride, stride],
    });
  const groupNorm = (x: string, name: string, c: number) => {
    const normed = g.op('InstanceNormalization', [g.op('Reshape', [x, groupShape]), groupOnes, groupZeros], { epsilon: 1e-5 });
    const back = g.op('Reshape', [normed, g.op('Shape', [x])]);
    return g.op('Add', [g.op('Mul', [back, g.constant(`${name}.weight`, [c, 1, 1], 1)]), g.constant(`${name}.bias`, [c, 1, 1], 0)]);
  };
  const silu = (x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);
  const gelu = (x: string) => g.op('Mul', [g.op('Mul', [x, half]), g.op('Add', [one, g.op('Erf', [g.op('Mul', [x, invSqrt2])])])]);
  const layerNorm = (x: string, name: string, c: number) =>
    g.op('LayerNormalization', [x, g.constant(`${name}.weight`, [c], 1), g.constant(`${name}.bias`, [c], 0)], { axis: -1, epsilon: 1e-5 });

  const resnet = (x: string, temb: string, name: string, cin: number, cout: number) => {
    let h = conv(silu(groupNorm(x, `${name}.norm1`, cin)), `${name}.conv1`, cin, cout, 3);
    const t = g.op('Unsqueeze', [linear(silu(temb), `${name}.time_emb_proj`, timeDim, cout), g.ints(`${name}.axes`, [2, 3])]);
    h = g.op('Add', [h, t]);
    h = conv(silu(groupNorm(h, `${name}.norm2`, cout)), `${name}.conv2`, cout, cout, 3);
    const skip = cin === cout ? x : conv(x, `${name}.conv_shortcut`, cin, cout, 1);
    return g.op('Add', [skip, h]);
  };

  const attention = (x: string, context: string, name: string, c: number, contextDim: number) => {
    const d = c / spec.heads;
    const split = g.ints(`${name}.heads`, [0, -1, spec.heads, d]);
    const q = g.op('Transpose', [g.op('Reshape', [linear(x, `${name}.to_q`, c, c, false), split])], { perm: [0, 2, 1, 3] });
    const k = g.op('Transpose', [g.op('Reshape', [linear(context, `${name}.to_k`, contextDim, c, false), split])], { perm: [0, 2, 3, 1] });
    const v = g.op('Transpose', [g.op('Reshape', [linear(context, `${name}.to_v`, contextDim, c, false), split])], { perm: [0, 2, 1, 3] });
    const scores = g.op('Softmax', [g.op('Mul', [g.op('MatMul', [q, k]), g.constant(`${name}.scale`, [], 1 / Math.sqrt(d))])], { axis: -1 });
    const merged = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [scores, v])], { perm: [0, 2, 1, 3] }), g.ints(`${name}.merge`, [0, -1, c])]);
    return linear(merged, `${name}.to_out.0`, c, c);
  };

  const transformer = (x: string, context: string, name: string, c: number) => {
    let h = conv(groupNorm(x, `${name}.norm`, c), `${name}.proj_in`, c, c, 1);
    h = g.op('Reshape', [g.op('Transpose', [h], { perm: [0, 2, 3, 1] }), g.ints(`${name}.tokens`, [0, -1, c])]);
    const block = `${name}.transformer_blocks.0`;
    let n = layerNorm(h, `${block}.norm1`, c);
    h = g.op('Add', [h, attention(n, n, `${block}.attn1`, c, c)]);
    n = layerNorm(h, `${block}.norm2`, c);
    h = g.op('Add', [h, attention(n, context, `${block}.attn2`, c, spec.context)]);
    n = layerNorm(h, `${block}.norm3`, c);
    const projected = linear(n, `${block}.ff.net.0.proj`, c, 8 * c);
    const value = g.op('Slice', [projected, g.ints(`${block}.s0`, [0]), g.ints(`${block}.e0`, [4 * c]), g.ints(`${block}.ax`, [-1])]);
    const gate = g.op('Slice', [projected, g.ints(`${block}.s1`, [4 * c]), g.ints(`${block}.e1`, [8 * c]), g.ints(`${block}.ax1`, [-1])]);
    h = g.op('Add', [h, linear(g.op('Mul', [value, gelu(gate)]), `${block}.ff.net.2`, 4 * c, c)]);
    h = g.op('Reshape', [g.op('Transpose', [h], { perm: [0, 2, 1] }), g.op('Shape', [x])]);
    return g.op('Add', [x, conv(h, `${name}.proj_out`, c, c, 1)]);
  };

  // Time embedding: sinusoidal features of the timestep, then a two-layer MLP.
  const halfDim = channels[0]! / 2;
  const frequencies = Float32Array.from({ length: halfDim }, (_, i) => Math.exp((-Math.log(10000) * i) / halfDim));
  g.initializers.push({ name: 'time_frequencies', type: 'float', dims: [halfDim], data: frequencies });
  const t = g.op('Unsqueeze', [g.op('Cast', ['timestep'], { to: { int: 1 } }), g.ints('t_axes', [1])]);
  const angles = g.op('Mul', [t, 'time_frequencies']);
  let temb = g.op('Concat', [g.op('Cos', [angles]), g.op('Sin', [angles])], { axis: 1 });
  if (spec.fp16) temb = g.op('Cast', [temb], { to: { int: 10 } });
  temb = linear(silu(linear(temb, 'time_embedding.linear_1', channels[0]!, timeDim)), 'time_embedding.linear_2', timeDim, timeDim);

  let h = conv('sample', 'conv_in', 4, channels[0]!, 3);
  const skips: { name: string; channels: number }[] = [{ name: h, channels: channels[0]! }];
  let current = channels[0]!;
  channels.forEach((out, i) => {
    for (let j = 0; j < 2; j++) {
      h = resnet(h, temb, `down_blocks.${i}.resnets.${j}`, current, out);
      current = out;
      if (i < 3) h = transformer(h, 'encoder_hidden_states', `down_blocks.${i}.attentions.${j}`, out);
      skips.push({ name: h, channels: out });
    }
    if (i < 3) {
      h = conv(h, `down_blocks.${i}.downsamplers.0.conv`, out, out, 3, 2);
      skips.push({ name: h, channels: out });
    }
  });
  h = resnet(h, temb, 'mid_block.resnets.0', current, current);
  h = transformer(h, 'encoder_hidden_states', 'mid_block.attentions.0', current);
  h = resnet(h, temb, 'mid_block.resnets.1', current, current);
  [...channels].reverse().forEach((out, i) => {
    for (let j = 0; j < 3; j++) {
      const skip = skips.pop()!;
      h = resnet(g.op('Concat', [h, skip.name], { axis: 1 }), temb, `up_blocks.${i}.resnets.${j}`, current + skip.channels, out);
      current = out;
      if (i > 0) h = transformer(h, 'encoder_hidden_states', `up_blocks.${i}.attentions.${j}`, out);
    }
    if (i < 3) {
      g.initializers.push({ name: `up_blocks.${i}.scales`, type: 'float', dims: [4], data: Float32Array.from([1, 1, 2, 2]) });
      h = conv(g.op('Resize', [h, '', `up_blocks.${i}.scales`], { mode: 'nearest' }), `up_blocks.${i}.upsamplers.0.conv`, out, out, 3);
    }
  });
  const out = conv(silu(groupNorm(h, 'conv_norm_out', current)), 'conv_out', current, 4, 3);
  g.nodes.push({ op: 'Identity', inputs: [out], outputs: ['out_sample'] });

  return {
    params: g.params,
    graph: {
      name: 'unet',
      inputs: [
        { name: 'sample', type, shape: ['batch_size', 4, 'height', 'width'] },
        { name: 'timestep', type: 'float', shape: ['steps'] },
        { name: 'encoder_hidden_states', type, shape: ['batch_size', 'sequence_length', spec.context] },
      ],
      outputs: [{ name: 'out_sample', type, shape: ['batch_size', 4, 'height', 'width'] }],
      nodes: g.nodes,
      initializers: g.initializers,
    },
  };
}
