import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { ProviderName } from '../api/schemas';
import { appRoot } from '../core/entry-points';

const TensorSpec = z.object({
  type: z.union([z.string(), z.array(z.string())]).optional(),
  rank: z.number().int().optional(),
  shape: z.array(z.number().int().nullable()).optional(),
  /** How many numbers the value holds, whatever its dims ([1, 63] or [1, 21, 3]): what a pipeline reads. */
  elements: z.number().int().positive().optional(),
});

const ModelIO = z.object({ inputs: z.record(z.string(), TensorSpec).optional(), outputs: z.record(z.string(), TensorSpec).optional() });

export const RegistryFile = z.object({
  /** Path inside the model's folder (models/<id>/<path>). */
  path: z.string().regex(/^[\w./-]+$/, 'a relative path'),
  url: z.url().optional(),
  size: z.number().int().positive().optional(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  /** For progress and the Models page when the exact size is not pinned. */
  approxSize: z.number().int().positive().optional(),
  /** Exports differ in how they split weights (model.onnx_data, model.onnx.data, weights.pb): absent upstream is fine. */
  optional: z.boolean().optional(),
  /** For models made of several ONNX parts (LivePortrait): what this part is checked against. */
  io: ModelIO.optional(),
});
export type RegistryFile = z.infer<typeof RegistryFile>;

const Point = z.object({ x: z.number(), y: z.number() });
const Triple = z.tuple([z.number(), z.number(), z.number()]);

/** Face-recognition models: how to align and normalise a face, and what the numbers mean (inference/face-embedder.ts). */
const FaceEmbedding = z
  .object({
    size: z.number().int().positive(),
    /** The five landmarks' places in the chip (eye on the image's left first, as YuNet lists them). */
    template: z.array(Point).length(5),
    order: z.enum(['rgb', 'bgr']),
    mean: Triple,
    std: Triple,
    metric: z.enum(['cosine', 'euclidean']),
    dims: z.number().int().positive(),
    input: z.string().optional(),
    output: z.string().optional(),
    calibration: z.object({ same: z.number(), different: z.number(), source: z.string() }),
  })
  // "Same" must lie on the alike side of "different": higher for cosine similarity, lower for a distance.
  .refine((e) => (e.metric === 'cosine' ? e.calibration.same > e.calibration.different : e.calibration.same < e.calibration.different), {
    message: 'calibration: "same" must be more alike than "different" for the metric',
  });

export const RegistryModel = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/),
  kind: z.string(),
  /** Diffusion models: sd15 / sd21 / sd-turbo / sdxl / sdxl-turbo. */
  family: z.string().optional(),
  name: z.string(),
  description: z.string().optional(),
  /** The description in other UI languages (names stay as their makers wrote them). */
  translations: z.record(z.string(), z.object({ description: z.string() })).default({}),
  license: z.object({ name: z.string(), url: z.url().optional(), commercialUse: z.boolean() }),
  source: z.string().optional(),
  files: z.array(RegistryFile).min(1),
  /** What a pipeline checks the file against (see inference/session.ts expectModelIO). */
  io: ModelIO.optional(),
  embedding: FaceEmbedding.optional(),
  /**
   * Builds that run on some providers only (onnxruntime/sd-turbo: an fp16 Olive build for CUDA, "it cannot run
   * in other providers like CPU and DirectML"): refused up front elsewhere, never a silent step down.
   */
  runsOn: z.object({ providers: z.array(ProviderName).min(1), reason: z.string(), alternative: z.string().optional() }).optional(),
});
export type RegistryModel = z.infer<typeof RegistryModel>;

export const Registry = z.object({ version: z.literal(1), models: z.array(RegistryModel) });
export type Registry = z.infer<typeof Registry>;

const cache = new Map<string, Registry>();

/**
 * The known models: assets/models.json, or the file LIKENESS_MODELS_JSON names (a mirror on a company network,
 * or a test's local server), validated once.
 */
export function loadRegistry(file = process.env.LIKENESS_MODELS_JSON || join(appRoot(), 'assets', 'models.json')): Registry {
  const cached = cache.get(file);
  if (cached) return cached;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StudioError('INTERNAL', `The model registry ${file} cannot be read: ${(error as Error).message}`);
  }
  const parsed = Registry.safeParse(raw);
  if (!parsed.success) throw new StudioError('INTERNAL', `The model registry ${file} is invalid: ${parsed.error.message}`);
  cache.set(file, parsed.data);
  return parsed.data;
}

export function findModel(id: string, registry: Registry = loadRegistry()): RegistryModel {
  const model = registry.models.find((m) => m.id === id);
  if (!model)
    throw new StudioError('NOT_FOUND', `No model “${id}” in the registry.`, `Known models: ${registry.models.map((m) => m.id).join(', ')}.`);
  return model;
}
