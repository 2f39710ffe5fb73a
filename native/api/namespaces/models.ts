import { z } from 'zod';
import { method } from '../method';
import { Empty, Id, Job, ProviderName } from '../schemas';

/** Stable Diffusion families Likeness runs. */
export const DiffusionFamily = z.enum(['sd15', 'sd21', 'sd-turbo', 'sdxl', 'sdxl-turbo']);
export type DiffusionFamily = z.infer<typeof DiffusionFamily>;

export const SchedulerName = z.enum(['euler', 'euler-a', 'ddim', 'lcm', 'dpmpp-2m', 'dpmpp-2m-karras']);
export type SchedulerName = z.infer<typeof SchedulerName>;

/** What a generation uses when neither the request nor the template says (per family, or the folder's own). */
export const GenerationDefaults = z.object({
  width: z.number().int(),
  height: z.number().int(),
  steps: z.number().int(),
  guidance: z.number(),
  scheduler: SchedulerName,
  /** Turbo: distilled for 1–4 steps without guidance; templates' steps and guidance do not apply. */
  turbo: z.boolean(),
});
export type GenerationDefaults = z.infer<typeof GenerationDefaults>;

/** The licence name of a model folder the user added (its licence is wherever they got it). */
export const UNKNOWN_LICENSE = 'unknown (see the model’s source)';

export const ModelFileInfo = z.object({
  path: z.string(),
  size: z.number().nullable(),
  url: z.string().nullable(),
  /** Bytes already on disk (a partial download counts). */
  present: z.number(),
});

/** What went wrong with a download, in the error's `details.problem`, so the UI can say it in the user's language. */
export const downloadProblems = ['unreachable', 'refused', 'http', 'stopped', 'changed', 'damaged'] as const;
export type DownloadProblem = (typeof downloadProblems)[number];

export const VerifyCheck = z.object({ name: z.string(), ok: z.boolean(), detail: z.string(), skipped: z.boolean().optional() });
export type VerifyCheck = z.infer<typeof VerifyCheck>;

/** `likeness models verify`: files, I/O and one golden pass of an installed model on this machine. */
export const ModelVerification = z.object({
  id: z.string(),
  name: z.string(),
  at: z.number(),
  provider: z.string(),
  ok: z.boolean(),
  summary: z.string(),
  checks: z.array(VerifyCheck),
});
export type ModelVerification = z.infer<typeof ModelVerification>;

export const ModelInfo = z.object({
  id: z.string(),
  kind: z.string(),
  family: z.string().nullable(),
  name: z.string(),
  description: z.string().nullable(),
  /** The description in other UI languages (registry models). */
  translations: z.record(z.string(), z.object({ description: z.string() })),
  license: z.object({ name: z.string(), url: z.string().nullable(), commercialUse: z.boolean().nullable() }),
  /** registry: listed in assets/models.json; local: a folder the user added. */
  source: z.enum(['registry', 'local']),
  state: z.enum(['installed', 'missing', 'incomplete']),
  /** The folder the model's files live in (or would). */
  folder: z.string(),
  files: z.array(ModelFileInfo),
  /** Total bytes when known (registry sizes may be approximate: see sizeExact). */
  size: z.number().nullable(),
  sizeExact: z.boolean(),
  /** Diffusion models: what a generation starts from. */
  defaults: GenerationDefaults.nullable(),
  /** Whether it can start from an image (has a VAE encoder). */
  img2img: z.boolean(),
  /** A download job of this model that is queued or running. */
  downloadJobId: Id.nullable(),
  /** The only providers this build runs on (sd-turbo's CUDA-only Olive export); null when any. */
  runsOn: z.array(ProviderName).nullable(),
  /** The last `models verify` of this model on this machine (also run after every install). */
  verified: ModelVerification.pick({ at: true, ok: true, summary: true }).nullable(),
});
export type ModelInfo = z.infer<typeof ModelInfo>;

export const LoraInfo = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  sha256: z.string(),
  size: z.number(),
  personId: Id.nullable(),
  /** The family it was trained for, when its metadata says (ss_base_model_version). */
  baseModel: z.string().nullable(),
  modules: z.number().int(),
  addedAt: z.number(),
});
export type LoraInfo = z.infer<typeof LoraInfo>;

export const modelsApi = {
  list: method(Empty, z.array(ModelInfo)),
  /** Installs a known model from a file on the studio's machine (checked against the registry's size and sha256). */
  installFile: method(z.object({ id: z.string(), path: z.string().min(1), file: z.string().optional() }), ModelInfo),
  /** Downloads a registry model (resumable, verified); a job with byte progress that can be cancelled. */
  download: method(z.object({ id: z.string() }), Job),
  /** Proves an installed model works here: files, I/O, one golden pass (a job; its result is a ModelVerification). */
  verify: method(
    z.object({ id: z.string(), photo: z.string().min(1).optional(), provider: z.union([z.literal('auto'), ProviderName]).default('cpu') }),
    Job,
  ),
  /** Adds a Stable Diffusion ONNX folder (diffusers/optimum layout); an error names any missing or mismatched part. */
  addFolder: method(
    z.object({ path: z.string().min(1, 'choose the model folder'), name: z.string().trim().max(120).optional(), family: DiffusionFamily.optional() }),
    ModelInfo,
  ),
  /** Forgets a local folder (its files stay), or deletes a downloaded registry model's files. */
  remove: method(z.object({ id: z.string() }), z.object({ removed: z.boolean() })),
  listLoras: method(Empty, z.array(LoraInfo)),
  /** Copies a kohya LoRA (.safetensors) into the library, optionally for a person. */
  addLora: method(
    z.object({
      path: z.string().min(1, 'choose a .safetensors file'),
      personId: Id.nullable().optional(),
      name: z.string().trim().max(120).optional(),
    }),
    LoraInfo,
  ),
  removeLora: method(z.object({ id: z.string() }), z.object({ removed: z.boolean() })),
};
