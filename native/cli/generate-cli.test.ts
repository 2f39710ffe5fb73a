import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLikeness } from '../testing/cli';
import { afterAll, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../api/namespaces/generate';
import type { Job } from '../api/schemas';
import { writeTinyModelFolder } from '../diffusion/testing/tiny-models';
import { sharedFile } from '../testing/shared-data';
import { onnxruntimeNativeDir } from '../inference/cuda';
import { fallbackLines, parseLoraArgument } from './commands/generate';

const root = mkdtempSync(join(tmpdir(), 'likeness-cli-generate-'));
const library = join(root, 'library');
afterAll(() => rmSync(root, { recursive: true, force: true }));
const bpe = sharedFile('tokenizers/clip/bpe_simple_vocab_16e6.txt.gz');

/** The CLI from source, as `likeness` would run it. */
const likeness = (args: string[]) => runLikeness(library, args);

describe('likeness generate / tokenize / models / gpu', () => {
  it('parses --lora FILE[:SCALE], keeping Windows drive letters', () => {
    expect(parseLoraArgument('ada.safetensors:0.8')).toEqual({ path: 'ada.safetensors', scale: 0.8 });
    expect(parseLoraArgument('C:\\loras\\ada.safetensors')).toEqual({ path: 'C:\\loras\\ada.safetensors', scale: 1 });
    expect(parseLoraArgument('C:\\loras\\ada.safetensors:-0.5')).toEqual({ path: 'C:\\loras\\ada.safetensors', scale: -0.5 });
  });

  it.skipIf(bpe.missing)('tokenize --vocab prints the ids --json', async () => {
    const { code, stdout } = await likeness(['tokenize', '--vocab', bpe.path, 'a photo of a cat', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { ids: number[]; tokens: string[] };
    expect(result.ids.slice(0, 7)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(result.ids).toHaveLength(77);
  });

  it('tokenize --model reads the model’s own tokenizer; a usage mistake exits 2', async () => {
    const model = writeTinyModelFolder(join(root, 'tiny'), 'sd15');
    const { code, stdout } = await likeness(['tokenize', '--model', model, 'photo', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { tokens: string[] }).tokens).toEqual(['photo</w>']);
    expect((await likeness(['tokenize', 'x'])).code).toBe(2);
  });

  it('generate --model DIR --prompt … --json: runs on the CPU and copies the PNGs with --out', async () => {
    const model = join(root, 'tiny');
    const out = join(root, 'pngs');
    const { code, stdout, stderr } = await likeness([
      'generate',
      '--model',
      model,
      '--prompt',
      'a portrait',
      '--count',
      '2',
      '--seed',
      '42',
      '--steps',
      '2',
      '--size',
      '64x64',
      '--ep',
      'cpu',
      '--out',
      out,
      '--json',
    ]);
    expect(stderr).not.toMatch(/error/);
    expect(code).toBe(0);
    const job = JSON.parse(stdout) as Job & { files: string[] };
    expect(job.status).toBe('done');
    expect((job.result as GenerateResult).provider).toBe('cpu');
    expect(readdirSync(out).sort()).toEqual([expect.stringMatching(/-42\.png$/), expect.stringMatching(/-43\.png$/)]);
    expect(job.files.every((f) => existsSync(f))).toBe(true);
    // The folder is now a local model.
    const list = JSON.parse((await likeness(['models', 'list', '--json'])).stdout) as { id: string; source: string }[];
    expect(list.some((m) => m.source === 'local')).toBe(true);
  });

  it('generate with a folder that is not a model names the missing part', async () => {
    const { code, stderr } = await likeness(['generate', '--model', root, '--prompt', 'x']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/model_index\.json is missing/);
  });

  it('tokenize --model takes a model id too, as generate does', async () => {
    const added = await likeness(['models', 'add-folder', join(root, 'tiny'), '--name', 'Tokenizer check', '--json']);
    expect(added.code).toBe(0);
    const { id } = JSON.parse(added.stdout) as { id: string };
    const { code, stdout } = await likeness(['tokenize', '--model', id, 'photo', '--json']);
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as { tokens: string[] }).tokens).toEqual(['photo</w>']);
    const unknown = await likeness(['tokenize', '--model', 'no-such-model', 'photo']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No model “no-such-model”/);
  });

  it('names each provider that could not be used once, with the parts of the model that tried it', () => {
    expect(
      fallbackLines([
        { model: 'text_encoder', provider: 'cuda', reason: 'no libcudart' },
        { model: 'text_encoder', provider: 'webgpu', reason: 'no adapter' },
        { model: 'unet', provider: 'cuda', reason: 'no libcudart', remembered: true },
        { model: 'unet', provider: 'webgpu', reason: 'no adapter', remembered: true },
        { model: 'vae_decoder', provider: 'webgpu', reason: 'no adapter', remembered: true },
      ]),
    ).toEqual([
      'cuda could not be used for text_encoder, unet: no libcudart',
      'webgpu could not be used for text_encoder, unet, vae_decoder: no adapter',
    ]);
    expect(fallbackLines([{ model: 'unet', provider: 'cuda', reason: 'no libcudart', remembered: true }])).toEqual([
      'cuda was not tried again (it failed earlier) for unet: no libcudart',
    ]);
  });

  it('--strength without --init is a usage mistake, not a silent txt2img batch', async () => {
    const { code, stderr } = await likeness(['generate', '--model', join(root, 'tiny'), '--prompt', 'x', '--strength', '0.5']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--strength only applies with --init \(img2img\)\.\nhint: Add --init IMAGE, or leave --strength out\./);
  });

  it('gpu status says whether the CUDA provider is installed and what to do', async () => {
    const { code, stdout } = await likeness(['gpu', 'status', '--json']);
    expect(code).toBe(0);
    const status = JSON.parse(stdout) as { installed: boolean; missingLibraries: string[]; advice: string };
    // Installed means onnxruntime-node's folder holds the CUDA provider library: looked at here, not through the command.
    const installed = process.platform === 'linux' && existsSync(join(onnxruntimeNativeDir().dir, 'libonnxruntime_providers_cuda.so'));
    expect(status.installed).toBe(installed);
    if (!installed) expect(status.advice).toMatch(process.platform === 'linux' ? /likeness gpu install cuda/ : /DirectML|WebGPU/);
    else if (status.missingLibraries.length) expect(status.advice).toMatch(/Install the missing libraries/);
    else expect(status.advice).toMatch(/^Ready: choose the cuda provider/);
  });
});
