import { emptyProvenance, toInteger, toNumber, type Provenance } from './types';

interface ComfyNode {
  class_type?: string;
  inputs?: Record<string, unknown>;
}
type ComfyGraph = Record<string, ComfyNode>;

/** A link in ComfyUI's API graph is `[nodeId, outputIndex]`. */
function linkTarget(value: unknown): string | undefined {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === 'string' || typeof value[0] === 'number') ? String(value[0]) : undefined;
}

const samplerTypes = /^(KSampler|KSamplerAdvanced|SamplerCustom|SamplerCustomAdvanced)/;

/** Follows links until a literal value is found (seed, text and size inputs are often wired from primitive nodes). */
function resolveValue(graph: ComfyGraph, value: unknown, keys: readonly string[], depth = 0): unknown {
  const target = linkTarget(value);
  if (target === undefined || depth > 8) return value;
  const node = graph[target];
  if (!node?.inputs) return undefined;
  for (const key of keys) {
    if (key in node.inputs) return resolveValue(graph, node.inputs[key], keys, depth + 1);
  }
  return undefined;
}

const textKeys = ['text', 'text_g', 'string', 'value', 'prompt', 'positive', 'text_l'];

/** Collects the text of the conditioning chain behind a sampler's positive/negative input. */
function conditioningText(graph: ComfyGraph, value: unknown, depth = 0): string | null {
  const target = linkTarget(value);
  if (target === undefined || depth > 8) return typeof value === 'string' ? value : null;
  const node = graph[target];
  if (!node?.inputs) return null;
  // Zeroes the conditioning (and its pooled output) it is given: whatever text went in has no effect, so the
  // negative of a graph routed positive → ConditioningZeroOut → negative is empty (ComfyUI nodes.py, zero_out).
  if (node.class_type === 'ConditioningZeroOut') return '';
  for (const key of textKeys) {
    if (key in node.inputs) {
      const text = resolveValue(graph, node.inputs[key], textKeys);
      if (typeof text === 'string') return text;
    }
  }
  // Conditioning combiners/setters: follow their conditioning inputs.
  const parts = Object.entries(node.inputs)
    .filter(([key]) => /^conditioning/.test(key) || key === 'positive' || key === 'negative')
    .map(([, v]) => conditioningText(graph, v, depth + 1))
    .filter((t): t is string => t !== null);
  return parts.length ? parts.filter(Boolean).join(' ') : null;
}

/** ComfyUI's `prompt` PNG text: the API graph that produced the image. `workflow` is the editor graph (kept raw). */
export function parseComfyPrompt(graph: ComfyGraph): Provenance {
  const result = emptyProvenance('comfyui');
  const sampler = Object.values(graph).find((n) => samplerTypes.test(n.class_type ?? ''));
  if (!sampler?.inputs) return result;
  const inputs = sampler.inputs;

  result.seed = toInteger(resolveValue(graph, inputs.seed ?? inputs.noise_seed, ['seed', 'noise_seed', 'value', 'int']));
  result.steps = toInteger(resolveValue(graph, inputs.steps, ['steps', 'value', 'int']));
  result.guidance = toNumber(resolveValue(graph, inputs.cfg, ['cfg', 'value', 'float']));
  const samplerName = resolveValue(graph, inputs.sampler_name, ['sampler_name', 'value']);
  const scheduler = resolveValue(graph, inputs.scheduler, ['scheduler', 'value']);
  if (typeof samplerName === 'string') result.scheduler = typeof scheduler === 'string' ? `${samplerName} / ${scheduler}` : samplerName;
  result.prompt = conditioningText(graph, inputs.positive);
  result.negativePrompt = conditioningText(graph, inputs.negative);

  // Walk the model chain: LoRA loaders until the checkpoint.
  let modelLink = inputs.model;
  for (let depth = 0; depth < 16; depth++) {
    const id = linkTarget(modelLink);
    const node = id === undefined ? undefined : graph[id];
    if (!node?.inputs) break;
    const n = node.inputs;
    if (typeof n.lora_name === 'string') {
      result.loras.unshift({ name: n.lora_name, weight: toNumber(n.strength_model), hash: null });
    }
    const checkpoint = n.ckpt_name ?? n.unet_name ?? n.model_name;
    if (typeof checkpoint === 'string') {
      result.model = checkpoint;
      break;
    }
    modelLink = n.model;
  }

  const latent = linkTarget(inputs.latent_image);
  const latentInputs = latent === undefined ? undefined : graph[latent]?.inputs;
  if (latentInputs) {
    result.width = toInteger(resolveValue(graph, latentInputs.width, ['width', 'value', 'int']));
    result.height = toInteger(resolveValue(graph, latentInputs.height, ['height', 'value', 'int']));
  }
  const denoise = toNumber(inputs.denoise);
  if (denoise !== null) result.extra.denoise = String(denoise);
  result.extra.sampler_node = sampler.class_type ?? '';
  return result;
}
