import { z } from 'zod';
import { Id, Job, OutputSummary } from './schemas';

/** Typed events every host forwards to the UI (IPC `likeness:event`, SSE `GET /api/events`). */
export const studioEvents = {
  'job:queued': Job,
  'job:started': Job,
  'job:progress': z.object({
    jobId: Id,
    progress: z.number(),
    message: z.string().nullable(),
    messageKey: z.string().nullable().optional(),
    messageParams: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .nullable()
      .optional(),
    done: z.number().int().nullable(),
    total: z.number().int().nullable(),
  }),
  'job:finished': Job,
  'output:added': OutputSummary,
  'people:changed': z.object({ personId: Id.nullable() }),
  'review:changed': z.object({ ids: z.array(Id) }),
  /** Likeness scores of these outputs were written (a score job, a generation as each image lands). */
  'likeness:changed': z.object({ ids: z.array(Id), personId: Id.nullable() }),
  /** Outputs moved to or from the trash, deleted for good, or added to/removed from collections. */
  'catalog:changed': z.object({ ids: z.array(Id), change: z.enum(['trashed', 'restored', 'purged', 'collections']) }),
  /** A generation's latest estimate as a small image (data URL), a few times a second. */
  'generate:preview': z.object({ jobId: Id, index: z.number().int(), step: z.number().int(), steps: z.number().int(), image: z.string() }),
} as const;

export type StudioEvents = typeof studioEvents;
export type StudioEventType = keyof StudioEvents;
export type StudioEventPayload<T extends StudioEventType> = z.output<StudioEvents[T]>;
export type StudioEvent = { [T in StudioEventType]: { type: T; payload: StudioEventPayload<T> } }[StudioEventType];

export const eventTypes = Object.keys(studioEvents) as StudioEventType[];

/** The IPC channel that carries events from the main process to the window. */
export const EVENT_CHANNEL = 'likeness:event';
