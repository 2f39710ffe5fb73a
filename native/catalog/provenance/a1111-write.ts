/** The generation settings an exported file carries (a subset of an output's provenance). */
export interface GenerationSettings {
  prompt: string | null;
  negativePrompt: string | null;
  steps: number | null;
  scheduler: string | null;
  guidance: number | null;
  seed: number | null;
  width: number;
  height: number;
  model: string | null;
  modelHash: string | null;
  loras: { name: string; weight: number | null; hash: string | null }[];
  provider?: string | null;
  appVersion?: string | null;
}

/** A settings value that contains a separator is quoted the way A1111 does (JSON string). */
function settingValue(value: string): string {
  return /[,:\n"]/.test(value) ? JSON.stringify(value) : value;
}

/**
 * Writes settings in AUTOMATIC1111's `parameters` format, which A1111/Forge, Civitai, most image
 * browsers and Likeness' own import read:
 *   prompt
 *   Negative prompt: …
 *   Steps: 30, Sampler: …, CFG scale: 7, Seed: 1, Size: 512x768, Model hash: …, Model: …, Lora hashes: "…", Version: …
 */
export function formatA1111Parameters(settings: GenerationSettings): string | null {
  const pairs: [string, string | number][] = [];
  const add = (key: string, value: string | number | null | undefined) => {
    if (value !== null && value !== undefined && value !== '') pairs.push([key, value]);
  };
  add('Steps', settings.steps);
  add('Sampler', settings.scheduler);
  add('CFG scale', settings.guidance);
  add('Seed', settings.seed);
  add('Size', `${settings.width}x${settings.height}`);
  add('Model hash', settings.modelHash);
  add('Model', settings.model);
  const loraHashes = settings.loras.filter((l) => l.hash).map((l) => `${l.name}: ${l.hash}`);
  if (loraHashes.length) add('Lora hashes', loraHashes.join(', '));
  add('Execution provider', settings.provider);
  add('Version', settings.appVersion ? `Likeness ${settings.appVersion}` : null);
  if (!settings.prompt && pairs.length <= 1) return null;

  // A1111 writes LoRAs as <lora:name:weight> tags in the prompt; add those the prompt does not have yet.
  let prompt = settings.prompt ?? '';
  for (const lora of settings.loras) {
    if (!prompt.includes(`<lora:${lora.name}`)) prompt += `${prompt ? ', ' : ''}<lora:${lora.name}:${lora.weight ?? 1}>`;
  }
  const lines = [prompt];
  if (settings.negativePrompt) lines.push(`Negative prompt: ${settings.negativePrompt}`);
  lines.push(pairs.map(([key, value]) => `${key}: ${typeof value === 'number' ? value : settingValue(value)}`).join(', '));
  return lines.join('\n');
}
