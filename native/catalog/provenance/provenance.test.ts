import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseA1111Parameters } from './a1111';
import { parseComfyPrompt } from './comfyui';
import { decodeUserComment, readExifText } from './exif';
import { extractProvenance } from './index';
import { addPngText } from './png-text';
import { comfyGraph, exifWithUserComment, fooocusJson, invokeMetadata, jpegWithExif } from './testing/samples';

const a1111 = [
  'close up portrait photo of ohwx man, <lora:add_detail:0.6>, soft light, 85mm',
  'wearing a "blue" coat',
  'Negative prompt: lowres, blurry, (worst quality:1.4)',
  'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567890, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "add_detail: 7c6bad76eb54", Version: v1.10.1',
].join('\n');

describe('A1111 parameters', () => {
  it('reads prompt (multi-line), negative, settings, LoRAs with weights and hashes', () => {
    const p = parseA1111Parameters(a1111);
    expect(p.generator).toBe('a1111');
    expect(p.prompt).toBe('close up portrait photo of ohwx man, <lora:add_detail:0.6>, soft light, 85mm\nwearing a "blue" coat');
    expect(p.negativePrompt).toBe('lowres, blurry, (worst quality:1.4)');
    expect(p).toMatchObject({
      steps: 28,
      scheduler: 'DPM++ 2M Karras',
      guidance: 6.5,
      seed: 1234567890,
      width: 512,
      height: 768,
      model: 'v1-5-pruned-emaonly',
      modelHash: '6ce0161689',
    });
    expect(p.loras).toEqual([{ name: 'add_detail', weight: 0.6, hash: '7c6bad76eb54' }]);
    expect(p.extra).toEqual({ Version: 'v1.10.1' });
  });

  it('handles a prompt without negative or settings, and the older single Sampler field', () => {
    expect(parseA1111Parameters('just a prompt')).toMatchObject({ prompt: 'just a prompt', negativePrompt: null, steps: null });
    expect(parseA1111Parameters('a cat\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 5, Size: 512x512')).toMatchObject({
      scheduler: 'Euler a',
      seed: 5,
    });
  });

  it('recognises Fooocus writing in the A1111 scheme', () => {
    expect(parseA1111Parameters('a cat\nSteps: 30, Sampler: dpmpp_2m_sde_gpu, Seed: 9, Version: Fooocus v2.5.5').generator).toBe('fooocus');
  });
});

describe('ComfyUI prompt graph', () => {
  it('follows links from the sampler to the texts, the checkpoint through LoRA loaders, the latent size and primitive seeds', () => {
    const p = parseComfyPrompt(comfyGraph);
    expect(p).toMatchObject({
      generator: 'comfyui',
      prompt: 'portrait of ohwx woman, film grain',
      negativePrompt: 'blurry, watermark',
      seed: 156680208700286,
      steps: 25,
      guidance: 7.5,
      scheduler: 'dpmpp_2m / karras',
      model: 'sd_xl_base_1.0.safetensors',
      width: 1024,
      height: 1024,
    });
    expect(p.loras).toEqual([{ name: 'ohwx_woman.safetensors', weight: 0.8, hash: null }]);
  });

  it('a negative routed through ConditioningZeroOut is empty, not the positive text it zeroes', () => {
    // Flux/SD3 graphs: CLIPTextEncode(positive) → ConditioningZeroOut → KSampler.negative. zero_out returns
    // zeros for the conditioning and its pooled output (ComfyUI nodes.py, ConditioningZeroOut).
    const graph = structuredClone(comfyGraph);
    graph['13'] = { class_type: 'ConditioningZeroOut', inputs: { conditioning: ['6', 0] } };
    graph['3']!.inputs.negative = ['13', 0];
    const p = parseComfyPrompt(graph);
    expect(p.prompt).toBe('portrait of ohwx woman, film grain');
    expect(p.negativePrompt ?? '').toBe('');
  });
});

describe('EXIF UserComment', () => {
  it('decodes UNICODE in both byte orders and ASCII', () => {
    const text = 'Porträt of ohwx, Steps: 20, Seed: 7';
    const le = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from(text, 'utf16le')]);
    const be = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from(text, 'utf16le').swap16()]);
    expect(decodeUserComment(le)).toBe(text);
    expect(decodeUserComment(be)).toBe(text);
    expect(decodeUserComment(Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from('plain')]))).toBe('plain');
  });

  it('reads A1111 parameters from a JPEG written the way A1111 saves JPEG/WebP', async () => {
    const jpeg = await jpegWithExif(exifWithUserComment(a1111, 'utf16be'));
    const metadata = await sharp(jpeg).metadata();
    expect(readExifText(metadata.exif!).userComment).toBe(a1111);
    const { provenance } = extractProvenance({ texts: [], exif: metadata.exif });
    expect(provenance).toMatchObject({ generator: 'a1111', seed: 1234567890, steps: 28 });
  });

  it('ignores a camera comment that is not generation metadata', async () => {
    const jpeg = await jpegWithExif(exifWithUserComment('Holiday at the lake, 1998', 'ascii'));
    const { provenance, raw } = extractProvenance({ texts: [], exif: (await sharp(jpeg).metadata()).exif });
    expect(provenance).toBeNull();
    expect(raw.exif_user_comment).toBe('Holiday at the lake, 1998');
  });
});

describe('extractProvenance from PNG text chunks', () => {
  async function png(entries: { keyword: string; text: string }[]) {
    const base = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#345' } })
      .png()
      .toBuffer();
    return (await sharp(addPngText(base, entries)).metadata()).comments ?? [];
  }

  it('A1111 `parameters` (tEXt)', async () => {
    const { provenance, raw } = extractProvenance({ texts: await png([{ keyword: 'parameters', text: a1111 }]) });
    expect(provenance?.generator).toBe('a1111');
    expect(raw.parameters).toBe(a1111);
  });

  it('ComfyUI `prompt` + `workflow` (iTXt with non-Latin text)', async () => {
    const graph = structuredClone(comfyGraph);
    (graph['6']!.inputs as Record<string, unknown>).text = '奶奶的肖像, portrait';
    const { provenance, raw } = extractProvenance({
      texts: await png([
        { keyword: 'prompt', text: JSON.stringify(graph) },
        { keyword: 'workflow', text: '{"nodes":[]}' },
      ]),
    });
    expect(provenance).toMatchObject({ generator: 'comfyui', prompt: '奶奶的肖像, portrait', seed: 156680208700286 });
    expect(raw.workflow).toBe('{"nodes":[]}');
  });

  it('Fooocus JSON scheme', async () => {
    const { provenance } = extractProvenance({
      texts: await png([
        { keyword: 'parameters', text: JSON.stringify(fooocusJson) },
        { keyword: 'fooocus_scheme', text: 'fooocus' },
      ]),
    });
    // What Fooocus encoded (full_prompt: the prompt, its styles and the V2 expansion), the raw prompt as an extra,
    // and the LoRA with its hash (loras: [name, weight, hash]), as modules/meta_parser.py writes them.
    expect(provenance).toMatchObject({
      generator: 'fooocus',
      prompt: fooocusJson.full_prompt.join(', '),
      negativePrompt: fooocusJson.full_negative_prompt.join(', '),
      loras: [{ name: 'sd_xl_offset_example-lora_1.0', weight: 0.1, hash: '4852686128' }],
      extra: expect.objectContaining({ 'raw prompt': 'portrait of ohwx man' }),
      seed: 42,
      steps: 30,
      guidance: 4,
      scheduler: 'dpmpp_2m_sde_gpu / karras',
      model: 'juggernautXL_v8Rundiffusion.safetensors',
      width: 896,
      height: 1152,
    });
    // Files from before Fooocus kept `loras`: lora_combined_N "name : weight" and the raw prompt.
    const { full_prompt: _full, full_negative_prompt: _negative, loras: _loras, ...older } = fooocusJson;
    const legacy = extractProvenance({ texts: await png([{ keyword: 'parameters', text: JSON.stringify(older) }]) }).provenance;
    expect(legacy).toMatchObject({ prompt: 'portrait of ohwx man', negativePrompt: 'cartoon' });
    expect(legacy?.loras).toEqual([{ name: 'sd_xl_offset_example-lora_1.0.safetensors', weight: 0.1, hash: null }]);
  });

  it('InvokeAI `invokeai_metadata`', async () => {
    const { provenance } = extractProvenance({ texts: await png([{ keyword: 'invokeai_metadata', text: JSON.stringify(invokeMetadata) }]) });
    expect(provenance).toMatchObject({
      generator: 'invokeai',
      prompt: 'a lighthouse at dusk',
      seed: 3141,
      steps: 30,
      guidance: 7,
      scheduler: 'euler',
      model: 'stable-diffusion-v1-5',
      modelHash: 'abc123',
    });
    expect(provenance?.loras).toEqual([{ name: 'detail-tweaker', weight: 0.75, hash: null }]);
  });

  it('finds nothing in a plain photo', () => {
    expect(extractProvenance({ texts: [] }).provenance).toBeNull();
  });
});
