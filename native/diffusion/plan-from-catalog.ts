import type { z } from 'zod';
import type { GenerateRequest, PlannedImage } from '../api/namespaces/generate';
import type { Catalog } from '../catalog/catalog';
import { resolveDiffusionModel, type ResolvedModel } from '../models/manager';
import { planBatch } from './batch-plan';
import { loadTemplates } from './templates';
import { checkProviderChoice } from '../inference/providers';

/** The images a request makes (also what `generate.plan` shows). */
/**
 * The images a request makes. With a likeness gate the batch may try up to maxTries images (the count per
 * template is raised to cover them); the job stops early once enough look like the person.
 */
export function planRequest(catalog: Catalog, request: z.output<typeof GenerateRequest>, seed: number, model?: ResolvedModel): PlannedImage[] {
  const resolved = model ?? resolveDiffusionModel(catalog, request.model);
  checkProviderChoice(resolved.name, request.provider, resolved.info.runsOn);
  const person = request.personId ? catalog.people.get(request.personId) : undefined;
  const gate = request.likenessGate;
  const count = gate ? Math.ceil(gate.maxTries / Math.max(1, request.templates.length)) : request.count;
  const images = planBatch(
    { ...request, count, seed },
    {
      family: resolved.info.family,
      nativeSize: resolved.info.nativeSize,
      fixedSize: resolved.info.fixedSize,
      templates: loadTemplates(),
      person: person ? { trigger: person.trigger, classWord: person.classWord } : undefined,
    },
  );
  if (!gate) return images;
  // Round-robin over the templates, so a gate that is met early has tried every template, not just the first.
  const byTemplate = new Map<string | null, PlannedImage[]>();
  for (const image of images) byTemplate.set(image.template, [...(byTemplate.get(image.template) ?? []), image]);
  const queues = [...byTemplate.values()];
  const interleaved: PlannedImage[] = [];
  for (let round = 0; interleaved.length < images.length; round++) for (const queue of queues) if (queue[round]) interleaved.push(queue[round]!);
  return interleaved.slice(0, gate.maxTries);
}
