import { emptyProvenance, toInteger, toNumber, type Provenance } from './types';

/** Fooocus' own metadata scheme: `parameters` holds a JSON object (`fooocus_scheme` = "fooocus"). */
export function parseFooocusJson(json: Record<string, unknown>): Provenance {
  const result = emptyProvenance('fooocus');
  const str = (key: string): string | null => (typeof json[key] === 'string' ? (json[key] as string) : json[key] == null ? null : String(json[key]));
  result.prompt = str('prompt') ?? str('full_prompt');
  result.negativePrompt = str('negative_prompt') ?? str('full_negative_prompt');
  result.seed = toInteger(json.seed);
  result.steps = toInteger(json.steps);
  result.guidance = toNumber(json.guidance_scale);
  const sampler = str('sampler');
  const scheduler = str('scheduler');
  result.scheduler = sampler ? (scheduler ? `${sampler} / ${scheduler}` : sampler) : scheduler;
  result.model = str('base_model');
  result.modelHash = str('base_model_hash');
  // "(896, 1152)": short; a long string is not a resolution (and would make the pattern quadratic).
  const text = str('resolution');
  const resolution = text && text.length <= 40 ? text.match(/(\d+)\D+(\d+)/) : null;
  if (resolution) {
    result.width = Number(resolution[1]);
    result.height = Number(resolution[2]);
  }
  for (const [key, value] of Object.entries(json)) {
    if (key.startsWith('lora_combined_') && typeof value === 'string') {
      // "name.safetensors : 0.5"
      const [name, weight] = value.split(' : ');
      if (name) result.loras.push({ name: name.trim(), weight: toNumber(weight), hash: null });
    }
  }
  const used = new Set([
    'prompt',
    'full_prompt',
    'negative_prompt',
    'full_negative_prompt',
    'seed',
    'steps',
    'guidance_scale',
    'sampler',
    'scheduler',
    'base_model',
    'base_model_hash',
    'resolution',
  ]);
  for (const [key, value] of Object.entries(json)) {
    if (!used.has(key) && !key.startsWith('lora_combined_') && value != null) {
      result.extra[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return result;
}
