import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { exportJob } from '../../catalog/export-job';
import { keepRates, likenessPrediction } from '../../catalog/stats';
import type { StudioContext } from './context';
import { isInside, resolveUserPath } from '../../core/paths';

export function reviewHandlers({ catalog, jobs }: StudioContext): StudioHandlers['review'] {
  return {
    set: async (patch) => catalog.outputs.setReview(patch),
    put: async ({ states, expected }) => catalog.outputs.putReview(states, expected),
    stats: async ({ by, filter }) => ({ by, rows: keepRates(catalog.reader, by, filter), likeness: likenessPrediction(catalog.reader, filter) }),
    export: async (request) => {
      // Real paths on both sides: a symlink or `..` that leads into the library is inside it.
      if (isInside(resolveUserPath(request.outDir), catalog.paths.root)) {
        throw new StudioError('INVALID_INPUT', `${request.outDir} is inside the library.`, 'Choose a folder outside the library, e.g. in Pictures.');
      }
      return jobs.enqueue(exportJob.kind, request);
    },
  };
}
