import { copyFileSync, cpSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTinyModelFolder } from '../diffusion/testing/tiny-models';
import { readOnnxSignature } from '../inference/onnx-file';
import { inspectDiffusionFolder } from './diffusion-folder';

const root = mkdtempSync(join(tmpdir(), 'likeness-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const sd15 = writeTinyModelFolder(join(root, 'sd15'), 'sd15');
const sd15x = writeTinyModelFolder(join(root, 'sd15-int64'), 'sd15-int64');
const sdxl = writeTinyModelFolder(join(root, 'sdxl'), 'sdxl');

function problemsOf(dir: string, options = {}): string {
  try {
    inspectDiffusionFolder(dir, options);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the folder to be refused');
}

describe('reading an ONNX model’s signature from the file', () => {
  it('gives input/output names, dtypes and symbolic shapes, and the external data files the weights need', () => {
    const unet = readOnnxSignature(join(sd15x, 'unet', 'model.onnx'));
    expect(unet.inputs.map((i) => [i.name, i.type, i.shape])).toEqual([
      ['sample', 'float32', ['batch_size', 4, 'height', 'width']],
      ['timestep', 'int64', ['steps']],
      ['encoder_hidden_states', 'float32', ['batch_size', 'sequence_length', 8]],
    ]);
    expect(unet.outputs.map((o) => o.name)).toEqual(['out_sample']);
    expect(unet.externalData).toEqual([{ location: 'model.onnx_data', end: expect.any(Number) }]);
    expect(readOnnxSignature(join(sd15, 'text_encoder', 'model.onnx')).inputs[0]).toMatchObject({ name: 'input_ids', type: 'int32' });
  });
});

describe('inspecting a diffusers ONNX folder', () => {
  it('recognises SD 1.5 and SDXL layouts with their components, VAE scale and empty-prompt rule', () => {
    const a = inspectDiffusionFolder(sd15);
    expect(a).toMatchObject({ family: 'sd15', vaeScalingFactor: 0.18215, nativeSize: 512, forceZerosForEmptyPrompt: false, fixedSize: undefined });
    expect(a.components.textEncoder2).toBeUndefined();
    expect(a.components.vaeEncoder).toBe(join(sd15, 'vae_encoder', 'model.onnx'));
    const b = inspectDiffusionFolder(sdxl);
    expect(b).toMatchObject({ family: 'sdxl', vaeScalingFactor: 0.13025, nativeSize: 1024, forceZerosForEmptyPrompt: true });
    expect(b.components.tokenizer2).toBe(join(sdxl, 'tokenizer_2'));
    // The family can be given (e.g. a Turbo model whose folder name does not say so); Turbo gets trailing timesteps.
    const turbo = inspectDiffusionFolder(sdxl, { family: 'sdxl-turbo' });
    expect(turbo).toMatchObject({ family: 'sdxl-turbo', nativeSize: 512 });
    expect(turbo.schedulerConfig.timestep_spacing).toBe('leading'); // the folder's own config wins when it says
  });

  it('names what is missing: a weights file, a tokenizer file, a component', () => {
    const broken = join(root, 'broken');
    cpSync(sd15x, broken, { recursive: true });
    rmSync(join(broken, 'unet', 'model.onnx_data'));
    rmSync(join(broken, 'tokenizer', 'merges.txt'));
    rmSync(join(broken, 'vae_decoder'), { recursive: true });
    const message = problemsOf(broken);
    expect(message).toContain('unet/model.onnx_data is missing (unet/model.onnx keeps its weights there)');
    expect(message).toContain('tokenizer/merges.txt is missing');
    expect(message).toContain('vae_decoder/model.onnx is missing');
  });

  it('names an incomplete weights file, a damaged model and a folder that is not a model at all', () => {
    const partial = join(root, 'partial');
    cpSync(sd15x, partial, { recursive: true });
    truncateSync(join(partial, 'unet', 'model.onnx_data'), 100);
    expect(problemsOf(partial)).toMatch(/unet\/model\.onnx_data is 100 bytes but the model needs \d+: it is incomplete/);
    writeFileSync(join(partial, 'text_encoder', 'model.onnx'), Buffer.from([0xff, 0xff, 0xff]));
    expect(problemsOf(partial)).toContain('text_encoder/model.onnx cannot be read');
    const empty = join(root, 'empty');
    cpSync(join(sd15, 'tokenizer'), join(empty, 'tokenizer'), { recursive: true });
    expect(problemsOf(empty)).toContain('model_index.json is missing');
  });

  it('names mismatched parts: an SDXL UNet in an SD 1.5 folder, SDXL asked of an SD 1.5 folder', () => {
    const mixed = join(root, 'mixed');
    cpSync(sd15, mixed, { recursive: true });
    copyFileSync(join(sdxl, 'unet', 'model.onnx'), join(mixed, 'unet', 'model.onnx'));
    const message = problemsOf(mixed);
    expect(message).toContain('unet takes time_ids (an SDXL UNet)');
    expect(message).toContain('unet expects text embeddings 20 wide but the text encoder gives 8');
    expect(problemsOf(sd15, { family: 'sdxl' })).toContain('text_encoder_2/model.onnx is missing');
    expect(problemsOf(sdxl, { family: 'sd15' })).toContain('has text_encoder_2 (an SDXL model) but was added as sd15');
  });
});
