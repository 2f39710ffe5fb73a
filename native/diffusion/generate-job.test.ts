import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../api/namespaces/generate';
import type { OutputSummary } from '../api/schemas';
import { extractProvenance } from '../catalog/provenance';
import { parseA1111Parameters } from '../catalog/provenance/a1111';
import { createStudio, type Studio } from '../studio/studio';
import { writeTinyModelFolder, writeTinyTextLora } from './testing/tiny-models';

describe('generation batches through the studio (job in a GPU worker, tiny SD 1.5 model, CPU provider)', () => {
  let root: string;
  let studio: Studio;
  let modelId: string;
  const added: OutputSummary[] = [];
  const previews: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-generate-'));
    writeTinyModelFolder(join(root, 'tiny-sd15'), 'sd15');
    studio = await createStudio({ library: join(root, 'library') });
    studio.events.subscribe((event) => {
      if (event.type === 'output:added') added.push(event.payload);
      if (event.type === 'generate:preview') previews.push(event.payload.image);
    });
    modelId = (await studio.api.models.addFolder({ path: join(root, 'tiny-sd15'), name: 'Tiny SD' })).id;
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('adds the folder as a local model with its family and defaults', async () => {
    const list = await studio.api.models.list();
    const model = list.find((m) => m.id === modelId)!;
    expect(model).toMatchObject({
      source: 'local',
      family: 'sd15',
      state: 'installed',
      img2img: true,
      defaults: { width: 512, steps: 25, scheduler: 'dpmpp-2m-karras' },
    });
    // Registry models are listed too, with their licence and whether commercial use is allowed.
    expect(list.find((m) => m.id === 'sd-turbo-onnx')).toMatchObject({ family: 'sd-turbo', state: 'missing', license: { commercialUse: false } });
  });

  it('a wrong folder is refused with the missing part named', async () => {
    mkdirSync(join(root, 'not-a-model', 'unet'), { recursive: true });
    await expect(studio.api.models.addFolder({ path: join(root, 'not-a-model') })).rejects.toMatchObject({
      code: 'MODEL_ERROR',
      message: expect.stringContaining('text_encoder/model.onnx is missing'),
    });
  });

  it('plans person × templates × count with seeds counting up and the person in the prompt', async () => {
    const person = await studio.api.people.create({ name: 'Ada', trigger: 'ohwx', classWord: 'woman' });
    const plan = await studio.api.generate.plan({
      model: modelId,
      templates: ['studio-headshot', 'watercolor'],
      count: 2,
      seed: 100,
      personId: person.id,
      size: '64x64',
    });
    expect(plan.total).toBe(4);
    expect(plan.images.map((i) => [i.template, i.seed])).toEqual([
      ['studio-headshot', 100],
      ['studio-headshot', 101],
      ['watercolor', 102],
      ['watercolor', 103],
    ]);
    expect(plan.images[0]!.prompt).toMatch(/^professional studio headshot photo of ohwx woman,/);
    // The template's own steps and scheduler apply; the request's size wins over the template's aspect ratio.
    expect(plan.images[0]).toMatchObject({ steps: 30, guidance: 6.5, scheduler: 'dpmpp-2m-karras', width: 64, height: 64 });
    expect(plan.images[2]).toMatchObject({ steps: 25, scheduler: 'dpmpp-2m-karras' });
    // A prompt given with templates is added to each template's prompt.
    const extra = await studio.api.generate.plan({
      model: modelId,
      templates: ['watercolor'],
      prompt: 'wearing a red scarf',
      personId: person.id,
      seed: 1,
    });
    expect(extra.images[0]!.prompt).toMatch(/^watercolor illustration of ohwx woman, .*, wearing a red scarf$/);
  });

  it('runs a batch: every image an output with full provenance, an A1111 parameters chunk the import reads back, and output:added', async () => {
    const people = await studio.api.people.list();
    const job = await studio.api.generate.start({
      model: modelId,
      templates: ['studio-headshot', 'watercolor'],
      count: 2,
      seed: 100,
      personId: people[0]!.id,
      size: '64x64',
      steps: 3,
      provider: 'cpu',
      batchSize: 2,
    });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.status).toBe('done');
    const result = done.result as GenerateResult;
    expect(result.outputs).toHaveLength(4);
    expect(result.provider).toBe('cpu');
    expect(added.map((o) => o.id).sort()).toEqual([...result.outputs].sort());
    expect(previews.length).toBeGreaterThan(0);
    expect(previews[0]).toMatch(/^data:image\/png;base64,/);

    const detail = await studio.api.catalog.getOutput({ id: result.outputs[0]! });
    expect(detail).toMatchObject({
      source: 'generate',
      generator: 'likeness',
      model: 'Tiny SD',
      seed: 100,
      steps: 3,
      scheduler: 'DPM++ 2M Karras',
      guidance: 6.5,
      provider: 'cpu',
      template: 'studio-headshot',
      batchId: result.batchId,
      personId: people[0]!.id,
      width: 64,
      height: 64,
      appVersion: expect.any(String),
    });
    expect(detail.modelHash).toMatch(/^[0-9a-f]{64}$/);
    expect(detail.negativePrompt).toContain('blurry');
    expect(detail.timings).toMatchObject({ unetMs: expect.any(Number), totalMs: expect.any(Number), steps: 3 });
    expect(detail.provenance).toMatchObject({
      pipeline: 'txt2img',
      batchIndex: 0,
      modelId,
      family: 'sd15',
      schedulerId: 'dpmpp-2m-karras',
      providers: { unet: 'cpu' },
    });

    // The stored PNG carries `parameters`; the catalogue's own A1111 reader gets the same facts back.
    const png = readFileSync(join(studio.catalog.paths.objects, detail.hash.slice(0, 2), detail.hash.slice(2)));
    const meta = await sharp(png).metadata();
    const { provenance } = extractProvenance({ texts: meta.comments ?? [] });
    expect(provenance).toMatchObject({
      prompt: detail.prompt,
      negativePrompt: detail.negativePrompt,
      seed: 100,
      steps: 3,
      scheduler: 'DPM++ 2M Karras',
      guidance: 6.5,
      width: 64,
      height: 64,
      model: 'Tiny SD',
      modelHash: detail.modelHash!.slice(0, 10),
    });
  });

  it('the same seed and settings give the same PNG bytes (one output), another seed another image', async () => {
    const run = async (seed: number) => {
      const job = await studio.api.generate.start({
        model: modelId,
        prompt: 'a portrait of a person',
        count: 1,
        seed,
        size: '64x64',
        steps: 2,
        provider: 'cpu',
      });
      const done = await studio.jobs.waitFor(job.id);
      expect(done.status).toBe('done');
      return studio.api.catalog.getOutput({ id: (done.result as GenerateResult).outputs[0]! });
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(b.hash).toBe(a.hash);
    expect(b.id).toBe(a.id);
    expect(c.hash).not.toBe(a.hash);
  });

  it('LoRA: its name, scale and hash are recorded, and unmatched keys are reported', async () => {
    const file = join(root, 'ada.safetensors');
    writeTinyTextLora(file, {
      'lora_unet_nowhere_to_q.lora_up.weight': { shape: [4, 1], data: new Float32Array(4).fill(1) },
      'lora_unet_nowhere_to_q.lora_down.weight': { shape: [1, 4], data: new Float32Array(4).fill(1) },
    });
    const people = await studio.api.people.list();
    const lora = await studio.api.models.addLora({ path: file, personId: people[0]!.id, name: 'Ada v1' });
    expect(lora).toMatchObject({ name: 'Ada v1', modules: 2, personId: people[0]!.id });
    expect(await studio.api.models.listLoras()).toHaveLength(1);
    const job = await studio.api.generate.start({
      model: modelId,
      prompt: '{trigger} {class}',
      personId: people[0]!.id,
      loras: [{ id: lora.id, scale: 0.7 }],
      seed: 1,
      size: '64x64',
      steps: 2,
      provider: 'cpu',
    });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.status).toBe('done');
    const result = done.result as GenerateResult;
    expect(result.loraUnmatched).toEqual({ 'Ada v1': ['lora_unet_nowhere_to_q'] });
    const detail = await studio.api.catalog.getOutput({ id: result.outputs[0]! });
    expect(detail.prompt).toBe('ohwx woman');
    expect(detail.loras).toEqual([{ name: 'Ada v1', weight: 0.7, hash: lora.sha256 }]);
    const png = readFileSync(join(studio.catalog.paths.objects, detail.hash.slice(0, 2), detail.hash.slice(2)));
    const parameters = (await sharp(png).metadata()).comments!.find((c) => c.keyword === 'parameters')!.text;
    expect(parseA1111Parameters(parameters).loras).toEqual([{ name: 'Ada v1', weight: 0.7, hash: lora.sha256.slice(0, 12) }]);
  });

  it('img2img from a picture on disk', async () => {
    const init = join(root, 'init.png');
    writeFileSync(
      init,
      await sharp({ create: { width: 80, height: 100, channels: 3, background: '#c84' } })
        .png()
        .toBuffer(),
    );
    const job = await studio.api.generate.start({
      model: modelId,
      prompt: 'a painting',
      seed: 3,
      size: '64x64',
      steps: 4,
      scheduler: 'euler',
      provider: 'cpu',
      init: { path: init, strength: 0.5 },
    });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.status).toBe('done');
    const detail = await studio.api.catalog.getOutput({ id: (done.result as GenerateResult).outputs[0]! });
    expect(detail.provenance).toMatchObject({ pipeline: 'img2img', init: { strength: 0.5 } });
    expect(detail.timings).toMatchObject({ steps: 2 });
  });

  it('refuses what cannot work before queueing: an unknown template, a missing LoRA, no prompt', async () => {
    await expect(studio.api.generate.start({ model: modelId, templates: ['nope'] })).rejects.toThrow(/No template “nope”/);
    await expect(studio.api.generate.start({ model: modelId, prompt: 'x', loras: [{ path: join(root, 'missing.safetensors') }] })).rejects.toThrow(
      /does not exist/,
    );
    await expect(studio.api.generate.start({ model: modelId })).rejects.toThrow(/write a prompt or pick at least one template/);
    await expect(studio.api.generate.start({ model: 'sd-turbo-onnx', prompt: 'x' })).rejects.toThrow(/not downloaded/);
  });

  it('a cancelled batch keeps the images it finished', async () => {
    const job = await studio.api.generate.start({ model: modelId, prompt: 'many', count: 50, seed: 1000, size: '64x64', steps: 20, provider: 'cpu' });
    await new Promise<void>((resolve) => {
      const stop = studio.events.subscribe((event) => {
        if (event.type === 'output:added' && event.payload.seed === 1001) {
          stop();
          resolve();
        }
      });
    });
    await studio.api.jobs.cancel({ id: job.id });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.status).toBe('cancelled');
    const kept = (await studio.api.catalog.listOutputs({ limit: 500 })).items.filter((o) => (o.seed ?? 0) >= 1000);
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(kept.length).toBeLessThan(50);
  });
});
