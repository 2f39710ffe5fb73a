import { readFile } from 'node:fs/promises';
import { Queue, QueueEvents, type Job as QueueJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { FarmWorker, type FarmStatus } from '../api/namespaces/farm';
import { checkFarm, explainFarmError, farmRedis, redisOptions } from './connect';
import type { FarmAddress } from './farm-url';
import {
  blobKey,
  CANCEL_CHANNEL,
  cancelKey,
  FARM_PREFIX,
  FARM_QUEUE,
  FarmProgress,
  FarmResult,
  itemId,
  WORKER_REPORT_MS,
  WORKERS_KEY,
  type FarmItem,
} from './protocol';

/** An item's retries on the farm: a worker that fails it (a missing model, say) hands it to the next one. */
const ITEM_ATTEMPTS = 3;
const RETRY_DELAY_MS = 1_000;
/** A cancelled batch's marker outlives any worker's backlog. */
const CANCEL_TTL_S = 24 * 3600;

export type ItemState =
  | { state: 'done'; result: FarmResult }
  | { state: 'failed'; reason: string; attempts: number }
  /** Not in Redis (removed after it was catalogued, or lost): the caller decides from its own records. */
  | { state: 'missing' }
  | { state: 'pending' };

/**
 * The studio's side of the farm: adds a batch's items to the BullMQ queue (one per image, id = batch + index, so
 * adding again after a restart is a no-op), uploads the files they need once, watches them finish, cancels.
 */
export class FarmQueue {
  private constructor(
    readonly address: FarmAddress,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly redis: Redis,
  ) {}

  /** Connects (a wrong password or a dead host fails here, with the reason). */
  static async open(address: FarmAddress): Promise<FarmQueue> {
    await checkFarm(address);
    const connection = redisOptions(address);
    const queue = new Queue(FARM_QUEUE, { connection, prefix: FARM_PREFIX });
    const events = new QueueEvents(FARM_QUEUE, { connection, prefix: FARM_PREFIX });
    // Both reconnect by themselves; an error event nobody listens to would end the process.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    try {
      await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    } catch (error) {
      await Promise.allSettled([queue.close(), events.close()]);
      throw explainFarmError(error, address);
    }
    return new FarmQueue(address, queue, events, farmRedis(address));
  }

  /** Stores a file under its hash unless the farm has it already (LoRAs and start images travel once). */
  async uploadBlob(sha256: string, path: string): Promise<boolean> {
    if (await this.redis.exists(blobKey(sha256))) return false;
    await this.redis.set(blobKey(sha256), await readFile(path), 'NX');
    return true;
  }

  async add(items: FarmItem[]): Promise<void> {
    if (!items.length) return;
    await this.queue.addBulk(
      items.map((item) => ({
        name: 'image',
        data: item,
        opts: {
          jobId: itemId(item.batchId, item.index),
          attempts: ITEM_ATTEMPTS,
          backoff: { type: 'fixed', delay: RETRY_DELAY_MS },
          // Kept until the studio has catalogued the image (it removes it then), so a studio restart loses nothing;
          // a week for a studio that never came back (its batch, resumed later, sends what is missing again).
          removeOnComplete: { age: 7 * 24 * 3600 },
          removeOnFail: { age: 7 * 24 * 3600 },
        },
      })),
    );
  }

  /** Tells `listener` about every item of the farm that finished, failed or made progress (any batch). */
  watch(listener: (jobId: string, progress: FarmProgress | null) => void): () => void {
    const onProgress = ({ jobId, data }: { jobId: string; data: unknown }) => {
      const parsed = FarmProgress.safeParse(data);
      listener(jobId, parsed.success ? parsed.data : null);
    };
    const onSettled = ({ jobId }: { jobId: string }) => listener(jobId, null);
    this.events.on('progress', onProgress);
    this.events.on('completed', onSettled);
    this.events.on('failed', onSettled);
    this.events.on('retries-exhausted', onSettled);
    return () => {
      this.events.off('progress', onProgress);
      this.events.off('completed', onSettled);
      this.events.off('failed', onSettled);
      this.events.off('retries-exhausted', onSettled);
    };
  }

  async itemState(batchId: string, index: number): Promise<ItemState> {
    const job = (await this.queue.getJob(itemId(batchId, index))) as QueueJob | undefined;
    if (!job) return { state: 'missing' };
    if (!job.finishedOn) return { state: 'pending' };
    const state = await job.getState();
    if (state === 'completed') {
      const result = FarmResult.safeParse(job.returnvalue);
      return result.success
        ? { state: 'done', result: result.data }
        : { state: 'failed', reason: `the worker's answer was not understood (${result.error.issues[0]?.message})`, attempts: job.attemptsMade };
    }
    if (state === 'failed') return { state: 'failed', reason: job.failedReason || 'no reason given', attempts: job.attemptsMade };
    return { state: 'pending' };
  }

  /**
   * Before a batch runs (again, after a cancel or a failure): its cancel marker goes, and so do its items that
   * failed or were stopped, so they are made again instead of read back as failed. One read of the failed list.
   */
  async startOver(batchId: string): Promise<void> {
    await this.redis.del(cancelKey(batchId));
    const failed = (await this.queue.getFailed()).filter((job) => job.id?.startsWith(`${batchId}-`));
    await Promise.all(failed.map((job) => this.queue.remove(job.id!).catch(() => undefined)));
  }

  /** Forgets a settled item (after the studio stored its image or its failure). */
  async remove(batchId: string, index: number): Promise<void> {
    await this.queue.remove(itemId(batchId, index)).catch(() => undefined);
  }

  /**
   * Stops a batch: waiting items are removed, workers stop the ones they are making (they hear it on the channel,
   * and a worker that picks up an item later finds the marker).
   */
  async cancel(batchId: string, indices: Iterable<number>): Promise<void> {
    await this.redis.set(cancelKey(batchId), '1', 'EX', CANCEL_TTL_S);
    await this.redis.publish(CANCEL_CHANNEL, batchId);
    // A running (locked) item cannot be removed: its worker fails it on hearing the cancel, and it is removed then.
    await Promise.all([...indices].map((i) => this.remove(batchId, i)));
  }

  /** Worker reports and queue counts, as `farm status` and the Jobs page show them. */
  async status(): Promise<Pick<FarmStatus, 'workers' | 'waiting' | 'active'>> {
    return farmSnapshot(this.redis, this.queue);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.events.close(), this.queue.close()]);
    this.redis.disconnect();
  }
}

/** Workers not heard from in this long are shown offline; after a day they are dropped from the list. */
const OFFLINE_AFTER_MS = 3 * WORKER_REPORT_MS + 1_000;
const FORGET_AFTER_MS = 24 * 3600 * 1000;

export async function farmSnapshot(redis: Redis, queue: Queue): Promise<Pick<FarmStatus, 'workers' | 'waiting' | 'active'>> {
  const [reports, counts] = await Promise.all([redis.hgetall(WORKERS_KEY), queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active')]);
  const now = Date.now();
  const workers: FarmWorker[] = [];
  for (const [id, text] of Object.entries(reports)) {
    let report: FarmWorker;
    try {
      report = FarmWorker.parse({ ...(JSON.parse(text) as object), online: true });
    } catch {
      continue; // written by another version: not shown rather than shown wrong
    }
    if (now - report.lastSeenAt > FORGET_AFTER_MS) {
      await redis.hdel(WORKERS_KEY, id);
      continue;
    }
    workers.push({ ...report, online: now - report.lastSeenAt <= OFFLINE_AFTER_MS });
  }
  workers.sort((a, b) => Number(b.online) - Number(a.online) || a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
  return {
    workers,
    waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
    active: counts.active ?? 0,
  };
}

/** `farm status`: whether the farm answers, its workers and its queue (never throws: the reason is in `error`). */
export async function readFarmStatus(address: FarmAddress, source: FarmStatus['source']): Promise<FarmStatus> {
  const base = { configured: true, url: address.redacted, source };
  const unreachable = (error: unknown): FarmStatus => {
    const explained = explainFarmError(error, address);
    return { ...base, reachable: false, error: explained.message, hint: explained.hint ?? null, workers: [], waiting: 0, active: 0 };
  };
  try {
    await checkFarm(address, 3_000);
  } catch (error) {
    return unreachable(error);
  }
  const redis = farmRedis(address);
  const queue = new Queue(FARM_QUEUE, { connection: redisOptions(address), prefix: FARM_PREFIX });
  queue.on('error', () => undefined);
  try {
    // Redis may stop between the check and the reads: their commands would wait for it, the status must not.
    const snapshot = await Promise.race([
      farmSnapshot(redis, queue),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('Redis stopped answering')), 3_000).unref()),
    ]);
    return { ...base, reachable: true, error: null, hint: null, ...snapshot };
  } catch (error) {
    return unreachable(error);
  } finally {
    // Not close(): its QUIT would wait behind commands queued for a Redis that stopped answering.
    await queue.disconnect().catch(() => undefined);
    redis.disconnect();
  }
}
