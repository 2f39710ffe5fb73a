// Realistic metadata as other tools write it, for tests of the provenance readers and the import.
import sharp from 'sharp';

/** ComfyUI API graph (the `prompt` PNG text): SDXL checkpoint → LoRA → KSampler, seed from a primitive node. */
export const comfyGraph: Record<string, { class_type: string; inputs: Record<string, unknown> }> = {
  '3': {
    class_type: 'KSampler',
    inputs: {
      seed: ['12', 0],
      steps: 25,
      cfg: 7.5,
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
      denoise: 1,
      model: ['10', 0],
      positive: ['6', 0],
      negative: ['7', 0],
      latent_image: ['5', 0],
    },
  },
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
  '5': { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: 'portrait of ohwx woman, film grain', clip: ['10', 1] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry, watermark', clip: ['10', 1] } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  '10': {
    class_type: 'LoraLoader',
    inputs: { lora_name: 'ohwx_woman.safetensors', strength_model: 0.8, strength_clip: 0.8, model: ['4', 0], clip: ['4', 1] },
  },
  '12': { class_type: 'PrimitiveNode', inputs: { value: 156680208700286 } },
};

/** Fooocus 2.5's own scheme (modules/meta_parser.py FooocusMetadataParser): what was encoded is full_prompt, a list. */
export const fooocusJson = {
  prompt: 'portrait of ohwx man',
  negative_prompt: 'cartoon',
  full_prompt: [
    'portrait of ohwx man',
    'cinematic photo, 35mm photograph, film, professional',
    'portrait of ohwx man, intricate, elegant, highly detailed',
  ],
  full_negative_prompt: ['cartoon', 'drawing, painting, crayon, sketch'],
  loras: [['sd_xl_offset_example-lora_1.0', 0.1, '4852686128']],
  styles: "['Fooocus V2', 'Fooocus Photograph']",
  performance: 'Speed',
  resolution: '(896, 1152)',
  guidance_scale: 4,
  sharpness: 2,
  base_model: 'juggernautXL_v8Rundiffusion.safetensors',
  base_model_hash: 'aeb7e9e689',
  sampler: 'dpmpp_2m_sde_gpu',
  scheduler: 'karras',
  seed: '42',
  steps: 30,
  lora_combined_1: 'sd_xl_offset_example-lora_1.0.safetensors : 0.1',
  metadata_scheme: 'fooocus',
  version: 'Fooocus v2.5.5',
};

export const invokeMetadata = {
  generation_mode: 'txt2img',
  positive_prompt: 'a lighthouse at dusk',
  negative_prompt: 'people',
  width: 512,
  height: 512,
  seed: 3141,
  rand_device: 'cpu',
  cfg_scale: 7,
  steps: 30,
  scheduler: 'euler',
  model: { name: 'stable-diffusion-v1-5', base: 'sd-1', type: 'main', hash: 'abc123' },
  loras: [{ model: { name: 'detail-tweaker', base: 'sd-1' }, weight: 0.75 }],
  app_version: '4.2.9',
};

/** A little-endian EXIF block (as in a JPEG APP1 segment) holding only a UserComment. */
export function exifWithUserComment(text: string, encoding: 'utf16be' | 'utf16le' | 'ascii'): Buffer {
  const body =
    encoding === 'ascii'
      ? Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from(text, 'latin1')])
      : Buffer.concat([
          Buffer.from('UNICODE\0', 'latin1'),
          encoding === 'utf16le' ? Buffer.from(text, 'utf16le') : Buffer.from(text, 'utf16le').swap16(),
        ]);
  const tiff = Buffer.alloc(8 + 18 + 18);
  tiff.write('II', 0, 'latin1');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  // IFD0: one entry, the pointer to the Exif IFD.
  tiff.writeUInt16LE(1, 8);
  tiff.writeUInt16LE(0x8769, 10);
  tiff.writeUInt16LE(4, 12);
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt32LE(26, 18);
  tiff.writeUInt32LE(0, 22);
  // Exif IFD: one entry, UserComment (UNDEFINED), its bytes after the IFD.
  tiff.writeUInt16LE(1, 26);
  tiff.writeUInt16LE(0x9286, 28);
  tiff.writeUInt16LE(7, 30);
  tiff.writeUInt32LE(body.length, 32);
  tiff.writeUInt32LE(44, 36);
  tiff.writeUInt32LE(0, 40);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff, body]);
}

/** A small JPEG carrying the given EXIF block in an APP1 segment. */
export async function jpegWithExif(exif: Buffer, color = '#6a8'): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 16, height: 16, channels: 3, background: color } })
    .jpeg()
    .toBuffer();
  const length = Buffer.alloc(2);
  length.writeUInt16BE(exif.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe1]), length, exif, jpeg.subarray(2)]);
}

export const a1111Parameters =
  'close-up portrait of ohwx woman, <lora:ohwx_woman_v2:0.8>, soft window light\nNegative prompt: blurry, lowres\nSteps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567890, Size: 64x80, Model hash: 6ce0161689, Model: juggernautXL_v9, Lora hashes: "ohwx_woman_v2: 7c6bad76eb54", Version: v1.10.1';

/**
 * Writes one image per tool's metadata scheme into `dir` (each a distinct small image): A1111 PNG and JPEG
 * (EXIF UserComment), ComfyUI, Fooocus, InvokeAI, and a plain photo without any. Returns the file names.
 */
export async function writeToolSamples(dir: string): Promise<Record<'a1111' | 'a1111Jpeg' | 'comfyui' | 'fooocus' | 'invokeai' | 'plain', string>> {
  const { writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { addPngText } = await import('../png-text');
  const png = (color: string, width = 64, height = 80) =>
    sharp({ create: { width, height, channels: 3, background: color } })
      .png()
      .toBuffer();
  const names = {
    a1111: 'a1111-portrait.png',
    a1111Jpeg: 'a1111-fox.jpg',
    comfyui: 'ComfyUI_00042_.png',
    fooocus: 'fooocus-2024-05-01.png',
    invokeai: 'invokeai-lighthouse.png',
    plain: 'holiday-photo.png',
  } as const;
  writeFileSync(join(dir, names.a1111), addPngText(await png('#a05a2c'), [{ keyword: 'parameters', text: a1111Parameters }]));
  writeFileSync(
    join(dir, names.a1111Jpeg),
    await jpegWithExif(
      exifWithUserComment('a red fox in the snow\nSteps: 12, Sampler: DDIM, CFG scale: 5, Seed: 77, Size: 16x16', 'utf16be'),
      '#c43',
    ),
  );
  writeFileSync(
    join(dir, names.comfyui),
    addPngText(await png('#2c5aa0', 72, 72), [
      { keyword: 'prompt', text: JSON.stringify(comfyGraph) },
      { keyword: 'workflow', text: JSON.stringify({ nodes: [{ id: 3, type: 'KSampler' }], links: [] }) },
    ]),
  );
  writeFileSync(join(dir, names.fooocus), addPngText(await png('#3a8a4a'), [{ keyword: 'parameters', text: JSON.stringify(fooocusJson) }]));
  writeFileSync(
    join(dir, names.invokeai),
    addPngText(await png('#7a3aa0'), [{ keyword: 'invokeai_metadata', text: JSON.stringify(invokeMetadata) }]),
  );
  writeFileSync(join(dir, names.plain), await png('#999999', 48, 48));
  return names;
}
