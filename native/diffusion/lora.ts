import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { StudioError } from '../api/errors';
import { floatArrayFromHalf } from '../inference/float16';
import { corruptSafetensors, MAX_HEADER_BYTES, parseSafetensorsHeader } from './safetensors';
import {
  elementCount,
  indexOnnxModel,
  readFloatInitializer,
  readInt64Initializer,
  type InitializerInfo,
  type NodeInfo,
  type OnnxGraphIndex,
  type WeightReplacement,
} from '../inference/onnx-weights';

/**
 * LoRA (Hu et al. 2021) in the kohya/sd-scripts `.safetensors` format, merged into an ONNX model's weights in
 * memory: for every LoRA module `<prefix>.lora_down.weight` [rank, in(, kh, kw)], `<prefix>.lora_up.weight`
 * [out, rank(, 1, 1)] and `<prefix>.alpha`,
 *
 *     W += scale · (alpha / rank) · up · down
 *
 * on the Linear (MatMul/Gemm), 1×1 and 3×3 convolution weights it names. Several LoRAs add up, each with its
 * own scale. Module prefixes: `lora_unet_*` (UNet), `lora_te_*` / `lora_te1_*` (the CLIP text encoder),
 * `lora_te2_*` (SDXL's second text encoder). UNet names are diffusers' (`down_blocks_0_attentions_0_…`) or
 * the original LDM/SGM ones (`input_blocks_4_1_…`, as sd-scripts writes for SDXL), which are mapped.
 */

// ---------- safetensors ----------

export interface SafetensorsEntry {
  dtype: string;
  shape: number[];
  data: Float32Array;
}

/** Reads a .safetensors file (8-byte little-endian header length, JSON header, little-endian data). */
export function readSafetensors(bytes: Uint8Array, name = 'the file'): { tensors: Map<string, SafetensorsEntry>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8) throw corruptSafetensors(name, 'it is too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength <= 1 || headerLength > MAX_HEADER_BYTES || 8 + headerLength > bytes.byteLength)
    throw corruptSafetensors(name, 'its header length is wrong');
  const dataStart = 8 + headerLength;
  const { entries, metadata } = parseSafetensorsHeader(
    Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8'),
    bytes.byteLength - dataStart,
    name,
  );
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [key, spec] of entries) {
    // Copied out (aligned): the header checked that the bytes are inside the file and fit the shape.
    const raw = new Uint8Array(bytes.buffer.slice(bytes.byteOffset + dataStart + spec.begin, bytes.byteOffset + dataStart + spec.end));
    const count = elementCount(spec.shape);
    let data: Float32Array;
    if (spec.dtype === 'F32') data = new Float32Array(raw.buffer, 0, count);
    else if (spec.dtype === 'F16') data = floatArrayFromHalf(new Uint16Array(raw.buffer, 0, count));
    else if (spec.dtype === 'BF16') {
      const halves = new Uint16Array(raw.buffer, 0, count);
      data = new Float32Array(count);
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < count; i++) bits[i] = halves[i]! << 16;
    } else if (spec.dtype === 'F64') data = Float32Array.from(new Float64Array(raw.buffer, 0, count));
    else throw corruptSafetensors(name, `${key} is ${spec.dtype}; LoRA weights are floats`);
    tensors.set(key, { dtype: spec.dtype, shape: spec.shape, data });
  }
  return { tensors, metadata };
}

// ---------- LoRA modules ----------

export type LoraTarget = 'unet' | 'text_encoder' | 'text_encoder_2';

export interface LoraModule {
  /** The kohya key prefix as written in the file (e.g. lora_unet_down_blocks_0_attentions_0_proj_in). */
  key: string;
  /** The same in diffusers naming (SGM names mapped). */
  diffusersKey: string;
  target: LoraTarget;
  up: SafetensorsEntry;
  down: SafetensorsEntry;
  alpha: number;
  rank: number;
}

export interface LoraFile {
  path: string;
  name: string;
  sha256: string;
  modules: LoraModule[];
  /** Keys that are not LoRA up/down/alpha triples this merge understands (LoHa, LoKr, DoRA scales…). */
  unsupported: string[];
}

function targetOf(key: string): { target: LoraTarget; rest: string } | undefined {
  const match = /^lora_(unet|te1|te2|te)_(.+)$/.exec(key);
  if (!match) return undefined;
  const target: LoraTarget = match[1] === 'unet' ? 'unet' : match[1] === 'te2' ? 'text_encoder_2' : 'text_encoder';
  return { target, rest: match[2]! };
}

/** SGM/LDM resnet layer names → diffusers. */
const resnetNames: [RegExp, string][] = [
  [/^in_layers_2/, 'conv1'],
  [/^out_layers_3/, 'conv2'],
  [/^emb_layers_1/, 'time_emb_proj'],
  [/^skip_connection/, 'conv_shortcut'],
  [/^in_layers_0/, 'norm1'],
  [/^out_layers_0/, 'norm2'],
];

function renameResnet(rest: string): string {
  for (const [pattern, name] of resnetNames) if (pattern.test(rest)) return rest.replace(pattern, name);
  return rest;
}

/**
 * Maps an SGM/LDM UNet key (input_blocks / middle_block / output_blocks, two layers per block) to diffusers'
 * (down_blocks / mid_block / up_blocks). Keys already in diffusers naming are returned unchanged.
 */
export function sgmToDiffusers(rest: string): string {
  let m = /^input_blocks_(\d+)_(\d+)_(.+)$/.exec(rest);
  if (m) {
    const i = Number(m[1]);
    const sub = Number(m[2]);
    const inner = m[3]!;
    if (i === 0) return `conv_in_${inner}`;
    const block = Math.floor((i - 1) / 3);
    const layer = (i - 1) % 3;
    if (layer === 2) return `down_blocks_${block}_downsamplers_0_conv${inner.replace(/^op/, '')}`;
    return sub === 0 ? `down_blocks_${block}_resnets_${layer}_${renameResnet(inner)}` : `down_blocks_${block}_attentions_${layer}_${inner}`;
  }
  m = /^middle_block_(\d+)_(.+)$/.exec(rest);
  if (m) {
    const sub = Number(m[1]);
    const inner = m[2]!;
    if (sub === 1) return `mid_block_attentions_0_${inner}`;
    return `mid_block_resnets_${sub === 0 ? 0 : 1}_${renameResnet(inner)}`;
  }
  m = /^output_blocks_(\d+)_(\d+)_(.+)$/.exec(rest);
  if (m) {
    const j = Number(m[1]);
    const sub = Number(m[2]);
    const inner = m[3]!;
    const block = Math.floor(j / 3);
    const layer = j % 3;
    if (sub === 0) return `up_blocks_${block}_resnets_${layer}_${renameResnet(inner)}`;
    // Blocks without attention put the upsampler at index 1; with attention at index 2.
    if (/^conv/.test(inner) && (sub === 2 || !/transformer_blocks|proj_in|proj_out|norm/.test(inner)))
      return `up_blocks_${block}_upsamplers_0_${inner}`;
    return `up_blocks_${block}_attentions_${layer}_${inner}`;
  }
  return rest;
}

export function parseLora(path: string): LoraFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new StudioError('NOT_FOUND', `The LoRA file ${path} does not exist.`, 'Check the path (a kohya/sd-scripts .safetensors file).');
  }
  const { tensors } = readSafetensors(bytes, basename(path));
  const prefixes = new Set<string>();
  const unsupported: string[] = [];
  for (const key of tensors.keys()) {
    const m = /^(.+)\.(lora_up\.weight|lora_down\.weight|alpha)$/.exec(key);
    if (m) prefixes.add(m[1]!);
    else unsupported.push(key);
  }
  const modules: LoraModule[] = [];
  for (const prefix of [...prefixes].sort()) {
    const up = tensors.get(`${prefix}.lora_up.weight`);
    const down = tensors.get(`${prefix}.lora_down.weight`);
    const target = targetOf(prefix);
    if (!up || !down || !target) {
      unsupported.push(prefix);
      continue;
    }
    const rank = down.shape[0]!;
    if (up.shape[1] !== rank) {
      unsupported.push(`${prefix} (up ${JSON.stringify(up.shape)} and down ${JSON.stringify(down.shape)} do not share a rank)`);
      continue;
    }
    const alphaEntry = tensors.get(`${prefix}.alpha`);
    const alpha = alphaEntry ? alphaEntry.data[0]! : rank;
    const rest = target.target === 'unet' ? sgmToDiffusers(target.rest) : target.rest;
    const lead = prefix.slice(0, prefix.length - target.rest.length);
    modules.push({ key: prefix, diffusersKey: `${lead}${rest}`, target: target.target, up, down, alpha, rank });
  }
  if (!modules.length)
    throw new StudioError(
      'INVALID_INPUT',
      `${basename(path)} has no LoRA modules Likeness can merge (lora_up/lora_down pairs).`,
      'Use a kohya/sd-scripts LoRA (.safetensors); LoHa/LoKr files are not supported.',
    );
  return {
    path,
    name: basename(path).replace(/\.safetensors$/i, ''),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    modules,
    unsupported,
  };
}

// ---------- matching modules to ONNX weights ----------

export interface WeightTarget {
  info: InitializerInfo;
  /** Stored as [in, out] (a MatMul weight exported by torch), i.e. the transpose of torch's [out, in]. */
  transposed: boolean;
  /**
   * One projection inside a packed attention weight ([in, parts·out], stored [in, out]): `slot` of `parts`
   * (Q, K, V = 0, 1, 2; K, V of a packed KV = 0, 1), interleaved per head ([in, heads, parts, head size], what
   * MultiHeadAttention's packed input takes) or, with heads = 1, in blocks (Q | K | V, the Attention op's weight).
   */
  packed?: { parts: number; slot: number; heads: number; label: string };
}

const kohyaKey = (prefix: string, module: string) => `${prefix}_${module.replace(/\./g, '_')}`;

/**
 * The weights of an ONNX model a LoRA can name, by kohya key: readable initializers (`<module>.weight`) and,
 * for exports that rename weights (`onnx::MatMul_123`), the MatMul/Gemm/Conv node whose name carries the module
 * path (`/down_blocks.0/attentions.0/…/to_q/MatMul`), and the Q/K/V slices of attention weights onnxruntime packed
 * (given the model's bytes, to read the packing's head count).
 */
export function weightTargets(index: OnnxGraphIndex, prefix: string, bytes?: Uint8Array): Map<string, WeightTarget> {
  const byName = new Map(index.initializers.map((i) => [i.name, i]));
  // A weight fed straight into MatMul as its right operand is stored [in, out] (y = x·W), whatever its name.
  const rightOfMatMul = new Set(index.nodes.filter((n) => n.opType === 'MatMul' && n.inputs[1]).map((n) => n.inputs[1]!));
  const targets = new Map<string, WeightTarget>();
  for (const info of index.initializers) {
    if (!info.name.endsWith('.weight') || info.dims.length < 2) continue;
    targets.set(kohyaKey(prefix, info.name.slice(0, -'.weight'.length)), { info, transposed: rightOfMatMul.has(info.name) });
  }
  for (const node of index.nodes) {
    if (!['MatMul', 'Gemm', 'Conv'].includes(node.opType) || !node.name.startsWith('/')) continue;
    const weight = node.inputs.map((input) => byName.get(input)).find((info) => info && info.dims.length >= 2);
    if (!weight) continue;
    const module = node.name.split('/').filter(Boolean).slice(0, -1).join('.');
    const key = kohyaKey(prefix, module);
    if (!targets.has(key)) targets.set(key, { info: weight, transposed: node.opType === 'MatMul' });
  }
  for (const [module, target] of packedAttentionTargets(index, bytes)) {
    const key = kohyaKey(prefix, module);
    if (!targets.has(key)) targets.set(key, target);
  }
  return targets;
}

/**
 * Attention that onnxruntime's transformer optimizer fused (Olive and ORT-optimised UNets: fusion_attention_unet.py):
 * to_q/to_k/to_v are gone, packed into one weight. Self-attention: MatMul(x, W_qkv [C, N·3·H]) → Reshape
 * [0, 0, N, 3, H] → MultiHeadAttention, or Attention(x, W_qkv [C, 3·C]) in Q | K | V blocks; cross-attention keeps
 * to_q and packs K, V as [C_kv, N·2·H] → Reshape [0, 0, N, 2, H]. The module path comes from the attention's
 * output projection (to_out.0), which fusion leaves as it was.
 */
function packedAttentionTargets(index: OnnxGraphIndex, bytes: Uint8Array | undefined): Map<string, WeightTarget> {
  const found = new Map<string, WeightTarget>();
  if (!bytes) return found;
  const byName = new Map(index.initializers.map((i) => [i.name, i]));
  const producer = new Map(index.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const consumers = new Map<string, NodeInfo[]>();
  for (const node of index.nodes) for (const input of node.inputs) consumers.set(input, [...(consumers.get(input) ?? []), node]);
  const weightOf = (node: NodeInfo | undefined) => (node?.opType === 'MatMul' ? byName.get(node.inputs[1] ?? '') : undefined);

  for (const node of index.nodes) {
    if (node.domain !== 'com.microsoft' || (node.opType !== 'MultiHeadAttention' && node.opType !== 'Attention')) continue;
    const module = attentionModule(node, consumers, byName);
    if (!module) continue;
    const add = (name: string, info: InitializerInfo, packed: WeightTarget['packed']) =>
      found.set(`${module}.${name}`, { info, transposed: true, packed });
    if (node.opType === 'Attention') {
      const weight = byName.get(node.inputs[1] ?? '');
      if (weight?.dims.length === 2)
        ['to_q', 'to_k', 'to_v'].forEach((name, slot) => add(name, weight, { parts: 3, slot, heads: 1, label: 'Attention QKV' }));
      continue;
    }
    for (const input of node.inputs) {
      const reshape = producer.get(input);
      if (reshape?.opType !== 'Reshape') continue;
      const shapeInfo = byName.get(reshape.inputs[1] ?? '');
      const shape = shapeInfo && readInt64Initializer(bytes, shapeInfo);
      const weight = weightOf(producer.get(reshape.inputs[0] ?? ''));
      if (!shape || shape.length !== 5 || !weight || weight.dims.length !== 2) continue;
      const [heads, parts] = [shape[2]!, shape[3]!];
      const names = parts === 3 ? ['to_q', 'to_k', 'to_v'] : parts === 2 ? ['to_k', 'to_v'] : [];
      names.forEach((name, slot) => add(name, weight, { parts, slot, heads, label: parts === 3 ? 'packed QKV' : 'packed KV' }));
    }
  }
  return found;
}

/** `down_blocks.0.attentions.0.transformer_blocks.0.attn1` from the to_out.0 projection after the attention node. */
function attentionModule(node: NodeInfo, consumers: Map<string, NodeInfo[]>, byName: Map<string, InitializerInfo>): string | undefined {
  let frontier = consumers.get(node.outputs[0] ?? '') ?? [];
  for (let hop = 0; hop < 3 && frontier.length; hop++) {
    for (const next of frontier) {
      if (next.opType !== 'MatMul' && next.opType !== 'Gemm') continue;
      const fromName = /^\/(.+)\/to_out\.0\/(MatMul|Gemm)$/.exec(next.name)?.[1]?.split('/').join('.');
      const weight = next.inputs.map((i) => byName.get(i)?.name).find((n) => n?.endsWith('.to_out.0.weight'));
      const module = fromName ?? weight?.slice(0, -'.to_out.0.weight'.length);
      if (module) return module;
    }
    frontier = frontier
      .filter((n) => n.opType === 'Reshape' || n.opType === 'Transpose' || n.opType === 'Cast')
      .flatMap((n) => consumers.get(n.outputs[0] ?? '') ?? []);
  }
  return undefined;
}

export interface MergeReport {
  lora: string;
  matched: number;
  /** Of the matched, how many weights were stored transposed ([in, out]) and merged as such. */
  transposed: number;
  /** Of the matched, how many went into a slice of an attention weight onnxruntime packed (Q/K/V). */
  packed: number;
  /** LoRA modules that matched no weight of the model (with the reason when the name matched but the shape did not). */
  unmatched: string[];
  unsupported: string[];
}

/**
 * Adds the LoRAs' deltas to the model's weights and returns the new values of every changed weight. The model
 * is an ONNX file's bytes (+ its folder for external weights); `target` picks which modules apply to it.
 */
export function mergeLoras(
  bytes: Uint8Array,
  modelDir: string,
  target: LoraTarget,
  loras: readonly { file: LoraFile; scale: number }[],
  index: OnnxGraphIndex = indexOnnxModel(bytes),
): { replacements: WeightReplacement[]; reports: MergeReport[] } {
  const prefixes: Record<LoraTarget, string[]> = { unet: ['lora_unet'], text_encoder: ['lora_te', 'lora_te1'], text_encoder_2: ['lora_te2'] };
  const targetsByPrefix = new Map(prefixes[target].map((p) => [p, weightTargets(index, p, bytes)]));
  const merged = new Map<InitializerInfo, Float32Array>();
  const reports: MergeReport[] = [];
  for (const { file, scale } of loras) {
    const report: MergeReport = { lora: file.name, matched: 0, transposed: 0, packed: 0, unmatched: [], unsupported: file.unsupported };
    for (const module of file.modules.filter((m) => m.target === target)) {
      const prefix = /^(lora_[a-z0-9]+)_/.exec(module.diffusersKey)?.[1] ?? '';
      const found = targetsByPrefix.get(prefix)?.get(module.diffusersKey);
      if (!found) {
        report.unmatched.push(module.key);
        continue;
      }
      const problem = addDelta(bytes, modelDir, found, module, scale, merged);
      if (problem) report.unmatched.push(`${module.key} (${problem})`);
      else {
        report.matched++;
        if (found.transposed) report.transposed++;
        if (found.packed) report.packed++;
      }
    }
    reports.push(report);
  }
  return { replacements: [...merged].map(([info, values]) => ({ info, values })), reports };
}

/** The weight's values being merged into (read once, shared by every LoRA module that changes it). */
function mergedValues(merged: Map<InitializerInfo, Float32Array>, info: InitializerInfo, bytes: Uint8Array, modelDir: string): Float32Array {
  let values = merged.get(info);
  if (!values) {
    values = readFloatInitializer(bytes, info, modelDir).slice();
    merged.set(info, values);
  }
  return values;
}

/** W += scale · alpha/rank · up · down (in the weight's own layout); returns why not, when the shapes disagree. */
function addDelta(
  bytes: Uint8Array,
  modelDir: string,
  target: WeightTarget,
  module: LoraModule,
  scale: number,
  merged: Map<InitializerInfo, Float32Array>,
): string | undefined {
  const { info } = target;
  const out = module.up.shape[0]!;
  const rank = module.rank;
  const inner = elementCount(module.down.shape) / rank; // in · kh · kw
  const inFeatures = module.down.shape[1]!;
  const dims = info.dims;
  if (target.packed) return addPackedDelta(bytes, modelDir, target, module, scale, merged);
  const count = elementCount(dims);
  // A readable name does not promise torch's [out, in] layout: a non-square weight stored [in, out] says so itself.
  const transposed = target.transposed || (dims.length === 2 && inFeatures !== out && dims[0] === inFeatures && dims[1] === out);
  target.transposed = transposed;
  if (count !== out * inner) return `its delta is ${out}×${inner}, the weight ${info.name} is [${dims.join(', ')}]`;
  if (transposed && (dims.length !== 2 || dims[0] !== inFeatures || dims[1] !== out))
    return `the weight ${info.name} [${dims.join(', ')}] is not the transpose of [${out}, ${inFeatures}]`;
  if (!transposed && dims[0] !== out) return `the weight ${info.name} has ${dims[0]} outputs, the LoRA ${out}`;

  const values = mergedValues(merged, info, bytes, modelDir);
  const factor = scale * (module.alpha / rank);
  const up = module.up.data;
  const down = module.down.data;
  for (let o = 0; o < out; o++) {
    for (let r = 0; r < rank; r++) {
      const u = up[o * rank + r]! * factor;
      if (u === 0) continue;
      const row = r * inner;
      if (transposed) {
        // [in, out] storage (kernel is 1 for a Linear).
        for (let i = 0; i < inFeatures; i++) values[i * out + o]! += u * down[row + i]!;
      } else {
        const base = o * inner;
        for (let k = 0; k < inner; k++) values[base + k]! += u * down[row + k]!;
      }
    }
  }
  return undefined;
}

/** The delta of one projection added into its slice of a packed attention weight (see WeightTarget.packed). */
function addPackedDelta(
  bytes: Uint8Array,
  modelDir: string,
  target: WeightTarget,
  module: LoraModule,
  scale: number,
  merged: Map<InitializerInfo, Float32Array>,
): string | undefined {
  const { info } = target;
  const { parts, slot, heads } = target.packed!;
  const [inFeatures, columns] = info.dims as [number, number];
  const out = module.up.shape[0]!;
  const rank = module.rank;
  if (module.down.shape.length !== 2 || module.down.shape[1] !== inFeatures || out * parts !== columns)
    return `its delta is ${out}×${module.down.shape[1]}, the ${target.packed!.label} weight ${info.name} is [${info.dims.join(', ')}] for ${parts} projections`;
  const headSize = out / heads;
  if (!Number.isInteger(headSize)) return `${out} outputs do not split into ${heads} heads`;
  const values = mergedValues(merged, info, bytes, modelDir);
  const factor = scale * (module.alpha / rank);
  const up = module.up.data;
  const down = module.down.data;
  for (let o = 0; o < out; o++) {
    // Output o of this projection: head n, element j → column (n·parts + slot)·H + j (with one "head", slot·out + o).
    const column = (Math.floor(o / headSize) * parts + slot) * headSize + (o % headSize);
    for (let r = 0; r < rank; r++) {
      const u = up[o * rank + r]! * factor;
      if (u === 0) continue;
      for (let i = 0; i < inFeatures; i++) values[i * columns + column]! += u * down[r * inFeatures + i]!;
    }
  }
  return undefined;
}
