import { z } from 'zod';
import { ProcessRequest, type ProcessResult } from '../api/namespaces/portrait';
import { defineJob } from '../jobs/define';

/** What the queue stores: the request, with the seed fixed at enqueue time (a resumed job makes the same clip). */
export const ProcessJobInput = z.object({
  request: ProcessRequest,
  seed: z.number().int().min(0),
  /** The photo's name, for the job's title (a catalogue photo is otherwise only its id). */
  sourceName: z.string().optional(),
});
export type ProcessJobInput = z.output<typeof ProcessJobInput>;

function sourceName(input: ProcessJobInput): string {
  const source = input.request.source;
  if (input.sourceName) return input.sourceName;
  return 'path' in source ? (source.path.split(/[\\/]/).pop() ?? 'photo') : `output ${source.outputId}`;
}

/**
 * `portrait.process`: restore faces, colorize, upscale (a still output) and/or animate (a video output) one photo,
 * each output with its provenance (models and their hashes, settings, providers, timings).
 */
export const portraitProcessJob = defineJob({
  kind: 'portrait.process',
  resource: 'gpu',
  // Deterministic for a given seed: a resumed job makes the same outputs (the catalogue keeps one row per file).
  resumable: true,
  input: ProcessJobInput,
  title: (input: ProcessJobInput) => {
    const r = input.request;
    const steps = [r.restore && 'restore', r.colorize && 'colorize', r.upscale && `upscale ×${r.upscale.scale}`, r.animate && 'animate'].filter(
      Boolean,
    );
    return `${r.quality === 'preview' ? 'Preview: ' : ''}${steps.join(', ').replace(/^./, (c) => c.toUpperCase())} ${sourceName(input)}`;
  },
  // The models (onnxruntime, sharp) load on the first run, not when a worker starts.
  run: async (input, context): Promise<ProcessResult> => (await import('./process-run')).runProcess(input, context),
});
