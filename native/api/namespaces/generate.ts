import { z } from 'zod';
import { method } from '../method';
import { Empty, Id, Job, ProviderName } from '../schemas';
import { SchedulerName } from './models';

/** `WxH` in pixels, or an aspect ratio `W:H` scaled to the model's native size. */
export const SizeSpec = z.string().regex(/^(\d+x\d+|\d+:\d+)$/, 'a size is WxH (e.g. 512x768) or an aspect ratio W:H (e.g. 2:3)');

export const Template = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  title: z.string(),
  description: z.string().default(''),
  /** May use {trigger} (the person's trigger word) and {class} (their class word, e.g. woman). */
  prompt: z.string().min(1),
  negative: z.string().default(''),
  steps: z.number().int().min(1).max(200).optional(),
  size: SizeSpec.optional(),
  scheduler: SchedulerName.optional(),
  guidance: z.number().min(0).max(30).optional(),
  /** Title and description in other UI languages (the prompt stays English: models read English). */
  translations: z.record(z.string(), z.object({ title: z.string(), description: z.string().default('') })).default({}),
});
export type Template = z.infer<typeof Template>;

export const LoraUse = z.object({
  /** A LoRA added to the library (models.loras) … */
  id: z.string().optional(),
  /** … or a .safetensors file on the studio's machine. */
  path: z.string().optional(),
  scale: z.number().min(-4).max(4).default(1),
});

export const ProviderChoice = z.union([z.literal('auto'), ProviderName]);

export const GenerateRequest = z
  .object({
    /** A model id (models.list) or a folder with a diffusers ONNX export. */
    model: z.string().min(1, 'choose a model'),
    /** The prompt; with templates, added to each template's prompt. */
    prompt: z.string().max(10_000).optional(),
    negativePrompt: z.string().max(10_000).optional(),
    /** Template names; each gives `count` images. */
    templates: z.array(z.string()).max(100).default([]),
    personId: Id.nullable().optional(),
    loras: z.array(LoraUse).max(8).default([]),
    count: z.number().int().min(1).max(1000).default(1),
    /** The first image's seed; image k gets seed + k. Random when absent (and then recorded). */
    seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    steps: z.number().int().min(1).max(200).optional(),
    scheduler: SchedulerName.optional(),
    size: SizeSpec.optional(),
    guidance: z.number().min(0).max(30).optional(),
    provider: ProviderChoice.default('auto'),
    /** img2img: a picture on the studio's machine and how much to change it. */
    init: z.object({ path: z.string().min(1), strength: z.number().gt(0).max(1).default(0.6) }).optional(),
    /** Images per UNet call (more uses the GPU better, needs more memory). */
    batchSize: z.number().int().min(1).max(16).default(1),
    tiledVae: z.union([z.boolean(), z.literal('auto')]).default('auto'),
    /** Where the images are made: this machine's GPU, or the farm's workers (`farm.status`; needs a farm set). */
    runOn: z.enum(['local', 'farm']).default('local'),
    /**
     * Keep generating until `keep` candidates look like the person (likeness ≥ `minLikeness`), at most
     * `maxTries` images in all; needs a person. The plan's count per template is raised to cover maxTries.
     */
    likenessGate: z
      .object({
        minLikeness: z.number().min(0).max(100).default(75),
        keep: z.number().int().min(1).max(1000),
        maxTries: z.number().int().min(1).max(1000),
      })
      .refine((g) => g.keep <= g.maxTries, { message: 'the likeness gate cannot keep more images than it may try' })
      .optional(),
  })
  .refine((r) => !r.likenessGate || r.personId, { message: 'a likeness gate needs a person to compare with' })
  .refine((r) => r.templates.length > 0 || (r.prompt ?? '').trim().length > 0, { message: 'write a prompt or pick at least one template' })
  .refine((r) => r.loras.every((l) => l.id || l.path), { message: 'a LoRA needs an id or a path' });
export type GenerateRequest = z.input<typeof GenerateRequest>;

/** One planned image of a batch (what the job makes, in order). */
export const PlannedImage = z.object({
  index: z.number().int(),
  template: z.string().nullable(),
  prompt: z.string(),
  negativePrompt: z.string(),
  seed: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  steps: z.number().int(),
  guidance: z.number(),
  scheduler: SchedulerName,
});
export type PlannedImage = z.infer<typeof PlannedImage>;

export const GenerateResult = z.object({
  batchId: z.string(),
  outputs: z.array(Id),
  provider: ProviderName,
  fallbacks: z.array(z.object({ model: z.string(), provider: ProviderName, reason: z.string(), remembered: z.boolean().optional() })),
  /** LoRA keys that matched no weight of the model, per LoRA. */
  loraUnmatched: z.record(z.string(), z.array(z.string())),
  /** Per image, seconds on average (the UNet alone, and everything). */
  secondsPerImage: z.number(),
  unetSecondsPerStep: z.number(),
  /** Each image's likeness to the person, scored as it landed (null: no person, or no face detector). */
  likeness: z
    .object({
      model: z.string().nullable(),
      scored: z.number().int(),
      /** Why nothing was scored (no face detector, no accepted photo…). */
      unavailable: z.string().nullable(),
    })
    .nullable()
    .optional(),
  /** A batch made by the farm: where it went (address without password) and how many images were sent. */
  farm: z.object({ url: z.string(), items: z.number().int() }).optional(),
  /** The likeness gate's outcome: images that reached it, images tried, whether it was met. */
  gate: z
    .object({
      minLikeness: z.number(),
      keep: z.number().int(),
      maxTries: z.number().int(),
      kept: z.number().int(),
      tried: z.number().int(),
      met: z.boolean(),
    })
    .optional(),
});
export type GenerateResult = z.infer<typeof GenerateResult>;

/** Something of an output that Generate cannot take over as it was (the form keeps its own value and says so). */
export const ReuseNote = z.object({
  kind: z.enum([
    /** The output's model is not installed (value: its name). */
    'model-missing',
    /** A sampler/scheduler Likeness has no equivalent for (value: the tool's name). */
    'scheduler-unmapped',
    /** A LoRA not in the library (value: its name). */
    'lora-missing',
    /** The person was removed. */
    'person-missing',
    /** The template was removed or its prompt changed: the whole prompt is used instead (value: the template). */
    'template-changed',
    /** A size Generate cannot make (value: WxH). */
    'size-unusable',
  ]),
  value: z.string(),
});
export type ReuseNote = z.infer<typeof ReuseNote>;

/** The settings of an output as the Generate form takes them (null: keep the form's own). */
export const ReusedSettings = z.object({
  outputId: Id,
  /** Who made it: 'likeness', or the tool it was imported from (a1111, comfyui…). */
  generator: z.string().nullable(),
  /** An installed diffusion model (models.list id). */
  model: z.string().nullable(),
  /** The model as the output names it. */
  modelName: z.string().nullable(),
  /** The prompt as typed: with a template, what was added to the template's prompt. */
  prompt: z.string(),
  negativePrompt: z.string().nullable(),
  seed: z.number().int().nullable(),
  steps: z.number().int().nullable(),
  guidance: z.number().nullable(),
  scheduler: SchedulerName.nullable(),
  size: SizeSpec.nullable(),
  loras: z.array(z.object({ id: z.string(), scale: z.number() })),
  personId: Id.nullable(),
  template: z.string().nullable(),
  notes: z.array(ReuseNote),
});
export type ReusedSettings = z.infer<typeof ReusedSettings>;

export const generateApi = {
  listTemplates: method(Empty, z.array(Template)),
  /** What a request would make (prompts, seeds, sizes, steps) without running it. */
  plan: method(GenerateRequest, z.object({ images: z.array(PlannedImage), total: z.number().int() })),
  /** Starts a batch: a 'gpu' job; outputs appear in Review as they finish. */
  start: method(GenerateRequest, Job),
  /** An output's settings for the Generate form ("Reuse settings" in Review), mapped to what is installed here. */
  reuse: method(z.object({ outputId: Id }), ReusedSettings),
};
