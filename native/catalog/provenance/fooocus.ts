import { emptyProvenance, toInteger, toNumber, type Provenance } from './types';

/** Fooocus' own metadata scheme: `parameters` holds a JSON object (`fooocus_scheme` = "fooocus"). */
export function parseFooocusJson(json: Record<string, unknown>): Provenance {
  const result = emptyProvenance('fooocus');
  const str = (key: string): string | null => (typeof json[key] === 'string' ? (json[key] as string) : json[key] == null ? null : String(json[key]));
  // What was encoded: full_prompt is the prompt with its styles and the Fooocus V2 expansion, a list of
  // parts (modules/meta_parser.py); the user's raw prompt is kept as an extra.
  const parts = (key: string): string | null =>
    Array.isArray(json[key]) ? (json[key] as unknown[]).filter((p): p is string => typeof p === 'string' && p.trim() !== '').join(', ') : null;
  result.prompt = parts('full_prompt') || str('prompt');
  result.negativePrompt = parts('full_negative_prompt') || str('negative_prompt');
  if (parts('full_prompt') && str('prompt')) result.extra['raw prompt'] = str('prompt')!;
  if (parts('full_negative_prompt') && str('negative_prompt')) result.extra['raw negative prompt'] = str('negative_prompt')!;
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
  result.loras.push(...(listedLoras(json.loras) ?? combinedLoras(json)));
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
    'loras',
  ]);
  for (const [key, value] of Object.entries(json)) {
    if (!used.has(key) && !key.startsWith('lora_combined_') && value != null) {
      result.extra[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  return result;
}

/** `loras`: [name, weight, hash] each (hash: sha256 cut to 10 hex, Fooocus modules/meta_parser.py). */
function listedLoras(value: unknown): Provenance['loras'] | null {
  if (!Array.isArray(value)) return null;
  return value
    .filter((entry): entry is unknown[] => Array.isArray(entry) && typeof entry[0] === 'string')
    .map((entry) => ({ name: entry[0] as string, weight: toNumber(entry[1]), hash: typeof entry[2] === 'string' ? entry[2] : null }));
}

/** Older files: `lora_combined_N` = "name.safetensors : 0.5", without a hash. */
function combinedLoras(json: Record<string, unknown>): Provenance['loras'] {
  return Object.entries(json).flatMap(([key, value]) => {
    if (!key.startsWith('lora_combined_') || typeof value !== 'string') return [];
    const [name, weight] = value.split(' : ');
    return name ? [{ name: name.trim(), weight: toNumber(weight), hash: null }] : [];
  });
}
