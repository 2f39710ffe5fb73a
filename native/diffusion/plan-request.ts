import type { z } from 'zod';
import type { GenerateRequest, PlannedImage } from '../api/namespaces/generate';
import type { Catalog } from '../catalog/catalog';
import { resolveDiffusionModel, type ResolvedModel } from '../models/manager';
import { planBatch } from './plan';
import { loadTemplates } from './templates';

/** The images a request makes (also what `generate.plan` shows). */
export function planRequest(catalog: Catalog, request: z.output<typeof GenerateRequest>, seed: number, model?: ResolvedModel): PlannedImage[] {
  const resolved = model ?? resolveDiffusionModel(catalog, request.model);
  const person = request.personId ? catalog.people.get(request.personId) : undefined;
  return planBatch(
    { ...request, seed },
    {
      family: resolved.info.family,
      nativeSize: resolved.info.nativeSize,
      fixedSize: resolved.info.fixedSize,
      templates: loadTemplates(),
      person: person ? { trigger: person.trigger, classWord: person.classWord } : undefined,
    },
  );
}
