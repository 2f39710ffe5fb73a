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
