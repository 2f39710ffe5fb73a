import { z } from 'zod';
import { method } from '../method';
import { Empty, ProviderName, Timestamp } from '../schemas';

/** One `likeness worker` as it last reported itself to the farm (every few seconds while it runs). */
export const FarmWorker = z.object({
  id: z.string(),
  host: z.string(),
  /** The GPU the box reported (nvidia-smi and the like), or null when it found none. */
  gpu: z.string().nullable(),
  /** The provider its last image ran on (null before its first image). */
  provider: ProviderName.nullable(),
  concurrency: z.number().int(),
  /** What it is making now: batch, image index and denoising step. */
  current: z.array(z.object({ batchId: z.string(), index: z.number().int(), step: z.number().int(), steps: z.number().int() })),
  done: z.number().int(),
  failed: z.number().int(),
  startedAt: Timestamp,
  lastSeenAt: Timestamp,
  /** Not heard from for longer than three reports: stopped, or cut off from Redis. */
  online: z.boolean(),
  appVersion: z.string(),
});
export type FarmWorker = z.infer<typeof FarmWorker>;

/** Where the farm setting came from: `--farm` / LIKENESS_FARM for this run, or saved in the library. */
export const FarmSource = z.enum(['flag', 'library']);

export const FarmStatus = z.object({
  configured: z.boolean(),
  /** The address with its password masked (never the password itself). */
  url: z.string().nullable(),
  source: FarmSource.nullable(),
  /** Whether Redis answered just now; `error` says why not. */
  reachable: z.boolean(),
  error: z.string().nullable(),
  /** What to do about `error`. */
  hint: z.string().nullable().default(null),
  workers: z.array(FarmWorker),
  /** Images waiting for a worker, and being made, over every studio using this farm. */
  waiting: z.number().int(),
  active: z.number().int(),
});
export type FarmStatus = z.infer<typeof FarmStatus>;

export const farmApi = {
  status: method(Empty, FarmStatus),
  /** Saves the farm address in the library (checked by connecting first), or forgets it (null). */
  configure: method(z.object({ url: z.string().min(1).nullable() }), FarmStatus),
};
