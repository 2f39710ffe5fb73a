import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../api/namespaces/generate';
import { writeToolSamples } from '../catalog/provenance/testing/samples';
import { createStudio, type Studio } from '../studio/studio';
import { withoutExtraNetworkTags } from './reuse-settings';
import { schedulerFromToolName } from './schedulers';
import { writeTinyModelFolder, writeTinyTextLora } from './testing/tiny-models';

describe('sampler names of other tools', () => {
  it('map to ours where the equivalent is unambiguous', () => {
    expect(schedulerFromToolName('DPM++ 2M Karras')).toBe('dpmpp-2m-karras');
    expect(schedulerFromToolName('DPM++ 2M')).toBe('dpmpp-2m');
    expect(schedulerFromToolName('Euler a')).toBe('euler-a');
    expect(schedulerFromToolName('Euler ancestral')).toBe('euler-a');
    expect(schedulerFromToolName('euler_ancestral / normal')).toBe('euler-a');
    expect(schedulerFromToolName('dpmpp_2m / karras')).toBe('dpmpp-2m-karras');
    expect(schedulerFromToolName('ddim / ddim_uniform')).toBe('ddim');
    expect(schedulerFromToolName('dpmpp_2m_k')).toBe('dpmpp-2m-karras');
    for (const other of ['DPM++ 2M SDE Karras', 'Euler Karras', 'Euler a Karras', 'dpmpp_2m / exponential', 'uni_pc', 'dpmpp_2m_sde_gpu / karras'])
      expect(schedulerFromToolName(other), other).toBeUndefined();
  });
});

describe('prompts of other tools', () => {
  it('lose their extra-network tags (the LoRAs are taken over apart)', () => {
    expect(withoutExtraNetworkTags('<lora:ada:0.8>, portrait of ada,  <lyco:film:1>, soft light, <hypernet:x:0.5>')).toBe(
      'portrait of ada, soft light',
    );
    expect(withoutExtraNetworkTags('a cat')).toBe('a cat');
  });
});

describe('reuse settings: an output back into the Generate form', () => {
  let root: string;
  let studio: Studio;
  let modelId: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-reuse-'));
    writeTinyModelFolder(join(root, 'tiny-sd15'), 'sd15');
    studio = await createStudio({ library: join(root, 'library') });
    modelId = (await studio.api.models.addFolder({ path: join(root, 'tiny-sd15'), name: 'Tiny SD' })).id;
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('gives back everything of our own output, and the same request makes the same image again', async () => {
    const person = await studio.api.people.create({ name: 'Ada', trigger: 'ohwx', classWord: 'woman' });
    const file = join(root, 'ada.safetensors');
    writeTinyTextLora(file);
    const lora = await studio.api.models.addLora({ path: file, personId: person.id, name: 'Ada v1' });
    const request = {
      model: modelId,
      templates: ['studio-headshot'],
      prompt: 'wearing a red scarf',
      negativePrompt: 'grainy',
      personId: person.id,
      loras: [{ id: lora.id, scale: 0.7 }],
      seed: 5,
      size: '64x64',
      steps: 2,
      scheduler: 'euler-a' as const,
      guidance: 4.5,
      provider: 'cpu' as const,
    };
    const done = await studio.jobs.waitFor((await studio.api.generate.start(request)).id);
    expect(done.status).toBe('done');
    const [outputId] = (done.result as GenerateResult).outputs;

    const reused = await studio.api.generate.reuse({ outputId: outputId! });
    expect(reused).toEqual({
      outputId,
      generator: 'likeness',
      model: modelId,
      modelName: 'Tiny SD',
      prompt: 'wearing a red scarf',
      negativePrompt: 'grainy',
      seed: 5,
      steps: 2,
      guidance: 4.5,
      scheduler: 'euler-a',
      size: '64x64',
      loras: [{ id: lora.id, scale: 0.7 }],
      personId: person.id,
      template: 'studio-headshot',
      notes: [],
    });

    // Generating from the reused settings makes the very same image (one output row: the same hash).
    const again = await studio.jobs.waitFor(
      (
        await studio.api.generate.start({
          model: reused.model!,
          templates: [reused.template!],
          prompt: reused.prompt,
          negativePrompt: reused.negativePrompt!,
          personId: reused.personId,
          loras: reused.loras,
          seed: reused.seed!,
          size: reused.size!,
          steps: reused.steps!,
          scheduler: reused.scheduler!,
          guidance: reused.guidance!,
          provider: 'cpu',
        })
      ).id,
    );
    expect((again.result as GenerateResult).outputs).toEqual([outputId]);

    // Once the model and the LoRA are gone, the form is told which ones they were.
    await studio.api.models.removeLora({ id: lora.id });
    await studio.api.models.remove({ id: modelId });
    const orphan = await studio.api.generate.reuse({ outputId: outputId! });
    expect(orphan).toMatchObject({ model: null, modelName: 'Tiny SD', loras: [], prompt: 'wearing a red scarf', seed: 5 });
    expect(orphan.notes).toEqual([
      { kind: 'model-missing', value: 'Tiny SD' },
      { kind: 'lora-missing', value: 'Ada v1' },
    ]);
  });

  it('takes over what maps from A1111, ComfyUI and Fooocus outputs, and names what does not', async () => {
    const dir = join(root, 'tools');
    mkdirSync(dir);
    const names = await writeToolSamples(dir);
    await studio.jobs.waitFor((await studio.api.catalog.import({ path: dir })).id);
    const items = (await studio.api.catalog.listOutputs({ limit: 100 })).items;
    const idOf = (name: string) => items.find((o) => o.originalName === name)!.id;

    const a1111 = await studio.api.generate.reuse({ outputId: idOf(names.a1111) });
    expect(a1111).toMatchObject({
      generator: 'a1111',
      model: null,
      modelName: 'juggernautXL_v9',
      negativePrompt: 'blurry, lowres',
      seed: 1234567890,
      steps: 28,
      guidance: 6.5,
      scheduler: 'dpmpp-2m-karras',
      size: '64x80',
      personId: null,
      template: null,
    });
    // Its <lora:…> tag is a LoRA, not words of the prompt.
    expect(a1111.prompt).toBe('close-up portrait of ohwx woman, soft window light');
    expect(a1111.notes).toEqual([
      { kind: 'model-missing', value: 'juggernautXL_v9' },
      { kind: 'lora-missing', value: 'ohwx_woman_v2' },
    ]);

    const comfy = await studio.api.generate.reuse({ outputId: idOf(names.comfyui) });
    expect(comfy).toMatchObject({
      generator: 'comfyui',
      prompt: 'portrait of ohwx woman, film grain',
      negativePrompt: 'blurry, watermark',
      seed: 156680208700286,
      steps: 25,
      guidance: 7.5,
      scheduler: 'dpmpp-2m-karras',
      size: '1024x1024',
    });

    // Fooocus's SDE sampler has no equivalent here: the form keeps its own scheduler and says so.
    const fooocus = await studio.api.generate.reuse({ outputId: idOf(names.fooocus) });
    expect(fooocus).toMatchObject({ scheduler: null, seed: 42, steps: 30, guidance: 4, size: '896x1152' });
    expect(fooocus.notes).toContainEqual({ kind: 'scheduler-unmapped', value: 'dpmpp_2m_sde_gpu / karras' });
  });
});
