import { z } from 'zod';
import type { GenerateResult } from '../api/namespaces/generate';
import { GenerateRequest } from '../api/namespaces/generate';
import { defineJob } from '../jobs/define';

/** What the queue stores: the request, with the seed and batch id fixed at enqueue time (a resumed job repeats them). */
export const GenerateJobInput = z.object({
  request: GenerateRequest,
  seed: z.number().int().min(0),
  batchId: z.string().min(1),
});
export type GenerateJobInput = z.output<typeof GenerateJobInput>;

/**
 * `generate`: a batch of images (templates × count, or a prompt × count) from a local ONNX model, each stored as an
 * output with its full provenance and an A1111 `parameters` chunk, announced to Review as it finishes.
 */
export const generateJob = defineJob({
  kind: 'generate',
  resource: (input: GenerateJobInput) => (input.request.runOn === 'farm' ? 'cpu' : 'gpu'),
  // Idempotent per image: a resumed batch skips the images it already stored.
  resumable: true,
  input: GenerateJobInput,
  title: (input: GenerateJobInput) => {
    const gate = input.request.likenessGate;
    if (gate) return `Generate until ${gate.keep} look like the person (at most ${gate.maxTries} images)`;
    const what = input.request.templates.length
      ? `${input.request.templates.length} template${input.request.templates.length > 1 ? 's' : ''}`
      : 'prompt';
    return `Generate ${input.request.count > 1 || input.request.templates.length > 1 ? `${input.request.count * Math.max(1, input.request.templates.length)} images` : '1 image'} (${what})`;
  },
  // The pipeline (onnxruntime, sharp) loads on the first generation, not when a worker starts.
  run: async (input, context): Promise<GenerateResult> => (await import('./generate-run')).runGenerate(input, context),
});
