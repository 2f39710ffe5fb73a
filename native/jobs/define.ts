import type { z } from 'zod';
import type { StudioEventPayload, StudioEventType } from '../api/events';
import type { ProgressNote } from '../api/progress-keys';
import type { JobResource } from '../api/schemas';
import type { Catalog } from '../catalog/catalog';

export interface ProgressReport {
  /** Items done and total, when the work is countable (the fraction is derived). */
  done?: number;
  total?: number;
  /** 0..1 when the work is not countable. */
  fraction?: number;
  /** English, for the CLI and logs. */
  message?: string;
  /** The same message as a key the UI translates (spread `progressText(key, params)` to give both). */
  note?: ProgressNote;
}

export interface JobContext {
  jobId: number;
  /** Aborted when the user cancels; check it between units of work. */
  signal: AbortSignal;
  /** The worker's own connection to the library. */
  catalog: Catalog;
  progress(report: ProgressReport): void;
  emit<T extends StudioEventType>(type: T, payload: StudioEventPayload<T>): void;
}

export interface JobDefinition<S extends z.ZodType = z.ZodType, R = unknown> {
  kind: string;
  /**
   * 'gpu' jobs run one at a time; 'cpu' jobs run in parallel up to the core count. A function decides per job
   * (a generate batch sent to the farm only waits on other machines: it leaves this GPU free).
   */
  resource: JobResource | ((input: z.output<S>) => JobResource);
  /** Whether a job interrupted by a crash can simply run again (it must be idempotent). */
  resumable: boolean;
  input: S;
  title(input: z.output<S>): string;
  run(input: z.output<S>, context: JobContext): Promise<R>;
}

export function defineJob<S extends z.ZodType, R>(definition: JobDefinition<S, R>): JobDefinition<S, R> {
  return definition;
}

export type JobKinds = ReadonlyMap<string, JobDefinition>;

export function jobKinds(definitions: readonly JobDefinition<z.ZodType, unknown>[]): JobKinds {
  return new Map(definitions.map((d) => [d.kind, d as JobDefinition]));
}
