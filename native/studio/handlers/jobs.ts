import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { publicJob } from '../../catalog/jobs-repo';
import type { StudioContext } from './context';

export function jobsHandlers({ catalog, jobs }: StudioContext): StudioHandlers['jobs'] {
  return {
    list: async ({ status, limit }) => catalog.jobs.list({ status, limit }).map(publicJob),
    get: async ({ id }) => jobs.get(id),
    cancel: async ({ id }) => jobs.cancel(id),
    retry: async ({ id }) => {
      const job = jobs.get(id);
      if (job.status !== 'failed' && job.status !== 'cancelled')
        throw new StudioError('CONFLICT', `${job.title} is ${job.status}: only a failed or cancelled job is tried again.`);
      return jobs.enqueue(job.kind, job.input);
    },
  };
}
