import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOnnxModel } from '../inference/onnx-builder';
import { indexOnnxModel } from '../inference/onnx-weights';
import { mergeLoras, parseLora, sgmToDiffusers, weightTargets } from './lora';
import { writeSafetensors } from './testing/safetensors';

const dir = mkdtempSync(join(tmpdir(), 'likeness-lora-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SGM (original Stable Diffusion) UNet names → diffusers names', () => {
  it('maps input/middle/output blocks with two layers per block, resnet layer names included', () => {
    expect(sgmToDiffusers('input_blocks_4_1_transformer_blocks_0_attn1_to_q')).toBe('down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q');
    expect(sgmToDiffusers('input_blocks_8_1_proj_in')).toBe('down_blocks_2_attentions_1_proj_in');
    expect(sgmToDiffusers('input_blocks_1_0_in_layers_2')).toBe('down_blocks_0_resnets_0_conv1');
    expect(sgmToDiffusers('input_blocks_2_0_emb_layers_1')).toBe('down_blocks_0_resnets_1_time_emb_proj');
    expect(sgmToDiffusers('input_blocks_3_0_op')).toBe('down_blocks_0_downsamplers_0_conv');
    expect(sgmToDiffusers('middle_block_1_transformer_blocks_0_attn2_to_k')).toBe('mid_block_attentions_0_transformer_blocks_0_attn2_to_k');
    expect(sgmToDiffusers('middle_block_2_out_layers_3')).toBe('mid_block_resnets_1_conv2');
    expect(sgmToDiffusers('output_blocks_3_1_transformer_blocks_1_ff_net_2')).toBe('up_blocks_1_attentions_0_transformer_blocks_1_ff_net_2');
    expect(sgmToDiffusers('output_blocks_5_2_conv')).toBe('up_blocks_1_upsamplers_0_conv');
    expect(sgmToDiffusers('output_blocks_2_1_conv')).toBe('up_blocks_0_upsamplers_0_conv'); // SD 1.x: no attention in up block 0
    expect(sgmToDiffusers('output_blocks_0_0_skip_connection')).toBe('up_blocks_0_resnets_0_conv_shortcut');
    expect(sgmToDiffusers('down_blocks_0_attentions_0_proj_in')).toBe('down_blocks_0_attentions_0_proj_in');
  });
});

describe('finding the weights a LoRA names', () => {
  // y = x·A + Transpose(B)…: A named and fed to MatMul ([in, out] = [3, 5]); B named, used through Transpose ([out, in]).
  const bytes = buildOnnxModel({
    inputs: [{ name: 'x', type: 'float', shape: [1, 3] }],
    outputs: [{ name: 'y', type: 'float', shape: [1, 5] }],
    initializers: [
      { name: 'block.a.weight', type: 'float', dims: [3, 5], data: new Float32Array(15) },
      { name: 'block.b.weight', type: 'float', dims: [5, 5], data: new Float32Array(25) },
    ],
    nodes: [
      { op: 'MatMul', inputs: ['x', 'block.a.weight'], outputs: ['h'], name: '/block/a/MatMul' },
      { op: 'Transpose', inputs: ['block.b.weight'], outputs: ['bt'], attributes: { perm: [1, 0] } },
      { op: 'MatMul', inputs: ['h', 'bt'], outputs: ['y'], name: '/block/b/MatMul' },
    ],
  });
  const index = indexOnnxModel(bytes);

  it('knows a named weight fed straight into MatMul is stored [in, out], one behind a Transpose [out, in]', () => {
    const targets = weightTargets(index, 'lora_unet');
    expect(targets.get('lora_unet_block_a')).toMatchObject({ transposed: true });
    expect(targets.get('lora_unet_block_b')).toMatchObject({ transposed: false });
  });

  it('merges W += scale·alpha/rank·up·down in the weight’s own layout and names shape mismatches', () => {
    const file = join(dir, 'a.safetensors');
    writeSafetensors(file, {
      'lora_unet_block_a.lora_up.weight': { shape: [5, 1], data: Float32Array.from([1, 2, 3, 4, 5]) },
      'lora_unet_block_a.lora_down.weight': { shape: [1, 3], data: Float32Array.from([1, 10, 100]) },
      'lora_unet_block_a.alpha': { shape: [], data: Float32Array.from([0.5]) },
      // Rank 1 but 4 inputs: the model's block.b has 5.
      'lora_unet_block_b.lora_up.weight': { shape: [5, 1], data: new Float32Array(5).fill(1) },
      'lora_unet_block_b.lora_down.weight': { shape: [1, 4], data: new Float32Array(4).fill(1) },
      'lora_unet_block_c.lora_up.weight': { shape: [5, 1], data: new Float32Array(5).fill(1) },
      'lora_unet_block_c.lora_down.weight': { shape: [1, 5], data: new Float32Array(5).fill(1) },
      'lora_unet_block_d.hada_w1_a': { shape: [1], data: new Float32Array(1) },
    });
    const lora = parseLora(file);
    expect(lora.unsupported).toEqual(['lora_unet_block_d.hada_w1_a']);
    const { replacements, reports } = mergeLoras(bytes, dir, 'unet', [{ file: lora, scale: 2 }], index);
    expect(reports[0]).toMatchObject({ matched: 1, transposed: 1 });
    expect(reports[0]!.unmatched).toEqual([
      expect.stringMatching(/^lora_unet_block_b \(its delta is 5×4, the weight block\.b\.weight is \[5, 5\]\)$/),
      'lora_unet_block_c',
    ]);
    // Stored [in=3, out=5]: element [i][o] gets 2 · (0.5/1) · up[o] · down[i].
    const values = replacements[0]!.values;
    expect(values[0 * 5 + 4]).toBeCloseTo(1 * 5 * 1);
    expect(values[2 * 5 + 1]).toBeCloseTo(1 * 2 * 100);
  });
});

/**
 * UNets optimised by onnxruntime's transformer optimizer (Olive's SD exports, onnxruntime/sd-turbo) have no to_q,
 * to_k, to_v weights: fusion_attention_unet.py packs them. The reference layouts (create_attention_node):
 * self-attention for MultiHeadAttention, np.dstack of the [C, N, H] views of Wq, Wk, Wv → [C, N·3·H] behind a
 * Reshape [0, 0, N, 3, H]; the Attention op, np.stack((Wq, Wk, Wv), axis=1) → [C, 3·C] (Q | K | V); cross-attention
 * keeps to_q and packs Wk, Wv the first way with 2 parts. A LoRA merged into the packed graph must give exactly
 * the weights of merging it into the unpacked one and packing those.
 */
describe('LoRA on attention packed by onnxruntime’s optimizer', () => {
  const C = 8;
  const N = 2;
  const H = 4;
  const CKV = 6;
  let seed = 7;
  const random = (count: number) => Float32Array.from({ length: count }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1);
  const attn1 = '/down_blocks.0/attentions.0/transformer_blocks.0/attn1';
  const attn2 = '/down_blocks.0/attentions.0/transformer_blocks.0/attn2';
  const mid = 'mid_block.attentions.0.transformer_blocks.0.attn1';
  // The separate projections, stored [in, out] as torch exports MatMul weights.
  const w = {
    q1: random(C * C),
    k1: random(C * C),
    v1: random(C * C),
    q2: random(C * C),
    k2: random(CKV * C),
    v2: random(CKV * C),
    qm: random(C * C),
    km: random(C * C),
    vm: random(C * C),
  };
  const interleave = (inputs: number, parts: Float32Array[]) => {
    const packed = new Float32Array(inputs * N * parts.length * H);
    for (let c = 0; c < inputs; c++)
      for (let n = 0; n < N; n++)
        parts.forEach((part, t) => {
          for (let j = 0; j < H; j++) packed[c * N * parts.length * H + (n * parts.length + t) * H + j] = part[c * N * H + n * H + j]!;
        });
    return packed;
  };
  const blocks = (parts: Float32Array[]) => {
    const packed = new Float32Array(C * 3 * C);
    for (let c = 0; c < C; c++) parts.forEach((part, t) => packed.set(part.subarray(c * C, (c + 1) * C), c * 3 * C + t * C));
    return packed;
  };
  const int64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));
  const matmul = (name: string, input: string, weight: string, output: string) => ({
    op: 'MatMul',
    inputs: [input, weight],
    outputs: [output],
    name,
  });

  const unpacked = buildOnnxModel({
    inputs: [
      { name: 'x', type: 'float', shape: [1, 4, C] },
      { name: 'ctx', type: 'float', shape: [1, 3, CKV] },
    ],
    outputs: ['q1', 'k1', 'v1', 'q2', 'k2', 'v2', 'qm', 'km', 'vm'].map((name) => ({ name: `o_${name}`, type: 'float', shape: [1, 4, C] })),
    initializers: Object.entries(w).map(([name, data]) => ({ name: `w_${name}`, type: 'float', dims: [data.length / C, C], data })),
    nodes: [
      matmul(`${attn1}/to_q/MatMul`, 'x', 'w_q1', 'o_q1'),
      matmul(`${attn1}/to_k/MatMul`, 'x', 'w_k1', 'o_k1'),
      matmul(`${attn1}/to_v/MatMul`, 'x', 'w_v1', 'o_v1'),
      matmul(`${attn2}/to_q/MatMul`, 'x', 'w_q2', 'o_q2'),
      matmul(`${attn2}/to_k/MatMul`, 'ctx', 'w_k2', 'o_k2'),
      matmul(`${attn2}/to_v/MatMul`, 'ctx', 'w_v2', 'o_v2'),
      matmul('/mid_block/attentions.0/transformer_blocks.0/attn1/to_q/MatMul', 'x', 'w_qm', 'o_qm'),
      matmul(`/mid_block/attentions.0/transformer_blocks.0/attn1/to_k/MatMul`, 'x', 'w_km', 'o_km'),
      matmul(`/mid_block/attentions.0/transformer_blocks.0/attn1/to_v/MatMul`, 'x', 'w_vm', 'o_vm'),
    ],
  });

  // The fused graph as the optimizer leaves it (nodes and initializers named as it names them).
  const packed = buildOnnxModel({
    inputs: [
      { name: 'x', type: 'float', shape: [1, 4, C] },
      { name: 'ctx', type: 'float', shape: [1, 3, CKV] },
    ],
    outputs: [{ name: 'y', type: 'float', shape: [1, 4, C] }],
    initializers: [
      { name: 'MatMul_QKV_0_weight', type: 'float', dims: [C, N * 3 * H], data: interleave(C, [w.q1, w.k1, w.v1]) },
      { name: 'MatMul_QKV_0_reshape_shape', type: 'int64', dims: [5], data: int64([0, 0, N, 3, H]) },
      { name: 'onnx::MatMul_901', type: 'float', dims: [C, C], data: random(C * C) },
      { name: 'onnx::MatMul_902', type: 'float', dims: [C, C], data: w.q2 },
      { name: 'MatMul_KV_1_weight', type: 'float', dims: [CKV, N * 2 * H], data: interleave(CKV, [w.k2, w.v2]) },
      { name: 'MatMul_KV_1_reshape_shape', type: 'int64', dims: [5], data: int64([0, 0, N, 2, H]) },
      { name: 'onnx::MatMul_903', type: 'float', dims: [C, C], data: random(C * C) },
      { name: 'Attention_2_qkv_weight', type: 'float', dims: [C, 3 * C], data: blocks([w.qm, w.km, w.vm]) },
      { name: 'Attention_2_qkv_bias', type: 'float', dims: [3 * C], data: new Float32Array(3 * C) },
      { name: `${mid}.to_out.0.weight`, type: 'float', dims: [C, C], data: random(C * C) },
    ],
    nodes: [
      matmul('MatMul_QKV_0', 'x', 'MatMul_QKV_0_weight', 'qkv'),
      { op: 'Reshape', inputs: ['qkv', 'MatMul_QKV_0_reshape_shape'], outputs: ['qkv_5d'], name: 'MatMul_QKV_0_reshape' },
      {
        op: 'MultiHeadAttention',
        domain: 'com.microsoft',
        inputs: ['qkv_5d'],
        outputs: ['a1'],
        name: 'MultiHeadAttention_0',
        attributes: { num_heads: { int: N } },
      },
      matmul(`${attn1}/to_out.0/MatMul`, 'a1', 'onnx::MatMul_901', 'h1'),
      matmul(`${attn2}/to_q/MatMul`, 'h1', 'onnx::MatMul_902', 'q2'),
      matmul('MatMul_KV_1', 'ctx', 'MatMul_KV_1_weight', 'kv'),
      { op: 'Reshape', inputs: ['kv', 'MatMul_KV_1_reshape_shape'], outputs: ['kv_5d'], name: 'MatMul_KV_1_reshape' },
      {
        op: 'MultiHeadAttention',
        domain: 'com.microsoft',
        inputs: ['q2', 'kv_5d'],
        outputs: ['a2'],
        name: 'MultiHeadAttention_1',
        attributes: { num_heads: { int: N } },
      },
      matmul(`${attn2}/to_out.0/MatMul`, 'a2', 'onnx::MatMul_903', 'h2'),
      {
        op: 'Attention',
        domain: 'com.microsoft',
        inputs: ['h2', 'Attention_2_qkv_weight', 'Attention_2_qkv_bias'],
        outputs: ['a3'],
        name: 'Attention_2',
        attributes: { num_heads: { int: N } },
      },
      { op: 'MatMul', inputs: ['a3', `${mid}.to_out.0.weight`], outputs: ['y'], name: 'MatMul_77' },
    ],
  });

  it('merges to_q/to_k/to_v into their slices of the packed weights, exactly as merging first and packing after', () => {
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    const modules: [string, number][] = [
      ['down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q', C],
      ['down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_k', C],
      ['down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_v', C],
      ['down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_q', C],
      ['down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k', CKV],
      ['down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_v', CKV],
      ['mid_block_attentions_0_transformer_blocks_0_attn1_to_q', C],
      ['mid_block_attentions_0_transformer_blocks_0_attn1_to_k', C],
      ['mid_block_attentions_0_transformer_blocks_0_attn1_to_v', C],
    ];
    for (const [module, inputs] of modules) {
      tensors[`lora_unet_${module}.lora_up.weight`] = { shape: [C, 2], data: random(C * 2) };
      tensors[`lora_unet_${module}.lora_down.weight`] = { shape: [2, inputs], data: random(2 * inputs) };
      tensors[`lora_unet_${module}.alpha`] = { shape: [], data: Float32Array.of(1) };
    }
    const file = join(dir, 'packed.safetensors');
    writeSafetensors(file, tensors);
    const lora = parseLora(file);

    const reference = mergeLoras(unpacked, dir, 'unet', [{ file: lora, scale: 0.8 }]);
    expect(reference.reports[0]).toMatchObject({ matched: 9, unmatched: [] });
    const merged = (replacements: typeof reference.replacements, name: string) => replacements.find((r) => r.info.name === name)!.values;
    const ref = (name: string) => merged(reference.replacements, `w_${name}`);

    const fused = mergeLoras(packed, dir, 'unet', [{ file: lora, scale: 0.8 }]);
    // Every module found its slice: the report says so module by module (nothing unmatched).
    expect(fused.reports[0]).toMatchObject({ matched: 9, packed: 8, unmatched: [] });
    const expectClose = (got: Float32Array, want: Float32Array) => {
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 5);
    };
    expectClose(merged(fused.replacements, 'MatMul_QKV_0_weight'), interleave(C, [ref('q1'), ref('k1'), ref('v1')]));
    expectClose(merged(fused.replacements, 'onnx::MatMul_902'), ref('q2'));
    expectClose(merged(fused.replacements, 'MatMul_KV_1_weight'), interleave(CKV, [ref('k2'), ref('v2')]));
    expectClose(merged(fused.replacements, 'Attention_2_qkv_weight'), blocks([ref('qm'), ref('km'), ref('vm')]));
  });
});
