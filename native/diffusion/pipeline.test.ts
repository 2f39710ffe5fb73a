import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '../inference/image-tensor';
import { indexOnnxModel, readFloatInitializer } from '../inference/onnx-weights';
import { inspectDiffusionFolder } from '../models/diffusion-folder';
import { img2img } from './img2img';
import { loadDiffusionModel, type DiffusionModel } from './loader';
import { schedulerNames } from './schedulers';
import { writeSafetensors } from './testing/safetensors';
import { openSession, Tensor } from '../inference/session';
import { samplingVaeEncoder, TINY_HIDDEN, writeTinyModelFolder } from './testing/tiny-models';
import { txt2img, type Txt2ImgParams } from './txt2img';

const root = mkdtempSync(join(tmpdir(), 'likeness-pipeline-'));
const opened: DiffusionModel[] = [];
afterAll(async () => {
  await Promise.all(opened.map((m) => m.release()));
  rmSync(root, { recursive: true, force: true });
});

async function load(layout: 'sd15' | 'sd15-int64' | 'sd15-fp16' | 'sdxl', loras: { path: string; scale: number }[] = []) {
  const dir = join(root, layout);
  writeTinyModelFolder(dir, layout);
  const model = await loadDiffusionModel(inspectDiffusionFolder(dir), { provider: 'cpu', loras, scratchDir: join(root, 'scratch') });
  opened.push(model);
  return model;
}

const png = (image: RgbImage) =>
  sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();

const base: Txt2ImgParams = {
  prompt: 'a photo of ohwx person, studio light',
  negativePrompt: 'blurry',
  width: 64,
  height: 64,
  steps: 4,
  guidance: 5,
  scheduler: 'euler',
  seeds: [1],
};

describe('txt2img on tiny models with the real layouts (CPU provider)', () => {
  it('SD 1.5 layout (int32 ids, float timestep): every scheduler gives a finite image of the asked size', async () => {
    const model = await load('sd15');
    expect(model.provider).toBe('cpu');
    expect(model.unet.inputs.timestep?.type).toBe('float32');
    for (const scheduler of schedulerNames) {
      const steps: number[] = [];
      const out = await txt2img(model, { ...base, scheduler, width: 64, height: 96 }, { onStep: (e) => steps.push(e.step) });
      expect(out.images).toHaveLength(1);
      expect(out.images[0]).toMatchObject({ width: 64, height: 96 });
      expect(out.images[0]!.data.length).toBe(64 * 96 * 3);
      expect(steps).toEqual([1, 2, 3, 4]);
      expect(out.timings.steps).toBe(4);
      expect(out.timings.unetMs).toBeGreaterThan(0);
      // Not a flat picture: the denoised latents carry the model's structure.
      expect(new Set(out.images[0]!.data).size).toBeGreaterThan(10);
    }
  });

  it('same seed and parameters give identical PNG bytes; another seed, prompt or guidance gives another image', async () => {
    const model = await load('sd15');
    const first = await png((await txt2img(model, base)).images[0]!);
    const again = await png((await txt2img(model, base)).images[0]!);
    expect(again.equals(first)).toBe(true);
    expect((await png((await txt2img(model, { ...base, seeds: [2] })).images[0]!)).equals(first)).toBe(false);
    expect((await png((await txt2img(model, { ...base, prompt: 'a cat' })).images[0]!)).equals(first)).toBe(false);
    expect((await png((await txt2img(model, { ...base, guidance: 1 })).images[0]!)).equals(first)).toBe(false);
  });

  it('a batch draws each image from its own seed: image k of a batch equals a single run with that seed', async () => {
    const model = await load('sd15');
    const batch = await txt2img(model, { ...base, scheduler: 'euler-a', seeds: [7, 8] });
    const single = await txt2img(model, { ...base, scheduler: 'euler-a', seeds: [8] });
    expect(Buffer.from(batch.images[1]!.data).equals(Buffer.from(single.images[0]!.data))).toBe(true);
    expect(Buffer.from(batch.images[0]!.data).equals(Buffer.from(batch.images[1]!.data))).toBe(false);
  });

  it('int64 timestep with weights in model.onnx_data', async () => {
    const model = await load('sd15-int64');
    expect(model.unet.inputs.timestep?.type).toBe('int64');
    const out = await txt2img(model, { ...base, scheduler: 'dpmpp-2m-karras' });
    expect(out.images[0]!.data.length).toBe(64 * 64 * 3);
  });

  it('float16 exports: fp16 ids→embeddings, sample, timestep and VAE tensors are converted at the edges', async () => {
    const model = await load('sd15-fp16');
    expect([model.unet.inputs.sample?.type, model.unet.inputs.timestep?.type, model.textEncoder.outputs.last_hidden_state?.type]).toEqual([
      'float16',
      'float16',
      'float16',
    ]);
    const fp32 = await load('sd15');
    const a = await txt2img(model, { ...base, scheduler: 'euler-a' });
    const b = await txt2img(fp32, { ...base, scheduler: 'euler-a' });
    // The same network at half precision: nearly the same picture.
    let diff = 0;
    for (let i = 0; i < a.images[0]!.data.length; i++) diff += Math.abs(a.images[0]!.data[i]! - b.images[0]!.data[i]!);
    expect(diff / a.images[0]!.data.length).toBeLessThan(3);
    const init = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 3).fill(128) };
    expect((await img2img(model, { ...base, init, strength: 0.5 })).images[0]!.data.length).toBe(64 * 64 * 3);
  });

  it('SDXL layout: two encoders, pooled embeddings and time ids; Turbo-style guidance 1 skips the negative pass', async () => {
    const model = await load('sdxl');
    expect(model.textEncoder2).toBeDefined();
    const guided = await txt2img(model, { ...base, scheduler: 'euler-a' });
    const unguided = await txt2img(model, { ...base, scheduler: 'euler-a', guidance: 0, steps: 1 });
    expect(guided.images[0]!.width).toBe(64);
    expect(unguided.timings.steps).toBe(1);
    // Guidance off costs one UNet pass per step instead of two: fewer text encodings too.
    expect(Buffer.from(unguided.images[0]!.data).equals(Buffer.from(guided.images[0]!.data))).toBe(false);
  });

  it('decodes large images in tiles that blend into the same picture as a whole decode', async () => {
    const model = await load('sd15');
    const params = { ...base, width: 640, height: 576, steps: 2 };
    const whole = await txt2img(model, { ...params, tiledVae: false });
    const tiled = await txt2img(model, { ...params, tiledVae: true });
    let worst = 0;
    for (let i = 0; i < whole.images[0]!.data.length; i++) worst = Math.max(worst, Math.abs(whole.images[0]!.data[i]! - tiled.images[0]!.data[i]!));
    expect(tiled.images[0]).toMatchObject({ width: 640, height: 576 });
    // The tiny decoder's 3×3 convolution sees other neighbours at tile edges; the blend keeps that small.
    expect(worst).toBeLessThan(40);
  });

  it('stops between steps when cancelled', async () => {
    const model = await load('sd15');
    const controller = new AbortController();
    let last = 0;
    const run = txt2img(
      model,
      { ...base, steps: 20 },
      { signal: controller.signal, onStep: (e) => ((last = e.step), e.step === 3 && controller.abort()) },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(last).toBe(3);
  });

  it('refuses sizes that are not multiples of 8', async () => {
    const model = await load('sd15');
    await expect(txt2img(model, { ...base, width: 100 })).rejects.toThrow(/multiple of 8/);
  });

  it('gives a cheap latent preview per step', async () => {
    const model = await load('sd15');
    const previews: RgbImage[] = [];
    await txt2img(model, { ...base, width: 128, height: 64 }, { onStep: (e) => previews.push(e.preview()) });
    expect(previews).toHaveLength(4);
    expect(previews[0]).toMatchObject({ width: 16, height: 8 });
  });
});

describe('img2img', () => {
  const init: RgbImage = {
    width: 64,
    height: 64,
    data: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => ((i % 192) * 7) % 256),
  };

  it('keeps the image at low strength, runs ⌊steps·strength⌋ steps, and is reproducible', async () => {
    const model = await load('sd15');
    const low = await img2img(model, { ...base, steps: 10, init, strength: 0.2, scheduler: 'ddim' });
    const high = await img2img(model, { ...base, steps: 10, init, strength: 0.9, scheduler: 'ddim' });
    expect(low.timings.steps).toBe(2);
    expect(high.timings.steps).toBe(9);
    const again = await img2img(model, { ...base, steps: 10, init, strength: 0.2, scheduler: 'ddim' });
    expect(Buffer.from(again.images[0]!.data).equals(Buffer.from(low.images[0]!.data))).toBe(true);
    expect(Buffer.from(high.images[0]!.data).equals(Buffer.from(low.images[0]!.data))).toBe(false);
    for (const scheduler of schedulerNames) {
      const out = await img2img(model, { ...base, steps: 4, init, strength: 0.75, scheduler });
      expect(out.images[0]!.data.length).toBe(64 * 64 * 3);
    }
  });

  it('SDXL layout too; too little strength for the steps is an error that says what to do', async () => {
    const model = await load('sdxl');
    const out = await img2img(model, { ...base, init, strength: 0.5 });
    expect(out.timings.steps).toBe(2);
    await expect(img2img(model, { ...base, steps: 2, init, strength: 0.1 })).rejects.toMatchObject({
      message: 'At strength 0.1, 2 steps leave nothing to do.',
      hint: 'Raise the strength or the steps.',
    });
  });
});

describe('img2img with an export that samples inside its VAE encoder', () => {
  const init: RgbImage = { width: 64, height: 64, data: Uint8Array.from({ length: 64 * 64 * 3 }, (_, i) => ((i % 160) * 5) % 256) };

  it('the graph’s own noise is taken out (the mean), so the seed alone decides the image', async () => {
    const dir = writeTinyModelFolder(join(root, 'sampling-vae'), 'sd15', { vaeEncoder: samplingVaeEncoder() });
    // As exported, onnxruntime draws new noise on every run: the same image encodes to other latents.
    const exported = await openSession(join(dir, 'vae_encoder', 'model.onnx'), { model: 'vae_encoder', provider: 'cpu' });
    const feed = { sample: new Tensor('float32', new Float32Array(3 * 64 * 64).fill(0.3), [1, 3, 64, 64]) };
    const [first, second] = [await exported.run(feed), await exported.run(feed)].map((r) =>
      Buffer.from((r.latent_sample!.data as Float32Array).buffer),
    );
    expect(first!.equals(second!)).toBe(false);
    await exported.release();

    const model = await loadDiffusionModel(inspectDiffusionFolder(dir), { provider: 'cpu' });
    opened.push(model);
    const a = await img2img(model, { ...base, steps: 10, init, strength: 0.5, seeds: [4] });
    expect(model.vaeEncoderSampling).toBe('mean');
    const b = await img2img(model, { ...base, steps: 10, init, strength: 0.5, seeds: [4] });
    expect(Buffer.from(a.images[0]!.data).equals(Buffer.from(b.images[0]!.data))).toBe(true);
    const other = await img2img(model, { ...base, steps: 10, init, strength: 0.5, seeds: [5] });
    expect(Buffer.from(other.images[0]!.data).equals(Buffer.from(a.images[0]!.data))).toBe(false);
  });
});

describe('LoRA merged into the tiny models', () => {
  const rank = 2;
  const up = (out: number, seed: number, kernel = false) => ({
    shape: kernel ? [out, rank, 1, 1] : [out, rank],
    data: Float32Array.from({ length: out * rank }, (_, i) => Math.sin(i + seed) * 0.5),
  });
  const down = (inner: number, seed: number, shape?: number[]) => ({
    shape: shape ?? [rank, inner],
    data: Float32Array.from({ length: rank * inner }, (_, i) => Math.cos(i * 3 + seed) * 0.5),
  });
  const alpha = (value: number) => ({ shape: [], data: Float32Array.from([value]) });

  it('adds scale·alpha/rank·up·down to named, transposed and 3×3 conv weights, reports unmatched keys, and changes the image', async () => {
    const lora = join(root, 'person.safetensors');
    writeSafetensors(lora, {
      // A named Linear of the UNet (cross-attention key, stored [out, in] = [4, 8]).
      'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight': up(4, 1),
      'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight': down(TINY_HIDDEN, 2),
      'lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k.alpha': alpha(1),
      // A Linear exported transposed under onnx::MatMul_9001, found by its node name.
      'lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q.lora_up.weight': up(4, 3),
      'lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight': down(4, 4),
      'lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q.alpha': alpha(2),
      // A 3×3 convolution (LoCon) and a 1×1 one.
      'lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight': up(4, 5, true),
      'lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight': down(36, 6, [rank, 4, 3, 3]),
      'lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight': up(4, 7, true),
      'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight': down(4, 8, [rank, 4, 1, 1]),
      // The text encoder: a named weight and one stored transposed.
      'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight': up(TINY_HIDDEN, 9),
      'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight': down(TINY_HIDDEN, 10),
      'lora_te_text_model_encoder_layers_1_self_attn_q_proj.lora_up.weight': up(TINY_HIDDEN, 11),
      'lora_te_text_model_encoder_layers_1_self_attn_q_proj.lora_down.weight': down(TINY_HIDDEN, 12),
      // A module the model does not have.
      'lora_unet_mid_block_attentions_0_proj_out.lora_up.weight': up(4, 13),
      'lora_unet_mid_block_attentions_0_proj_out.lora_down.weight': down(4, 14),
    });
    const plain = await load('sd15');
    const merged = await load('sd15', [{ path: lora, scale: 0.8 }]);
    expect(merged.loras).toHaveLength(1);
    const reports = merged.loras[0]!.reports;
    const unet = reports.find((r) => r.matched === 4)!;
    expect(unet).toMatchObject({ matched: 4, transposed: 1, unmatched: ['lora_unet_mid_block_attentions_0_proj_out'] });
    expect(reports.find((r) => r.matched === 2)).toMatchObject({ transposed: 1, unmatched: [] });

    const a = await txt2img(plain, base);
    const b = await txt2img(merged, base);
    expect(Buffer.from(a.images[0]!.data).equals(Buffer.from(b.images[0]!.data))).toBe(false);

    // The merged weight equals W + 0.8 · (alpha/rank) · up·down, computed here independently.
    const { mergeLoras, parseLora } = await import('./lora');
    const unetPath = join(root, 'sd15', 'unet', 'model.onnx');
    const bytes = readFileSync(unetPath);
    const index = indexOnnxModel(bytes);
    const { replacements } = mergeLoras(bytes, join(root, 'sd15', 'unet'), 'unet', [{ file: parseLora(lora), scale: 0.8 }], index);
    const name = 'down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight';
    const info = index.initializers.find((i) => i.name === name)!;
    const original = readFloatInitializer(bytes, info, join(root, 'sd15', 'unet'));
    const u = up(4, 1).data;
    const d = down(TINY_HIDDEN, 2).data;
    const expected = Array.from(original, (w, k) => {
      const o = Math.floor(k / TINY_HIDDEN);
      const i = k % TINY_HIDDEN;
      let delta = 0;
      for (let r = 0; r < rank; r++) delta += u[o * rank + r]! * d[r * TINY_HIDDEN + i]!;
      return w + 0.8 * (1 / rank) * delta;
    });
    const actual = replacements.find((r) => r.info.name === name)!.values;
    expected.forEach((value, k) => expect(actual[k]).toBeCloseTo(value, 5));
    // The transposed one: stored [in, out], so the delta goes in transposed.
    const t = replacements.find((r) => r.info.name === 'onnx::MatMul_9001')!;
    const tOriginal = readFloatInitializer(bytes, t.info, join(root, 'sd15', 'unet'));
    const tu = up(4, 3).data;
    const td = down(4, 4).data;
    let delta01 = 0; // output 1, input 0 → stored at [0][1]
    for (let r = 0; r < rank; r++) delta01 += tu[1 * rank + r]! * td[r * 4 + 0]!;
    expect(t.values[0 * 4 + 1]).toBeCloseTo(tOriginal[1]! + 0.8 * (2 / rank) * delta01, 5);
  });

  it('merges into a model whose weights are in model.onnx_data, and several LoRAs add up', async () => {
    const one = join(root, 'one.safetensors');
    const two = join(root, 'two.safetensors');
    writeSafetensors(one, {
      'lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight': up(4, 21, true),
      'lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight': down(36, 22, [rank, 4, 3, 3]),
    });
    writeSafetensors(two, {
      'lora_unet_down_blocks_0_resnets_0_conv1.lora_up.weight': { ...up(4, 23, true), dtype: 'F16' },
      'lora_unet_down_blocks_0_resnets_0_conv1.lora_down.weight': { ...down(36, 24, [rank, 4, 3, 3]), dtype: 'F16' },
    });
    const plain = await load('sd15-int64');
    const both = await load('sd15-int64', [
      { path: one, scale: 1 },
      { path: two, scale: -0.5 },
    ]);
    expect(both.loras.map((l) => [l.name, l.reports[0]?.matched])).toEqual([
      ['one', 1],
      ['two', 1],
    ]);
    const a = await txt2img(plain, base);
    const b = await txt2img(both, base);
    expect(Buffer.from(a.images[0]!.data).equals(Buffer.from(b.images[0]!.data))).toBe(false);
  });

  it('SDXL: lora_te1 and lora_te2 go to their own encoders; SGM UNet names are mapped', async () => {
    const lora = join(root, 'xl.safetensors');
    writeSafetensors(lora, {
      'lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight': up(TINY_HIDDEN, 31),
      'lora_te1_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight': down(TINY_HIDDEN, 32),
      'lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight': up(12, 33),
      'lora_te2_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight': down(12, 34),
      // SGM naming: input_blocks.1.0 is the first resnet of down block 0 (in_layers.2 = conv1).
      'lora_unet_input_blocks_1_0_in_layers_2.lora_up.weight': up(4, 35, true),
      'lora_unet_input_blocks_1_0_in_layers_2.lora_down.weight': down(36, 36, [rank, 4, 3, 3]),
    });
    const model = await load('sdxl', [{ path: lora, scale: 1 }]);
    const matched = model.loras[0]!.reports.map((r) => r.matched);
    expect(matched).toEqual([1, 1, 1]);
    const out = await txt2img(model, base);
    expect(out.images[0]!.data.length).toBe(64 * 64 * 3);
  });

  it('a file that is not a LoRA gets a clear error', async () => {
    const { writeFileSync } = await import('node:fs');
    const bad = join(root, 'bad.safetensors');
    writeFileSync(bad, Buffer.from('not a safetensors file at all'));
    await expect(load('sd15', [{ path: bad, scale: 1 }])).rejects.toThrow(/not a readable \.safetensors file/);
  });
});
