import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { StudioError } from '../api/errors';
import { diffusionFamilies, familyDefaults, type DiffusionFamily } from '../diffusion/families';
import { readOnnxSignature, type OnnxSignature, type OnnxValue } from '../inference/onnx-file';
import { externalDataPath } from '../inference/onnx-weights';
import type { ProviderRequirement } from '../inference/providers';

/**
 * A Stable Diffusion model in the diffusers/optimum ONNX layout:
 *
 *   model_index.json
 *   text_encoder/model.onnx      input_ids → last_hidden_state, pooler_output, hidden_states.N
 *   text_encoder_2/model.onnx    (SDXL) input_ids → text_embeds, last_hidden_state, hidden_states.N
 *   unet/model.onnx              sample, timestep, encoder_hidden_states (+ text_embeds, time_ids) → out_sample
 *   vae_decoder/model.onnx       latent_sample → sample
 *   vae_encoder/model.onnx       (img2img) sample → latent_sample
 *   tokenizer/, tokenizer_2/     vocab.json, merges.txt, tokenizer_config.json
 *   scheduler/scheduler_config.json
 *   any model.onnx may keep its weights in external files (model.onnx_data, model.onnx.data, weights.pb).
 *
 * `inspectDiffusionFolder` checks all of it without loading a model and names every missing or mismatched part.
 */
export interface DiffusionComponents {
  textEncoder: string;
  textEncoder2: string | undefined;
  unet: string;
  vaeDecoder: string;
  vaeEncoder: string | undefined;
  tokenizer: string;
  tokenizer2: string | undefined;
}

export interface DiffusionModelInfo {
  dir: string;
  name: string;
  family: DiffusionFamily;
  components: DiffusionComponents;
  schedulerConfig: Record<string, unknown>;
  vaeScalingFactor: number;
  /** The image size the model was trained at (px, square). */
  nativeSize: number;
  /** A static export only takes this size (px); undefined when height and width are free. */
  fixedSize: { width: number; height: number } | undefined;
  /** SDXL: an empty negative prompt means zero embeddings, not the encoding of "". */
  forceZerosForEmptyPrompt: boolean;
  /** The providers this build runs on, when it is limited (the registry says; a folder of one's own is not). */
  runsOn?: ProviderRequirement | undefined;
  signatures: {
    textEncoder: OnnxSignature;
    textEncoder2?: OnnxSignature;
    unet: OnnxSignature;
    vaeDecoder: OnnxSignature;
    vaeEncoder?: OnnxSignature;
  };
}

function readJson(path: string, problems: string[], label: string): Record<string, unknown> | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    problems.push(`${label} is not a JSON object`);
  } catch (error) {
    problems.push(`${label} is not valid JSON (${(error as Error).message})`);
  }
  return undefined;
}

const find = (values: readonly OnnxValue[], name: string) => values.find((v) => v.name === name);
const lastDim = (value: OnnxValue | undefined) => {
  const d = value?.shape.at(-1);
  return typeof d === 'number' ? d : undefined;
};
/** The highest N among hidden_states.N outputs (the penultimate layer is N−1), if any. */
export function deepestHiddenState(signature: OnnxSignature): number | undefined {
  const layers = signature.outputs.map((o) => /^hidden_states\.(\d+)$/.exec(o.name)?.[1]).filter((n): n is string => n !== undefined);
  return layers.length ? Math.max(...layers.map(Number)) : undefined;
}

function expectValue(
  problems: string[],
  component: string,
  side: 'input' | 'output',
  values: readonly OnnxValue[],
  name: string,
  types: string[],
): OnnxValue | undefined {
  const value = find(values, name);
  if (!value) {
    problems.push(`${component} has no ${side} “${name}” (its ${side}s: ${values.map((v) => v.name).join(', ') || 'none'})`);
    return undefined;
  }
  if (!types.includes(value.type)) problems.push(`${component} ${side} “${name}” is ${value.type}, expected ${types.join(' or ')}`);
  return value;
}

const floatTypes = ['float32', 'float16'];

/** Reads a component's model and checks that its external weight files are there and long enough. */
function component(dir: string, sub: string, problems: string[], required: boolean): { path: string; signature: OnnxSignature } | undefined {
  const path = join(dir, sub, 'model.onnx');
  if (!existsSync(path)) {
    if (required) problems.push(`${sub}/model.onnx is missing`);
    return undefined;
  }
  let signature: OnnxSignature;
  try {
    signature = readOnnxSignature(path);
  } catch (error) {
    problems.push(`${sub}/model.onnx cannot be read: ${(error as Error).message}`);
    return undefined;
  }
  for (const use of signature.externalData) {
    let file: string;
    try {
      file = externalDataPath(join(dir, sub), use.location);
    } catch {
      problems.push(`${sub}/model.onnx refers to weights outside its folder (${use.location})`);
      continue;
    }
    if (!existsSync(file)) problems.push(`${sub}/${use.location} is missing (${sub}/model.onnx keeps its weights there)`);
    else if (statSync(file).size < use.end)
      problems.push(`${sub}/${use.location} is ${statSync(file).size} bytes but the model needs ${use.end}: it is incomplete`);
  }
  return { path, signature };
}

export function inspectDiffusionFolder(dir: string, options: { family?: DiffusionFamily; name?: string } = {}): DiffusionModelInfo {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new StudioError('NOT_FOUND', `The folder ${dir} does not exist.`, 'Pick the folder that contains model_index.json.');
  const problems: string[] = [];
  const index = readJson(join(dir, 'model_index.json'), problems, 'model_index.json');
  if (!existsSync(join(dir, 'model_index.json'))) problems.push('model_index.json is missing (is this the top folder of a diffusers ONNX export?)');

  const xlByIndex = Boolean(index?.text_encoder_2) || existsSync(join(dir, 'text_encoder_2'));
  const family0 = options.family;
  if (family0 && !diffusionFamilies.includes(family0)) problems.push(`unknown family ${String(family0)}`);
  const wantsXl = family0 ? familyDefaults[family0].xl : xlByIndex;

  const textEncoder = component(dir, 'text_encoder', problems, true);
  const textEncoder2 = component(dir, 'text_encoder_2', problems, wantsXl);
  const unet = component(dir, 'unet', problems, true);
  const vaeDecoder = component(dir, 'vae_decoder', problems, true);
  const vaeEncoder = component(dir, 'vae_encoder', problems, false);

  for (const sub of wantsXl ? ['tokenizer', 'tokenizer_2'] : ['tokenizer']) {
    for (const file of ['vocab.json', 'merges.txt']) {
      if (!existsSync(join(dir, sub, file))) problems.push(`${sub}/${file} is missing`);
    }
  }
  const schedulerConfig = readJson(join(dir, 'scheduler', 'scheduler_config.json'), problems, 'scheduler/scheduler_config.json');
  if (!existsSync(join(dir, 'scheduler', 'scheduler_config.json'))) problems.push('scheduler/scheduler_config.json is missing');

  // What each model takes and gives, and whether the parts fit together.
  let hidden: number | undefined;
  if (textEncoder) {
    const s = textEncoder.signature;
    expectValue(problems, 'text_encoder', 'input', s.inputs, 'input_ids', ['int32', 'int64']);
    const last = expectValue(problems, 'text_encoder', 'output', s.outputs, 'last_hidden_state', floatTypes);
    hidden = lastDim(last);
    if (wantsXl && deepestHiddenState(s) === undefined)
      problems.push('text_encoder has no hidden_states.N outputs: SDXL needs the penultimate layer (export it with hidden states)');
  }
  if (textEncoder2) {
    const s = textEncoder2.signature;
    expectValue(problems, 'text_encoder_2', 'input', s.inputs, 'input_ids', ['int32', 'int64']);
    expectValue(problems, 'text_encoder_2', 'output', s.outputs, 'text_embeds', floatTypes);
    if (deepestHiddenState(s) === undefined) problems.push('text_encoder_2 has no hidden_states.N outputs: SDXL needs the penultimate layer');
    const h2 = lastDim(find(s.outputs, 'last_hidden_state'));
    hidden = hidden !== undefined && h2 !== undefined ? hidden + h2 : undefined;
  }
  let fixedSize: DiffusionModelInfo['fixedSize'];
  if (unet) {
    const s = unet.signature;
    const sample = expectValue(problems, 'unet', 'input', s.inputs, 'sample', floatTypes);
    expectValue(problems, 'unet', 'input', s.inputs, 'timestep', ['float32', 'float16', 'int64', 'int32']);
    const context = expectValue(problems, 'unet', 'input', s.inputs, 'encoder_hidden_states', floatTypes);
    expectValue(problems, 'unet', 'output', s.outputs, 'out_sample', floatTypes);
    if (wantsXl) {
      expectValue(problems, 'unet', 'input', s.inputs, 'text_embeds', floatTypes);
      expectValue(problems, 'unet', 'input', s.inputs, 'time_ids', floatTypes);
    } else if (find(s.inputs, 'time_ids')) {
      problems.push('unet takes time_ids (an SDXL UNet) but there is no text_encoder_2 and tokenizer_2');
    }
    const width = lastDim(context);
    if (width !== undefined && hidden !== undefined && width !== hidden)
      problems.push(
        `unet expects text embeddings ${width} wide but the text encoder${wantsXl ? 's give' : ' gives'} ${hidden}: the parts come from different models`,
      );
    const channels = sample?.shape[1];
    if (typeof channels === 'number' && channels !== 4) problems.push(`unet sample has ${channels} channels; Likeness runs 4-channel latents`);
    const [h, w] = [sample?.shape[2], sample?.shape[3]];
    if (typeof h === 'number' && typeof w === 'number') fixedSize = { width: w * 8, height: h * 8 };
  }
  if (vaeDecoder) {
    expectValue(problems, 'vae_decoder', 'input', vaeDecoder.signature.inputs, 'latent_sample', floatTypes);
    expectValue(problems, 'vae_decoder', 'output', vaeDecoder.signature.outputs, 'sample', floatTypes);
  }
  if (vaeEncoder) {
    expectValue(problems, 'vae_encoder', 'input', vaeEncoder.signature.inputs, 'sample', floatTypes);
    if (!find(vaeEncoder.signature.outputs, 'latent_sample') && !find(vaeEncoder.signature.outputs, 'latent_parameters'))
      problems.push(`vae_encoder has no output “latent_sample” (its outputs: ${vaeEncoder.signature.outputs.map((o) => o.name).join(', ')})`);
  }

  const name = options.name ?? (typeof index?._name_or_path === 'string' ? basename(index._name_or_path) : basename(dir));
  const turboHint = /turbo/i.test(`${name} ${basename(dir)} ${String(index?._name_or_path ?? '')}`);
  const family: DiffusionFamily =
    family0 ??
    (wantsXl ? (turboHint ? 'sdxl-turbo' : 'sdxl') : hidden === 1024 ? (turboHint ? 'sd-turbo' : 'sd21') : turboHint ? 'sd-turbo' : 'sd15');
  if (family0 && !familyDefaults[family0].xl && xlByIndex) problems.push(`the folder has text_encoder_2 (an SDXL model) but was added as ${family0}`);

  if (problems.length) {
    throw new StudioError(
      'MODEL_ERROR',
      `${dir} is not a usable Stable Diffusion ONNX folder: ${problems.join('; ')}.`,
      'Pick the top folder of an optimum/diffusers ONNX export (with model_index.json), and copy it again if parts are missing.',
      { problems },
    );
  }

  const defaults = familyDefaults[family];
  const vaeConfig = readJson(join(dir, 'vae_decoder', 'config.json'), [], 'vae_decoder/config.json');
  const unetConfig = readJson(join(dir, 'unet', 'config.json'), [], 'unet/config.json');
  const sampleSize = typeof unetConfig?.sample_size === 'number' ? unetConfig.sample_size * 8 : undefined;
  const config = { ...(schedulerConfig ?? {}) };
  // Turbo models are distilled at trailing timesteps (one step from pure noise).
  if (defaults.turbo && config.timestep_spacing === undefined) config.timestep_spacing = 'trailing';
  return {
    dir,
    name,
    family,
    components: {
      textEncoder: textEncoder!.path,
      textEncoder2: textEncoder2?.path,
      unet: unet!.path,
      vaeDecoder: vaeDecoder!.path,
      vaeEncoder: vaeEncoder?.path,
      tokenizer: join(dir, 'tokenizer'),
      tokenizer2: textEncoder2 ? join(dir, 'tokenizer_2') : undefined,
    },
    schedulerConfig: config,
    vaeScalingFactor: typeof vaeConfig?.scaling_factor === 'number' ? vaeConfig.scaling_factor : defaults.vaeScalingFactor,
    nativeSize: fixedSize?.width ?? sampleSize ?? defaults.size,
    fixedSize,
    forceZerosForEmptyPrompt: typeof index?.force_zeros_for_empty_prompt === 'boolean' ? index.force_zeros_for_empty_prompt : defaults.xl,
    signatures: {
      textEncoder: textEncoder!.signature,
      ...(textEncoder2 ? { textEncoder2: textEncoder2.signature } : {}),
      unet: unet!.signature,
      vaeDecoder: vaeDecoder!.signature,
      ...(vaeEncoder ? { vaeEncoder: vaeEncoder.signature } : {}),
    },
  };
}
