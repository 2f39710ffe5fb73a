import { basename, extname } from 'node:path';
import type { ReuseNote, ReusedSettings } from '../api/namespaces/generate';
import { SchedulerName } from '../api/namespaces/models';
import type { OutputDetail } from '../api/schemas';
import type { Catalog } from '../catalog/catalog';
import { listLoras, listModels } from '../models/manager';
import { schedulerFromToolName } from './schedulers';
import { fillPrompt, loadTemplates } from './templates';

const normalise = (name: string) => name.trim().toLowerCase();
const fileStem = (path: string) => basename(path, extname(path));

/** "portrait, <lora:ada:0.8>, soft light" → "portrait, soft light" (also <lyco:…> and <hypernet:…>). */
export function withoutExtraNetworkTags(prompt: string): string {
  return prompt
    .replace(/<(lora|lyco|hypernet):[^>]*>/gi, '')
    .replace(/\s*,(\s*,)+/g, ',')
    .replace(/^\s*,\s*|\s*,\s*$/g, '')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** A size Generate can make (resolveSize: each side a multiple of 8 from 64 to 4096). */
function usableSize(width: number | null | undefined, height: number | null | undefined): string | null {
  const ok = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 64 && v <= 4096 && v % 8 === 0;
  return ok(width) && ok(height) ? `${width}x${height}` : null;
}

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * What Generate needs to make an output again: our own outputs give back everything (model, LoRAs with their
 * scales, person, template and the prompt added to it); outputs of other tools give what maps (prompt,
 * negative, seed, steps, guidance, size, samplers with an unambiguous equivalent, LoRAs and models found in the
 * library by name). Whatever cannot be taken over is named in `notes`, so the form can say it.
 */
export function reuseSettings(catalog: Catalog, outputId: number): ReusedSettings {
  const output: OutputDetail = catalog.outputs.get(outputId);
  const provenance = record(output.provenance);
  const ours = output.generator === 'likeness';
  const notes: ReuseNote[] = [];

  // The model: ours by id, then anyone's by name (a removed folder added again gets a new id but its name).
  const installed = listModels(catalog).filter((m) => m.kind === 'diffusion' && m.state === 'installed');
  const modelId = ours && typeof provenance.modelId === 'string' ? provenance.modelId : undefined;
  const model =
    installed.find((m) => m.id === modelId) ??
    (output.model ? installed.find((m) => [m.name, m.id, basename(m.folder)].some((n) => normalise(n) === normalise(output.model!))) : undefined);
  if (!model && output.model) notes.push({ kind: 'model-missing', value: output.model });

  // The person (ours only), and the template with the prompt that was added to it.
  let personId = output.personId;
  const person = personId === null ? undefined : catalog.people.list().find((p) => p.id === personId);
  if (personId !== null && !person) {
    notes.push({ kind: 'person-missing', value: String(personId) });
    personId = null;
  }
  const fill = (text: string) => fillPrompt(text, person && { trigger: person.trigger, classWord: person.classWord });
  let template: string | null = null;
  // A1111's <lora:name:weight> tags are LoRAs (taken over below), not words for the text encoder.
  let prompt = ours ? (output.prompt ?? '') : withoutExtraNetworkTags(output.prompt ?? '');
  let negativePrompt = output.negativePrompt;
  if (ours && output.template) {
    const found = loadTemplates().find((t) => t.name === output.template);
    const filled = found ? fill(found.prompt) : undefined;
    if (found && filled !== undefined && (prompt === filled || prompt.startsWith(`${filled}, `))) {
      template = found.name;
      prompt = prompt.slice(filled.length).replace(/^, /, '');
      // The template's own negative prompt comes with it again.
      if (negativePrompt === fill(found.negative)) negativePrompt = null;
    } else notes.push({ kind: 'template-changed', value: output.template });
  }

  // The scheduler: ours by id; other tools' samplers where one of ours is the same.
  const ownScheduler = ours ? SchedulerName.safeParse(provenance.schedulerId) : undefined;
  let scheduler: SchedulerName | null = ownScheduler?.success ? ownScheduler.data : null;
  if (!scheduler && output.scheduler) {
    scheduler = schedulerFromToolName(output.scheduler) ?? null;
    if (!scheduler) notes.push({ kind: 'scheduler-unmapped', value: output.scheduler });
  }

  // The size it was generated at: for other tools the size in their parameters (before any upscaling).
  const parsed = record(provenance.parsed);
  const width = typeof parsed.width === 'number' ? parsed.width : output.width;
  const height = typeof parsed.height === 'number' ? parsed.height : output.height;
  const size = usableSize(width, height);
  if (!size && output.kind === 'image') notes.push({ kind: 'size-unusable', value: `${width}x${height}` });

  // LoRAs: by content hash, then by name (other tools write the file's name).
  const library = listLoras(catalog);
  const loras: ReusedSettings['loras'] = [];
  for (const lora of output.loras) {
    const found =
      (lora.hash ? library.find((l) => l.sha256 === lora.hash) : undefined) ??
      library.find((l) => normalise(l.name) === normalise(lora.name) || normalise(fileStem(l.path)) === normalise(lora.name));
    if (found) loras.push({ id: found.id, scale: lora.weight ?? 1 });
    else notes.push({ kind: 'lora-missing', value: lora.name });
  }

  return {
    outputId: output.id,
    generator: output.generator,
    model: model?.id ?? null,
    modelName: output.model,
    prompt,
    negativePrompt,
    seed: output.seed !== null && Number.isSafeInteger(output.seed) && output.seed >= 0 ? output.seed : null,
    steps: output.steps !== null && output.steps >= 1 && output.steps <= 200 ? output.steps : null,
    guidance: output.guidance !== null && output.guidance >= 0 && output.guidance <= 30 ? output.guidance : null,
    scheduler,
    size,
    loras,
    personId,
    template,
    notes,
  };
}
