import { StudioError } from '../api/errors';
import type { GenerateRequest, PlannedImage, Template } from '../api/namespaces/generate';
import type { DiffusionFamily } from '../api/namespaces/models';
import { familyDefaults } from './families';
import { fillPrompt } from './templates';

export interface PlanContext {
  family: DiffusionFamily;
  /** The model's native square size (px). */
  nativeSize: number;
  fixedSize: { width: number; height: number } | undefined;
  templates: readonly Template[];
  person: { trigger: string; classWord: string } | undefined;
}

type ParsedRequest = Pick<GenerateRequest, 'prompt' | 'negativePrompt' | 'steps' | 'scheduler' | 'size' | 'guidance'> & {
  templates: string[];
  count: number;
  seed: number;
};

const round64 = (x: number) => Math.max(64, Math.round(x / 64) * 64);

/** `WxH` as given, or an aspect ratio `W:H` at the model's native pixel count, in multiples of 64. */
export function resolveSize(spec: string | undefined, nativeSize: number): { width: number; height: number } {
  if (!spec) return { width: nativeSize, height: nativeSize };
  const exact = /^(\d+)x(\d+)$/.exec(spec);
  if (exact) {
    const [width, height] = [Number(exact[1]), Number(exact[2])];
    for (const v of [width, height])
      if (v < 64 || v > 4096 || v % 8)
        throw new StudioError('INVALID_INPUT', `The size ${spec} is not usable: each side is a multiple of 8 from 64 to 4096.`, 'E.g. 512x768.');
    return { width, height };
  }
  const ratio = /^(\d+):(\d+)$/.exec(spec);
  if (!ratio || !Number(ratio[1]) || !Number(ratio[2]))
    throw new StudioError('INVALID_INPUT', `The size ${spec} is neither WxH nor W:H.`, 'E.g. 512x768 or 2:3.');
  const aspect = Number(ratio[1]) / Number(ratio[2]);
  const area = nativeSize * nativeSize;
  return { width: round64(Math.sqrt(area * aspect)), height: round64(Math.sqrt(area / aspect)) };
}

/**
 * Every image a request makes, in order: templates × count (or the prompt × count), seeds counting up from
 * the first. The request overrides the template, the template the model family's defaults — except for
 * Turbo models, whose distilled steps, guidance and scheduler only the request can change.
 */
export function planBatch(request: ParsedRequest, context: PlanContext): PlannedImage[] {
  const family = familyDefaults[context.family];
  const sources: { template: Template | undefined }[] = request.templates.length
    ? request.templates.map((name) => {
        const template = context.templates.find((t) => t.name === name);
        if (!template) throw new StudioError('NOT_FOUND', `No template “${name}”.`, `Templates: ${context.templates.map((t) => t.name).join(', ')}.`);
        return { template };
      })
    : [{ template: undefined }];
  const images: PlannedImage[] = [];
  for (const { template } of sources) {
    const fromTemplate = family.turbo ? undefined : template;
    const size = context.fixedSize ?? resolveSize(request.size ?? template?.size, context.nativeSize);
    // With a template, a prompt of the request is added to it (", " joined): "…, wearing a red scarf".
    const prompt = fillPrompt([template?.prompt, request.prompt?.trim()].filter(Boolean).join(', '), context.person);
    const negativePrompt = fillPrompt(request.negativePrompt ?? template?.negative ?? '', context.person);
    for (let i = 0; i < request.count; i++) {
      images.push({
        index: images.length,
        template: template?.name ?? null,
        prompt,
        negativePrompt,
        seed: request.seed + images.length,
        width: size.width,
        height: size.height,
        steps: request.steps ?? fromTemplate?.steps ?? family.steps,
        guidance: request.guidance ?? fromTemplate?.guidance ?? family.guidance,
        scheduler: request.scheduler ?? fromTemplate?.scheduler ?? family.scheduler,
      });
    }
  }
  return images;
}
