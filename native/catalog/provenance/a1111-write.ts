import { schedulers } from '../../diffusion/schedulers';

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

/** Our sampler names (outputs made by Likeness before the original text was kept) in A1111's words. */
function a1111Sampler(scheduler: string | null): { sampler: string | null; schedule: string | null } {
  // The catalogue keeps our scheduler's label ("Euler ancestral"); older rows may hold its id ("euler-a").
  const ours = Object.entries(schedulers).find(([id, s]) => scheduler && (id === scheduler || s.label === scheduler))?.[1].a1111;
  return ours ? { sampler: ours.sampler, schedule: ours.schedule ?? null } : { sampler: scheduler, schedule: null };
}

/** Settings count as a generation's when there is a prompt or a sampling setting; a plain photo has neither. */
function isGeneration(settings: GenerationSettings): boolean {
  return Boolean(settings.prompt) || settings.steps !== null || settings.seed !== null || settings.scheduler !== null;
}

/** A settings value that contains a separator is quoted the way A1111 does (JSON string). */
function settingValue(value: string): string {
  return /[,:\n"]/.test(value) ? JSON.stringify(value) : value;
}

/**
 * Rebuilds settings in AUTOMATIC1111's `parameters` format from catalogue columns, for generations whose own
 * text is not A1111's (ComfyUI, InvokeAI); an original A1111 text is carried verbatim instead (export-job.ts).
 * Writes them in AUTOMATIC1111's `parameters` format, which A1111/Forge, Civitai, most image
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
  // A plain photo gets none: A1111 would read a lone "Size: …" line as the prompt (fewer than three settings).
  if (!isGeneration(settings)) return null;
  const sampler = a1111Sampler(settings.scheduler);
  add('Steps', settings.steps);
  add('Sampler', sampler.sampler);
  add('Schedule type', sampler.schedule);
  add('CFG scale', settings.guidance);
  add('Seed', settings.seed);
  add('Size', `${settings.width}x${settings.height}`);
  add('Model hash', settings.modelHash);
  add('Model', settings.model);
  const loraHashes = settings.loras.filter((l) => l.hash).map((l) => `${l.name}: ${l.hash}`);
  if (loraHashes.length) add('Lora hashes', loraHashes.join(', '));
  add('Execution provider', settings.provider);
  add('Version', settings.appVersion ? `Likeness ${settings.appVersion}` : null);

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
