import type { StudioHandlers } from '../../api/contract';
import { importImage } from '../../catalog/import-job';
import { discardUploads, stagedFiles } from '../../people/uploads';
import { inspectPortrait, portraitStatus } from '../../portrait/inspect';
import { setNonCommercialAllowed } from '../../portrait/models';
import { loadMotionPresets } from '../../portrait/motion';
import { portraitProcessJob } from '../../portrait/process-job';
import { checkRequest } from '../../portrait/request';
import type { StudioContext } from './context';

export function portraitHandlers({ catalog, events, jobs }: StudioContext): StudioHandlers['portrait'] {
  return {
    status: async () => portraitStatus(catalog),
    setNonCommercial: async ({ allowed }) => {
      setNonCommercialAllowed(catalog, allowed);
      return portraitStatus(catalog);
    },
    presets: async () =>
      [...loadMotionPresets().values()].map((p) => ({
        id: p.id,
        name: p.name,
        description: p.description,
        seconds: p.seconds,
        translations: p.translations,
      })),
    importPhoto: async ({ uploadId }) => {
      const [file] = await stagedFiles(catalog.paths.root, [uploadId]);
      const outcome = await importImage(catalog, file!.path);
      await discardUploads(catalog.paths.root, [uploadId]);
      const summary = catalog.outputs.summary(outcome.outputId);
      if (outcome.status === 'imported') events.emit({ type: 'output:added', payload: summary });
      return summary;
    },
    inspect: async ({ source }) => inspectPortrait(catalog, source),
    process: async (request) => {
      // Checked now (models installed and allowed, files there, ffmpeg for clips): a mistake is said at once.
      await checkRequest(catalog, request);
      const seed = request.animate?.seed ?? Math.floor(Math.random() * 2 ** 31);
      const sourceName = 'outputId' in request.source ? (catalog.outputs.get(request.source.outputId).originalName ?? undefined) : undefined;
      return jobs.enqueue(portraitProcessJob.kind, { request, seed, ...(sourceName ? { sourceName } : {}) });
    },
  };
}
