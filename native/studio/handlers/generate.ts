import { randomUUID } from 'node:crypto';
import type { StudioHandlers } from '../../api/contract';
import { randomSeed } from '../../diffusion/rng';
import { generateJob } from '../../diffusion/generate-job';
import { planRequest } from '../../diffusion/plan-from-catalog';
import { reuseSettings } from '../../diffusion/reuse-settings';
import { loadTemplates } from '../../diffusion/templates';
import { resolveLora } from '../../models/manager';
import type { StudioContext } from './context';
import { StudioError } from '../../api/errors';
import { farmChoice } from '../../farm/connect';

export function generateHandlers({ catalog, jobs }: StudioContext): StudioHandlers['generate'] {
  return {
    listTemplates: async () => loadTemplates(),
    plan: async (request) => {
      const images = planRequest(catalog, request, request.seed ?? 0);
      return { images: images.slice(0, 500), total: images.length };
    },
    start: async (request) => {
      // Check what can be checked now (model folder, person, templates, LoRA files), so mistakes fail here, not in the queue.
      const seed = request.seed ?? randomSeed();
      planRequest(catalog, request, seed);
      for (const lora of request.loras) resolveLora(catalog, lora);
      if (request.runOn === 'farm' && !farmChoice(catalog))
        throw new StudioError(
          'UNSUPPORTED',
          'No farm is set for this library.',
          'Set one on the Jobs page (or: likeness farm use redis://:PASSWORD@HOST:6379), or make the images on this machine.',
        );
      return jobs.enqueue(generateJob.kind, { request, seed, batchId: randomUUID() });
    },
    reuse: async ({ outputId }) => reuseSettings(catalog, outputId),
  };
}
