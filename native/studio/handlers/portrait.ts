import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { catalogImportFileJob, type ImportOutcome } from '../../catalog/import-job';
import { discardUploads, stagedFiles } from '../../people/uploads';
import { inspectPortrait, portraitStatus } from '../../portrait/inspect';
import { setNonCommercialAllowed } from '../../portrait/models';
import { loadMotionPresets } from '../../portrait/motion';
import { portraitProcessJob } from '../../portrait/process-job';
import { checkRequest } from '../../portrait/request';
import type { StudioContext } from './context';

export function portraitHandlers({ catalog, jobs }: StudioContext): StudioHandlers['portrait'] {
  return {
    status: async () => portraitStatus(catalog),
    setNonCommercial: async ({ allowed }) => {
      setNonCommercialAllowed(catalog, allowed);
      return portraitStatus(catalog);
    },
    listPresets: async () =>
      [...loadMotionPresets().values()].map((p) => ({
        id: p.id,
        name: p.name,
        description: p.description,
        seconds: p.seconds,
        translations: p.translations,
      })),
    importPhoto: async ({ uploadId }) => {
      const [file] = await stagedFiles(catalog.paths.root, [uploadId]);
      try {
        // Parsed in a job worker: this thread only waits (see catalogImportFileJob).
        const job = await jobs.waitFor(jobs.enqueue(catalogImportFileJob.kind, { path: file!.path, name: file!.name }).id);
        if (job.status !== 'done')
          throw job.error ? StudioError.fromShape(job.error) : new StudioError('CANCELLED', 'Adding the photo was cancelled.');
        return catalog.outputs.summary((job.result as ImportOutcome).outputId);
      } finally {
        await discardUploads(catalog.paths.root, [uploadId]);
      }
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
