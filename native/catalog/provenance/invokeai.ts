import { emptyProvenance, toInteger, toNumber, type Provenance } from './types';

/** InvokeAI 3+/4+ `invokeai_metadata` PNG text (JSON). */
export function parseInvokeMetadata(json: Record<string, unknown>): Provenance {
  const result = emptyProvenance('invokeai');
  const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  result.prompt = str(json.positive_prompt);
  result.negativePrompt = str(json.negative_prompt);
  result.seed = toInteger(json.seed);
  result.steps = toInteger(json.steps);
  result.guidance = toNumber(json.cfg_scale);
  result.scheduler = str(json.scheduler);
  result.width = toInteger(json.width);
  result.height = toInteger(json.height);
  const model = json.model as { name?: unknown; model_name?: unknown; hash?: unknown } | undefined;
  result.model = str(model?.name) ?? str(model?.model_name);
  result.modelHash = str(model?.hash);
  for (const lora of Array.isArray(json.loras) ? (json.loras as Record<string, unknown>[]) : []) {
    const ref = (lora.model ?? lora.lora) as { name?: unknown; model_name?: unknown; hash?: unknown } | undefined;
    const name = str(ref?.name) ?? str(ref?.model_name);
    if (name) result.loras.push({ name, weight: toNumber(lora.weight), hash: str(ref?.hash) });
  }
  for (const key of ['generation_mode', 'app_version', 'rand_device', 'strength', 'vae', 'seamless_x', 'seamless_y']) {
    if (json[key] != null) result.extra[key] = typeof json[key] === 'string' ? (json[key] as string) : JSON.stringify(json[key]);
  }
  return result;
}
