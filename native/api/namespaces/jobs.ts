import { z } from 'zod';
import { method } from '../method';
import { Id, Job, JobQuery } from '../schemas';

export const jobsApi = {
  list: method(JobQuery, z.array(Job)),
  get: method(z.object({ id: Id }), Job),
  cancel: method(z.object({ id: Id }), Job),
  /** A failed or cancelled job again, as a new job with the same input (batches resume: what was done is kept). */
  retry: method(z.object({ id: Id }), Job),
};
