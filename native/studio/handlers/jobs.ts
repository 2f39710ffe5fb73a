import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { jobFileLocation, revealInFileManager } from '../show-in-folder';
import type { StudioContext } from './context';

export function jobsHandlers({ catalog, jobs }: StudioContext): StudioHandlers['jobs'] {
  return {
    list: async ({ status, limit }) => jobs.list({ status, limit }),
    get: async ({ id }) => jobs.get(id),
    cancel: async ({ id }) => jobs.cancel(id),
    retry: async ({ id }) => {
      const job = jobs.get(id);
      if (job.status !== 'failed' && job.status !== 'cancelled')
        throw new StudioError('CONFLICT', `${job.title} is ${job.status}: only a failed or cancelled job is tried again.`);
      return jobs.enqueue(job.kind, job.input);
    },
    showInFolder: async ({ id }) => {
      const job = jobs.get(id);
      const location = job.status === 'done' ? jobFileLocation(job, catalog.paths.models) : null;
      if (!location) throw new StudioError('UNSUPPORTED', `${job.title} left no files to show.`, 'Its results are in Review.');
      return revealInFileManager(location);
    },
  };
}
