import { z } from 'zod';
import { method } from '../method';
import { Id, Job, JobQuery } from '../schemas';

export const jobsApi = {
  list: method(JobQuery, z.array(Job)),
  get: method(z.object({ id: Id }), Job),
  cancel: method(z.object({ id: Id }), Job),
  /** A failed or cancelled job again, as a new job with the same input (batches resume: what was done is kept). */
  retry: method(z.object({ id: Id }), Job),
  /** Opens the system's file manager where a finished job left files (an export's folder, a trained LoRA, a model). */
  showInFolder: method(z.object({ id: Id }), z.object({ path: z.string(), opened: z.boolean(), reason: z.string().nullable() })),
};

/** The kinds of job whose results are files on disk for the user (their rows offer Show in folder). */
export const jobKindsWithFiles = ['review.export', 'people.export', 'people.train', 'models.download'] as const;
export type JobKindWithFiles = (typeof jobKindsWithFiles)[number];
