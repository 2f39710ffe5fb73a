/** Generation metadata found in a file made by another tool (or by Likeness itself). */
export interface Provenance {
  generator: 'a1111' | 'fooocus' | 'comfyui' | 'invokeai' | 'likeness' | 'unknown';
  prompt: string | null;
  negativePrompt: string | null;
  seed: number | null;
  steps: number | null;
  /** The sampler/scheduler as the tool names it (e.g. "DPM++ 2M Karras", "euler / normal"). */
  scheduler: string | null;
  guidance: number | null;
  model: string | null;
  modelHash: string | null;
  width: number | null;
  height: number | null;
  loras: { name: string; weight: number | null; hash: string | null }[];
  /** Everything else the tool recorded, as it named it. */
  extra: Record<string, string>;
}

export function emptyProvenance(generator: Provenance['generator']): Provenance {
  return {
    generator,
    prompt: null,
    negativePrompt: null,
    seed: null,
    steps: null,
    scheduler: null,
    guidance: null,
    model: null,
    modelHash: null,
    width: null,
    height: null,
    loras: [],
    extra: {},
  };
}

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const n = Number(value.trim());
  return Number.isFinite(n) ? n : null;
}

export function toInteger(value: unknown): number | null {
  const n = toNumber(value);
  return n !== null && Number.isInteger(n) ? n : null;
}
