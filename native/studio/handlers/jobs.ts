import type { StudioHandlers } from '../../api/contract';
import { publicJob } from '../../catalog/jobs-repo';
import type { StudioContext } from './context';

export function jobsHandlers({ catalog, jobs }: StudioContext): StudioHandlers['jobs'] {
  return {
    list: async ({ status, limit }) => catalog.jobs.list({ status, limit }).map(publicJob),
    get: async ({ id }) => jobs.get(id),
    cancel: async ({ id }) => jobs.cancel(id),
  };
}
