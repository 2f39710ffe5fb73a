import type { SchedulerName } from './schedulers';
import { schedulers } from './schedulers';

export interface ParametersInput {
  prompt: string;
  negativePrompt: string;
  steps: number;
  scheduler: SchedulerName;
  guidance: number;
  seed: number;
  width: number;
  height: number;
  model: string;
  modelHash: string;
  loras: { name: string; scale: number; sha256: string }[];
  strength?: number | undefined;
  provider: string;
  appVersion: string;
}

const quote = (value: string) => (/[,:"]/.test(value) ? JSON.stringify(value) : value);

/**
 * The AUTOMATIC1111 `parameters` text, which A1111, Forge, ComfyUI loaders, Civitai and Likeness's own import
 * read back:
 *   prompt <lora:name:scale>
 *   Negative prompt: …
 *   Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x768, Model hash: …, …
 * Nothing run-dependent (timings) goes in, so the same seed and settings give the same bytes.
 */
export function a1111Parameters(input: ParametersInput): string {
  const loraTags = input.loras.map((l) => `<lora:${l.name}:${Number(l.scale.toFixed(3))}>`).join(' ');
  const lines = [[input.prompt, loraTags].filter(Boolean).join(' ')];
  if (input.negativePrompt) lines.push(`Negative prompt: ${input.negativePrompt}`);
  const sampler = schedulers[input.scheduler].a1111;
  const settings: [string, string | number][] = [
    ['Steps', input.steps],
    ['Sampler', sampler.sampler],
    ...(sampler.schedule ? ([['Schedule type', sampler.schedule]] as [string, string][]) : []),
    ['CFG scale', input.guidance],
    ['Seed', input.seed],
    ['Size', `${input.width}x${input.height}`],
    ['Model hash', input.modelHash.slice(0, 10)],
    ['Model', input.model],
    ...(input.strength !== undefined ? ([['Denoising strength', input.strength]] as [string, number][]) : []),
    ...(input.loras.length
      ? ([['Lora hashes', input.loras.map((l) => `${l.name}: ${l.sha256.slice(0, 12)}`).join(', ')]] as [string, string][])
      : []),
    ['ONNX provider', input.provider],
    ['Version', `Likeness ${input.appVersion}`],
  ];
  lines.push(settings.map(([key, value]) => `${key}: ${typeof value === 'number' ? value : quote(value)}`).join(', '));
  return lines.join('\n');
}
