import { StudioError } from '../api/errors';
import type { ProviderName } from '../api/schemas';

/**
 * The execution providers worth trying on each OS, best first (the `auto` order). CPU always comes
 * last and is always available; every step down is announced, never silent.
 */
export const providerOrder: Record<string, readonly ProviderName[]> = {
  linux: ['cuda', 'webgpu', 'cpu'],
  win32: ['cuda', 'dml', 'webgpu', 'cpu'],
  darwin: ['coreml', 'webgpu', 'cpu'],
};

export const allProviders: readonly ProviderName[] = ['cpu', 'webgpu', 'cuda', 'dml', 'coreml'];

export function autoProviders(platform: NodeJS.Platform = process.platform): readonly ProviderName[] {
  return providerOrder[platform] ?? ['cpu'];
}

/** Some builds run on some providers only (onnxruntime/sd-turbo: fp16 Olive for CUDA), and say why. */
export interface ProviderRequirement {
  providers: readonly ProviderName[];
  /** Why, in a phrase: "an fp16 Olive build for NVIDIA GPUs". */
  reason: string;
  /** What runs everywhere instead (a model's name), for the message. */
  alternative?: string | undefined;
}

const providerNames: Record<ProviderName, string> = { cpu: 'CPU', webgpu: 'WebGPU', cuda: 'CUDA', dml: 'DirectML', coreml: 'Core ML' };

/**
 * The providers to try for a choice, best first: the `auto` order, or the one asked for then the CPU —
 * limited to those the model runs on, so `auto` never ends on a provider the model cannot use.
 */
export function providerCandidates(
  choice: 'auto' | ProviderName,
  requirement?: ProviderRequirement,
  platform: NodeJS.Platform = process.platform,
): ProviderName[] {
  const order: ProviderName[] = choice === 'auto' ? [...autoProviders(platform)] : choice === 'cpu' ? ['cpu'] : [choice, 'cpu'];
  return requirement ? order.filter((p) => requirement.providers.includes(p)) : order;
}

/** The refusal for a model that cannot run on what was chosen (or on anything `auto` would try here). */
export function unsupportedProvider(model: string, choice: 'auto' | ProviderName, requirement: ProviderRequirement, lastError?: string): StudioError {
  const runsOn = requirement.providers.map((p) => providerNames[p]).join(' or ');
  const tried = lastError ? ` ${runsOn} did not start here: ${lastError}` : choice === 'auto' ? ` This machine offers no ${runsOn}.` : '';
  return new StudioError(
    'UNSUPPORTED',
    `${model} runs only on ${runsOn} (${requirement.reason}), not on ${choice === 'auto' ? 'what this machine has' : providerNames[choice]}.${tried}`,
    requirement.alternative
      ? `Use ${requirement.alternative}, which runs on every provider, or this model on a machine with ${runsOn} (README: GPU).`
      : `Use it on a machine with ${runsOn} (README: GPU).`,
    { providers: [...requirement.providers] },
  );
}

/** Refuses up front (before a job is queued) a choice the model can never run on. */
export function checkProviderChoice(model: string, choice: 'auto' | ProviderName, requirement: ProviderRequirement | undefined): void {
  if (requirement && !providerCandidates(choice, requirement).length) throw unsupportedProvider(model, choice, requirement);
}
