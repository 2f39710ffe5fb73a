import type { StudioErrorShape } from '../api/errors';
import type { StudioEvent } from '../api/events';
import type { ProgressReport } from './define';

/** Messages between the job queue (API thread) and a job worker thread. */
export type ToWorker = { type: 'run'; jobId: number; kind: string; input: unknown; library: string } | { type: 'cancel'; jobId: number };

export type JobOutcome =
  | { status: 'done'; result: unknown }
  | { status: 'failed'; error: StudioErrorShape }
  | { status: 'cancelled'; /** Stopped by terminating its worker after the grace period (it did not stop when asked). */ forced?: boolean };

export type FromWorker =
  | { type: 'progress'; jobId: number; report: ProgressReport }
  | { type: 'event'; jobId: number; event: StudioEvent }
  | { type: 'outcome'; jobId: number; outcome: JobOutcome };
