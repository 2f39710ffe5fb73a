import { z } from 'zod';
import { PlannedImage, ProviderChoice } from '../api/namespaces/generate';
import { ProviderName } from '../api/schemas';

// What travels between a studio and the farm's workers through Redis. An item carries everything a worker needs
// to make one image (nothing refers back to the studio's disk); files travel once, as blobs named by their hash.

/** The BullMQ queue every studio adds to and every worker takes from. */
export const FARM_QUEUE = 'generate';
/** Prefix of every key Likeness keeps in the farm's Redis (BullMQ's and its own). */
export const FARM_PREFIX = 'likeness';
/** Files (LoRAs, start images) by sha256; a worker verifies the hash before using one. */
export const blobKey = (sha256: string) => `${FARM_PREFIX}:blob:${sha256}`;
/** Set when a batch is cancelled, for workers that pick up one of its items later. */
export const cancelKey = (batchId: string) => `${FARM_PREFIX}:cancelled:${batchId}`;
export const CANCEL_CHANNEL = `${FARM_PREFIX}:cancel`;
/** Hash: worker id → its latest FarmWorker report (JSON). */
export const WORKERS_KEY = `${FARM_PREFIX}:workers`;
/** How often a worker reports itself; three missed reports and it shows as offline. */
export const WORKER_REPORT_MS = 2_000;
/** A BullMQ job id (no ':' allowed there): the batch and the image's index, so adding an item again is a no-op. */
export const itemId = (batchId: string, index: number) => `${batchId}-${index}`;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const FarmItem = z.object({
  /** Raised when the item's shape changes: a worker refuses what it cannot read instead of guessing. */
  version: z.literal(1),
  batchId: z.string().min(1),
  index: z.number().int().min(0),
  /** The studio's host, for the worker's log. */
  studio: z.string(),
  model: z.object({ id: z.string(), name: z.string(), family: z.string(), sha256: Sha256 }),
  loras: z.array(z.object({ name: z.string(), sha256: Sha256, scale: z.number() })),
  /** The planned image, less what only the studio needs (its index in the plan is the item's, its template a name). */
  image: PlannedImage.pick({
    prompt: true,
    negativePrompt: true,
    seed: true,
    width: true,
    height: true,
    steps: true,
    guidance: true,
    scheduler: true,
  }),
  provider: ProviderChoice,
  tiledVae: z.union([z.boolean(), z.literal('auto')]),
  init: z.object({ sha256: Sha256, strength: z.number() }).optional(),
});
export type FarmItem = z.infer<typeof FarmItem>;

/** Who made an image: stored in its provenance. */
export const FarmMaker = z.object({ workerId: z.string(), host: z.string(), gpu: z.string().nullable(), provider: ProviderName });
export type FarmMaker = z.infer<typeof FarmMaker>;

export const FarmResult = z.object({
  /** The image as PNG, base64 (the studio adds the A1111 text and stores it). */
  png: z.string(),
  maker: FarmMaker,
  providers: z.record(z.string(), ProviderName),
  fallbacks: z.array(z.object({ model: z.string(), provider: ProviderName, reason: z.string(), remembered: z.literal(true).optional() })),
  loras: z.array(
    z.object({ name: z.string(), sha256: z.string(), scale: z.number(), matched: z.number(), packed: z.number(), unmatched: z.array(z.string()) }),
  ),
  vaeEncoderSampling: z.enum(['seeded', 'mean', 'unseeded']).optional(),
  timings: z.record(z.string(), z.number()),
  truncated: z.boolean(),
});
export type FarmResult = z.infer<typeof FarmResult>;

/** What a worker reports while it denoises an item (BullMQ job progress). */
export const FarmProgress = z.object({ workerId: z.string(), host: z.string(), step: z.number().int(), steps: z.number().int() });
export type FarmProgress = z.infer<typeof FarmProgress>;
