import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { exportJob } from '../../catalog/export-job';
import { keepRates, likenessPrediction } from '../../catalog/stats';
import type { StudioContext } from './context';
import { isInside, resolveUserPath } from '../../core/paths';

export function reviewHandlers({ catalog, events, jobs }: StudioContext): StudioHandlers['review'] {
  const changed = (ids: number[]) => events.emit({ type: 'review:changed', payload: { ids } });
  return {
    set: async (patch) => {
      const write = catalog.outputs.setReview(patch);
      changed(write.after.map((s) => s.id));
      return write;
    },
    put: async ({ states, expected }) => {
      const write = catalog.outputs.putReview(states, expected);
      changed(write.after.map((s) => s.id));
      return write;
    },
    stats: async ({ by, filter }) => ({ by, rows: keepRates(catalog.db, by, filter), likeness: likenessPrediction(catalog.db, filter) }),
    export: async (request) => {
      // Real paths on both sides: a symlink or `..` that leads into the library is inside it.
      if (isInside(resolveUserPath(request.outDir), catalog.paths.root)) {
        throw new StudioError('INVALID_INPUT', `${request.outDir} is inside the library.`, 'Choose a folder outside the library, e.g. in Pictures.');
      }
      return jobs.enqueue(exportJob.kind, request);
    },
  };
}
