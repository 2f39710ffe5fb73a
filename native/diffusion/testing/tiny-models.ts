import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { buildOnnxModel, layoutExternalData, type GraphSpec, type NodeSpec, type TensorSpec } from '../../inference/onnx-builder';
import { SeededRandom } from '../rng';
import { byteToUnicode } from '../tokenizer';
import { writeSafetensors } from './safetensors';

/**
 * Tiny Stable Diffusion folders in the optimum/diffusers ONNX layout, with the real input and output names,
 * dtypes and symbolic dimensions (batch, sequence, height, width) and the real weight names a LoRA targets —
 * only the widths are small (hidden 8 instead of 768) so a whole txt2img run takes milliseconds on the CPU.
 *
 * - `sd15`: int32 input_ids, float32 timestep (as optimum exports SD 1.5), text encoder + UNet + VAE in one file each.
 * - `sd15-int64`: int64 timestep, and the UNet's weights in an external `model.onnx_data` file.
 * - `sd15-fp16`: every float input and output float16 (fp16 exports), timestep included.
 * - `sdxl`: two text encoders (hidden_states.N, pooled text_embeds), a UNet with text_embeds and time_ids.
 *
 * The networks compute simple but input-dependent functions (embeddings, a residual MatMul per "layer", a 3×3
 * and a 1×1 convolution, a channel MatMul stored transposed under an `onnx::MatMul_*` name as torch exports
 * do), bounded with tanh so every scheduler stays finite.
 */
export type TinyLayout = 'sd15' | 'sd15-int64' | 'sd15-fp16' | 'sdxl';

export const TINY_HIDDEN = 8;
export const TINY_HIDDEN_2 = 12;
export const TINY_POOLED = 6;

const random = (seed: number, count: number, scale: number) => {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: count }, () => rng.normal() * scale);
};

const weight = (name: string, dims: number[], seed: number, scale = 0.3): TensorSpec => ({
  name,
  type: 'float',
  dims,
  data: random(
    seed,
    dims.reduce((a, b) => a * b, 1),
    scale,
  ),
});
const ints = (name: string, values: number[]): TensorSpec => ({
  name,
  type: 'int64',
  dims: [values.length],
  data: BigInt64Array.from(values.map(BigInt)),
});
const scalar = (name: string, value: number): TensorSpec => ({ name, type: 'float', dims: [], data: Float32Array.from([value]) });

/** The tokenizer vocabulary of the tiny models: the 512 byte tokens, a few merges, BOS and EOS (514 ids). */
export function tinyVocab(): { vocab: Record<string, number>; merges: string[] } {
  const chars = byteToUnicode();
  const tokens = [...chars, ...chars.map((c) => `${c}</w>`)];
  const merges = ['p h', 'o t', 'ph ot', 'phot o</w>', 't o</w>'];
  for (const m of merges) tokens.push(m.replace(' ', ''));
  tokens.push('<|startoftext|>', '<|endoftext|>');
  return { vocab: Object.fromEntries(tokens.map((t, i) => [t, i])), merges };
}

function textEncoder(options: {
  hidden: number;
  vocabSize: number;
  idsType: 'int32' | 'int64';
  seed: number;
  pooled?: number;
  prefix: string;
}): GraphSpec {
  const { hidden: h, prefix } = options;
  const nodes: NodeSpec[] = [
    { op: 'Gather', inputs: [`${prefix}embeddings.token_embedding.weight`, 'input_ids'], outputs: ['tokens'], attributes: { axis: 0 } },
    { op: 'Add', inputs: ['tokens', `${prefix}embeddings.position_embedding.weight`], outputs: ['h0'] },
    // Layer 0: a named Linear weight [out, in] used through a Transpose (LoRA target with its readable name).
    { op: 'Transpose', inputs: [`${prefix}encoder.layers.0.self_attn.q_proj.weight`], outputs: ['wq0t'], attributes: { perm: [1, 0] } },
    {
      op: 'MatMul',
      inputs: ['h0', 'wq0t'],
      outputs: ['q0'],
      name: `/${prefix.replace(/\.$/, '').replace(/\./g, '/')}/encoder/layers.0/self_attn/q_proj/MatMul`,
    },
    { op: 'Tanh', inputs: ['q0'], outputs: ['a0'] },
    { op: 'Add', inputs: ['h0', 'a0'], outputs: ['h1'] },
    // Layer 1: the weight stored transposed [in, out] under a torch-export name; only the node name tells the module.
    {
      op: 'MatMul',
      inputs: ['h1', 'onnx::MatMul_1001'],
      outputs: ['q1'],
      name: `/${prefix.replace(/\.$/, '').replace(/\./g, '/')}/encoder/layers.1/self_attn/q_proj/MatMul`,
    },
    { op: 'Tanh', inputs: ['q1'], outputs: ['a1'] },
    { op: 'Add', inputs: ['h1', 'a1'], outputs: ['h2'] },
    { op: 'Identity', inputs: ['h2'], outputs: ['last_hidden_state'] },
    { op: 'Identity', inputs: ['h0'], outputs: ['hidden_states.0'] },
    { op: 'Identity', inputs: ['h1'], outputs: ['hidden_states.1'] },
    { op: 'Identity', inputs: ['h2'], outputs: ['hidden_states.2'] },
    { op: 'ReduceMean', inputs: ['h2'], outputs: ['pooled'], attributes: { axes: [1], keepdims: 0 } },
  ];
  const initializers = [
    weight(`${prefix}embeddings.token_embedding.weight`, [options.vocabSize, h], options.seed, 0.5),
    weight(`${prefix}embeddings.position_embedding.weight`, [77, h], options.seed + 1, 0.1),
    weight(`${prefix}encoder.layers.0.self_attn.q_proj.weight`, [h, h], options.seed + 2),
    weight('onnx::MatMul_1001', [h, h], options.seed + 3),
  ];
  const outputs: GraphSpec['outputs'] = [
    { name: 'last_hidden_state', type: 'float', shape: ['batch_size', 'sequence_length', h] },
    { name: 'hidden_states.0', type: 'float', shape: ['batch_size', 'sequence_length', h] },
    { name: 'hidden_states.1', type: 'float', shape: ['batch_size', 'sequence_length', h] },
    { name: 'hidden_states.2', type: 'float', shape: ['batch_size', 'sequence_length', h] },
  ];
  if (options.pooled) {
    initializers.push(weight('text_projection.weight', [h, options.pooled], options.seed + 4));
    nodes.push({ op: 'MatMul', inputs: ['pooled', 'text_projection.weight'], outputs: ['text_embeds'] });
    outputs.unshift({ name: 'text_embeds', type: 'float', shape: ['batch_size', options.pooled] });
  } else {
    nodes.push({ op: 'Identity', inputs: ['pooled'], outputs: ['pooler_output'] });
    outputs.push({ name: 'pooler_output', type: 'float', shape: ['batch_size', h] });
  }
  return {
    name: 'text_encoder',
    inputs: [{ name: 'input_ids', type: options.idsType, shape: ['batch_size', 'sequence_length'] }],
    outputs,
    nodes,
    initializers,
  };
}

function unet(options: { context: number; timestep: 'float' | 'int64'; xl: boolean }): GraphSpec {
  const c = options.context;
  const nodes: NodeSpec[] = [
    { op: 'Cast', inputs: ['timestep'], outputs: ['t'], attributes: { to: { int: 1 } } },
    { op: 'Div', inputs: ['t', 'thousand'], outputs: ['t01'] },
    { op: 'Reshape', inputs: ['t01', 'shape_b111'], outputs: ['tb'] },
    // The text condition, through a named cross-attention key weight [out=4, in=context].
    { op: 'ReduceMean', inputs: ['encoder_hidden_states'], outputs: ['ctx'], attributes: { axes: [1], keepdims: 0 } },
    {
      op: 'Transpose',
      inputs: ['down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight'],
      outputs: ['wkt'],
      attributes: { perm: [1, 0] },
    },
    { op: 'MatMul', inputs: ['ctx', 'wkt'], outputs: ['ctx4'] },
    { op: 'Unsqueeze', inputs: ['ctx4', 'axes_23'], outputs: ['ctx4x'] },
    // A 3×3 and a 1×1 convolution with their diffusers names.
    {
      op: 'Conv',
      inputs: ['sample', 'down_blocks.0.resnets.0.conv1.weight'],
      outputs: ['c1'],
      attributes: { pads: [1, 1, 1, 1], kernel_shape: [3, 3] },
    },
    { op: 'Conv', inputs: ['c1', 'down_blocks.0.attentions.0.proj_in.weight'], outputs: ['c2'], attributes: { kernel_shape: [1, 1] } },
    // A channel-wise Linear as torch exports it: transposed weight, readable only from the node name.
    { op: 'Transpose', inputs: ['sample'], outputs: ['nhwc'], attributes: { perm: [0, 2, 3, 1] } },
    {
      op: 'MatMul',
      inputs: ['nhwc', 'onnx::MatMul_9001'],
      outputs: ['mm'],
      name: '/up_blocks.1/attentions.0/transformer_blocks.0/attn1/to_q/MatMul',
    },
    { op: 'Transpose', inputs: ['mm'], outputs: ['mmc'], attributes: { perm: [0, 3, 1, 2] } },
    { op: 'Add', inputs: ['c2', 'mmc'], outputs: ['s1'] },
    { op: 'Add', inputs: ['s1', 'ctx4x'], outputs: ['s2'] },
    { op: 'Mul', inputs: ['tb', 'tenth'], outputs: ['tterm'] },
    { op: 'Add', inputs: ['s2', 'tterm'], outputs: ['s3'] },
  ];
  const initializers: TensorSpec[] = [
    scalar('thousand', 1000),
    scalar('tenth', 0.1),
    ints('shape_b111', [-1, 1, 1, 1]),
    ints('axes_23', [2, 3]),
    weight('down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight', [4, c], 11),
    weight('down_blocks.0.resnets.0.conv1.weight', [4, 4, 3, 3], 12, 0.15),
    weight('down_blocks.0.attentions.0.proj_in.weight', [4, 4, 1, 1], 13),
    weight('onnx::MatMul_9001', [4, 4], 14),
  ];
  const inputs: GraphSpec['inputs'] = [
    { name: 'sample', type: 'float', shape: ['batch_size', 4, 'height', 'width'] },
    { name: 'timestep', type: options.timestep, shape: ['steps'] },
    { name: 'encoder_hidden_states', type: 'float', shape: ['batch_size', 'sequence_length', c] },
  ];
  let last = 's3';
  if (options.xl) {
    inputs.push(
      { name: 'text_embeds', type: 'float', shape: ['batch_size', TINY_POOLED] },
      { name: 'time_ids', type: 'float', shape: ['batch_size', 6] },
    );
    nodes.push(
      { op: 'ReduceMean', inputs: ['text_embeds'], outputs: ['te'], attributes: { axes: [1], keepdims: 1 } },
      { op: 'ReduceMean', inputs: ['time_ids'], outputs: ['ti'], attributes: { axes: [1], keepdims: 1 } },
      { op: 'Div', inputs: ['ti', 'thousand'], outputs: ['ti01'] },
      { op: 'Add', inputs: ['te', 'ti01'], outputs: ['cond'] },
      { op: 'Unsqueeze', inputs: ['cond', 'axes_23'], outputs: ['condx'] },
      { op: 'Add', inputs: ['s3', 'condx'], outputs: ['s4'] },
    );
    last = 's4';
  }
  nodes.push({ op: 'Tanh', inputs: [last], outputs: ['out_sample'] });
  return { name: 'unet', inputs, outputs: [{ name: 'out_sample', type: 'float', shape: ['batch_size', 4, 'height', 'width'] }], nodes, initializers };
}

function vaeDecoder(): GraphSpec {
  return {
    name: 'vae_decoder',
    inputs: [{ name: 'latent_sample', type: 'float', shape: ['batch_size', 4, 'latent_height', 'latent_width'] }],
    outputs: [{ name: 'sample', type: 'float', shape: ['batch_size', 3, 'height', 'width'] }],
    nodes: [
      { op: 'Conv', inputs: ['latent_sample', 'decoder.conv_in.weight'], outputs: ['rgb'], attributes: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: 'Resize', inputs: ['rgb', '', 'scales'], outputs: ['big'], attributes: { mode: 'linear' } },
      { op: 'Tanh', inputs: ['big'], outputs: ['sample'] },
    ],
    initializers: [
      weight('decoder.conv_in.weight', [3, 4, 3, 3], 21, 0.4),
      { name: 'scales', type: 'float', dims: [4], data: Float32Array.from([1, 1, 8, 8]) },
    ],
  };
}

function vaeEncoder(): GraphSpec {
  return {
    name: 'vae_encoder',
    inputs: [{ name: 'sample', type: 'float', shape: ['batch_size', 3, 'height', 'width'] }],
    outputs: [{ name: 'latent_sample', type: 'float', shape: ['batch_size', 4, 'latent_height', 'latent_width'] }],
    nodes: [
      { op: 'AveragePool', inputs: ['sample'], outputs: ['pooled'], attributes: { kernel_shape: [8, 8], strides: [8, 8] } },
      { op: 'Conv', inputs: ['pooled', 'encoder.conv_out.weight'], outputs: ['latent_sample'], attributes: { kernel_shape: [1, 1] } },
    ],
    initializers: [weight('encoder.conv_out.weight', [4, 3, 1, 1], 31, 2)],
  };
}

/**
 * A VAE encoder that samples its latent distribution inside the graph, as diffusers' ONNX exporter writes it
 * (latent_dist.sample() → mean + exp(0.5·logvar) · RandomNormalLike(mean)).
 */
export function samplingVaeEncoder(): GraphSpec {
  const plain = vaeEncoder();
  return {
    ...plain,
    nodes: [
      { op: 'AveragePool', inputs: ['sample'], outputs: ['pooled'], attributes: { kernel_shape: [8, 8], strides: [8, 8] } },
      { op: 'Conv', inputs: ['pooled', 'encoder.conv_out.weight'], outputs: ['mean'], attributes: { kernel_shape: [1, 1] } },
      { op: 'RandomNormalLike', inputs: ['mean'], outputs: ['noise'], name: '/RandomNormalLike', attributes: { dtype: { int: 1 } } },
      { op: 'Mul', inputs: ['noise', 'std'], outputs: ['spread'] },
      { op: 'Add', inputs: ['mean', 'spread'], outputs: ['latent_sample'] },
    ],
    initializers: [...(plain.initializers ?? []), { name: 'std', type: 'float', dims: [], data: Float32Array.of(0.5) }],
  };
}

/** The same graph with float16 inputs and outputs (cast at the edges), as fp16 exports present themselves. */
export function withFloat16Io(graph: GraphSpec): GraphSpec {
  const renamed = new Map<string, string>();
  const nodes: NodeSpec[] = [];
  for (const input of graph.inputs) {
    if (input.type !== 'float') continue;
    renamed.set(input.name, `${input.name}__f32`);
    nodes.push({ op: 'Cast', inputs: [input.name], outputs: [`${input.name}__f32`], attributes: { to: { int: 1 } } });
  }
  const outputs = new Set(graph.outputs.filter((o) => o.type === 'float').map((o) => o.name));
  for (const node of graph.nodes) {
    nodes.push({
      ...node,
      inputs: node.inputs.map((i) => renamed.get(i) ?? (outputs.has(i) ? `${i}__f32` : i)),
      outputs: node.outputs.map((o) => (outputs.has(o) ? `${o}__f32` : o)),
    });
  }
  for (const name of outputs) nodes.push({ op: 'Cast', inputs: [`${name}__f32`], outputs: [name], attributes: { to: { int: 10 } } });
  const half = (v: GraphSpec['inputs'][number]) => (v.type === 'float' ? { ...v, type: 'float16' as const } : v);
  return { ...graph, inputs: graph.inputs.map(half), outputs: graph.outputs.map(half), nodes };
}

let float16Io = false;

function writeModel(dir: string, sub: string, spec: GraphSpec, external?: string, minBytes = 64): void {
  const graph = float16Io ? withFloat16Io(spec) : spec;
  mkdirSync(join(dir, sub), { recursive: true });
  if (external) {
    // Written chunk by chunk: a UNet of real size does not fit one buffer.
    const { model, chunks } = layoutExternalData(graph, external, { minBytes });
    writeFileSync(join(dir, sub, 'model.onnx'), model);
    const fd = openSync(join(dir, sub, external), 'w');
    try {
      for (const chunk of chunks) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
  } else writeFileSync(join(dir, sub, 'model.onnx'), buildOnnxModel(graph));
}

function writeTokenizer(dir: string, sub: string, padToken: string): void {
  const { vocab, merges } = tinyVocab();
  mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, sub, 'vocab.json'), JSON.stringify(vocab));
  writeFileSync(join(dir, sub, 'merges.txt'), `#version: 0.2\n${merges.join('\n')}\n`);
  writeFileSync(
    join(dir, sub, 'tokenizer_config.json'),
    JSON.stringify({ model_max_length: 77, pad_token: padToken, bos_token: '<|startoftext|>', eos_token: '<|endoftext|>' }),
  );
}

export interface TinyOptions {
  /** Text encoder width (8; the benchmark uses SD's 768 to feed a real-size UNet). */
  textHidden?: number;
  /** Another UNet (the benchmark's SD-size one), always written with external data. */
  unet?: GraphSpec;
  /** Another VAE decoder (e.g. one that paints a face, for likeness tests). */
  vaeDecoder?: GraphSpec;
  /** The UNet's external data file (diffusers' converter writes `weights.pb`; optimum `model.onnx_data`). */
  unetDataFile?: string;
  /** Another VAE encoder (one that samples inside the graph, as diffusers' exporter writes it). */
  vaeEncoder?: GraphSpec;
}

/**
 * A VAE decoder that paints one picture (RGB pixels of the generation's size), plus a faint trace of the
 * latents so every seed gives other bytes: generations that look like a real person, for likeness tests.
 */
export function pictureVaeDecoder(picture: { data: Uint8Array; width: number; height: number }): GraphSpec {
  const plane = picture.width * picture.height;
  const base = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) base[c * plane + i] = (picture.data[i * 3 + c]! / 255) * 2 - 1;
  const graph = vaeDecoder();
  return {
    ...graph,
    nodes: [
      ...graph.nodes.slice(0, 2),
      { op: 'Tanh', inputs: ['big'], outputs: ['trace'] },
      { op: 'Mul', inputs: ['trace', 'faint'], outputs: ['faint_trace'] },
      { op: 'Add', inputs: ['picture', 'faint_trace'], outputs: ['sample'] },
    ],
    initializers: [
      ...(graph.initializers ?? []),
      { name: 'faint', type: 'float', dims: [], data: Float32Array.of(0.03) },
      { name: 'picture', type: 'float', dims: [1, 3, picture.height, picture.width], data: base },
    ],
  };
}

/** Writes a tiny model folder of the given layout into `dir` and returns `dir`. */
export function writeTinyModelFolder(dir: string, layout: TinyLayout = 'sd15', options: TinyOptions = {}): string {
  const xl = layout === 'sdxl';
  const hidden = options.textHidden ?? TINY_HIDDEN;
  float16Io = layout === 'sd15-fp16';
  const vocabSize = Object.keys(tinyVocab().vocab).length;
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'model_index.json'),
    JSON.stringify(
      xl
        ? {
            _class_name: 'ORTStableDiffusionXLPipeline',
            force_zeros_for_empty_prompt: true,
            text_encoder_2: ['transformers', 'CLIPTextModelWithProjection'],
          }
        : { _class_name: 'ORTStableDiffusionPipeline', text_encoder: ['transformers', 'CLIPTextModel'] },
    ),
  );
  writeModel(dir, 'text_encoder', textEncoder({ hidden, vocabSize, idsType: 'int32', seed: 1, prefix: 'text_model.' }));
  writeTokenizer(dir, 'tokenizer', '<|endoftext|>');
  if (xl) {
    writeModel(
      dir,
      'text_encoder_2',
      textEncoder({ hidden: TINY_HIDDEN_2, vocabSize, idsType: 'int64', seed: 5, pooled: TINY_POOLED, prefix: 'text_model.' }),
    );
    writeTokenizer(dir, 'tokenizer_2', '!');
  }
  const context = xl ? hidden + TINY_HIDDEN_2 : hidden;
  if (options.unet) writeModel(dir, 'unet', options.unet, 'model.onnx_data', 1024);
  else
    writeModel(
      dir,
      'unet',
      unet({ context, timestep: layout === 'sd15-int64' ? 'int64' : 'float', xl }),
      options.unetDataFile ?? (layout === 'sd15-int64' ? 'model.onnx_data' : undefined),
    );
  writeModel(dir, 'vae_decoder', options.vaeDecoder ?? vaeDecoder());
  writeModel(dir, 'vae_encoder', options.vaeEncoder ?? vaeEncoder());
  writeFileSync(join(dir, 'vae_decoder', 'config.json'), JSON.stringify({ scaling_factor: xl ? 0.13025 : 0.18215 }));
  mkdirSync(join(dir, 'scheduler'), { recursive: true });
  writeFileSync(
    join(dir, 'scheduler', 'scheduler_config.json'),
    JSON.stringify({
      _class_name: xl ? 'EulerDiscreteScheduler' : 'PNDMScheduler',
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      num_train_timesteps: 1000,
      prediction_type: 'epsilon',
      steps_offset: 1,
      set_alpha_to_one: false,
      clip_sample: false,
      ...(xl ? { timestep_spacing: 'leading' } : {}),
    }),
  );
  return dir;
}

/** A kohya LoRA for the tiny model: rank 1, all 0.5, on the text encoder's first q_proj; `extra` tensors go along. */
export function writeTinyTextLora(path: string, extra: Parameters<typeof writeSafetensors>[1] = {}): void {
  writeSafetensors(path, {
    'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight': { shape: [TINY_HIDDEN, 1], data: new Float32Array(TINY_HIDDEN).fill(0.5) },
    'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight': {
      shape: [1, TINY_HIDDEN],
      data: new Float32Array(TINY_HIDDEN).fill(0.5),
    },
    ...extra,
  });
}
