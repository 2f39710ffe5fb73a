import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UnrecoverableError, Worker, type Job as QueueJob } from 'bullmq';
import type { FarmWorker as FarmWorkerReport } from '../api/namespaces/farm';
import type { ProviderName } from '../api/schemas';
import { Catalog } from '../catalog/catalog';
import { appVersion } from '../core/version';
import { img2img } from '../diffusion/img2img';
import { encodePng, readInit } from '../diffusion/init-image';
import { DiffusionModelCache } from '../diffusion/loader';
import { txt2img, type StepEvent } from '../diffusion/txt2img';
import { gpuAdapters } from '../inference/gpu';
import { fallbackRecord, type FallbackNotice } from '../inference/session';
import { listModels, modelHash, resolveDiffusionModel, type ResolvedModel } from '../models/manager';
import { loadRegistry } from '../models/registry';
import { checkFarm, explainFarmError, farmRedis, redisOptions } from './connect';
import type { FarmAddress } from './farm-url';
import {
  blobKey,
  CANCEL_CHANNEL,
  cancelKey,
  FARM_PREFIX,
  FARM_QUEUE,
  FarmItem,
  WORKER_REPORT_MS,
  WORKERS_KEY,
  type FarmProgress,
  type FarmResult,
} from './protocol';

export interface FarmWorkerOptions {
  address: FarmAddress;
  /** The box's own library: its models (found by content hash) and a cache of the blobs it fetched. */
  library: string;
  concurrency: number;
  /** Downloads a registry model into the library (the CLI runs a `models.download` job); absent: not offered. */
  downloadModel?: (id: string) => Promise<void>;
  log: (line: string) => void;
}

export interface RunningFarmWorker {
  id: string;
  close(): Promise<void>;
}

/**
 * How long an item stays locked to a worker without a renewal before another worker may take it. A killed worker's
 * item runs elsewhere after this (BullMQ's stalled check); LIKENESS_FARM_LOCK_MS shortens it for tests.
 */
const lockMs = () => Number(process.env.LIKENESS_FARM_LOCK_MS) || 30_000;
const PROGRESS_EVERY_MS = 250;

/**
 * `likeness worker`: takes images from the farm's queue and makes them with this box's GPU — the same pipeline as
 * the studio's, sessions kept warm between items — and hands back the PNG with what made it.
 */
export async function startFarmWorker(options: FarmWorkerOptions): Promise<RunningFarmWorker> {
  const { address, log } = options;
  // A wrong password or a dead host is said now, not retried forever in the background.
  await checkFarm(address);
  const catalog = Catalog.open(options.library);
  const id = `${hostname()}-${process.pid}`;
  const gpu = (await gpuAdapters()).adapters[0] ?? null;
  const redis = farmRedis(address);
  const subscriber = farmRedis(address);
  const models = new DiffusionModelCache();
  const hashToModel = new Map<string, string>();
  // Items wanting the same missing model share one download.
  const downloads = new Map<string, Promise<void>>();
  const active = new Map<string, { batchId: string; index: number; step: number; steps: number }>();
  const counts = { done: 0, failed: 0 };
  let provider: ProviderName | null = null;
  const startedAt = Date.now();

  const report = async () => {
    const status: Omit<FarmWorkerReport, 'online'> = {
      id,
      host: hostname(),
      gpu,
      provider,
      concurrency: options.concurrency,
      current: [...active.values()],
      ...counts,
      startedAt,
      lastSeenAt: Date.now(),
      appVersion: appVersion(),
    };
    await redis.hset(WORKERS_KEY, id, JSON.stringify(status));
  };

  /** The library's model with this content hash: the same id first, then every installed one (hashes are cached). */
  async function findModel(want: FarmItem['model']): Promise<ResolvedModel> {
    const tryId = async (modelId: string): Promise<ResolvedModel | null> => {
      let resolved: ResolvedModel;
      try {
        resolved = resolveDiffusionModel(catalog, modelId);
      } catch {
        return null;
      }
      return (await modelHash(catalog, resolved)) === want.sha256 ? resolved : null;
    };
    const known = hashToModel.get(want.sha256);
    const candidates = [
      ...new Set([
        ...(known ? [known] : []),
        want.id,
        ...listModels(catalog)
          .filter((m) => m.state === 'installed')
          .map((m) => m.id),
      ]),
    ];
    for (const candidate of candidates) {
      const found = await tryId(candidate);
      if (found) {
        hashToModel.set(want.sha256, found.id);
        return found;
      }
    }
    const registry = loadRegistry().models.find((m) => m.id === want.id);
    if (registry && options.downloadModel && !listModels(catalog).some((m) => m.id === want.id && m.state === 'installed')) {
      let download = downloads.get(want.id);
      if (!download) {
        log(`${want.name} (${want.id}) is not on this box: downloading it…`);
        download = options.downloadModel(want.id).finally(() => downloads.delete(want.id));
        downloads.set(want.id, download);
      }
      await download;
      const found = await tryId(want.id);
      if (found) return found;
    }
    throw new Error(
      `${hostname()} has no model with content hash ${want.sha256} (${want.name}). ` +
        `Add the same model folder there (likeness models add-folder DIR --library ${options.library})${registry ? `, or download it: likeness models download ${want.id}` : ''}.`,
    );
  }

  /** A blob (LoRA, start image) from this box's cache, else from the farm, checked against its hash. */
  async function fetchBlob(sha256: string, what: string): Promise<string> {
    const dir = join(catalog.paths.root, 'cache', 'farm-blobs');
    const path = join(dir, sha256);
    if (existsSync(path)) return path;
    const bytes = await redis.getBuffer(blobKey(sha256));
    if (!bytes)
      throw new Error(`The farm does not hold the ${what} with hash ${sha256} any more (${hostname()} could not fetch it): start the batch again.`);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256)
      throw new UnrecoverableError(
        `The ${what} ${sha256} arrived on ${hostname()} with hash ${actual}: it was damaged or replaced on the farm. Start the batch again.`,
      );
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${path}.partial`, bytes);
    renameSync(`${path}.partial`, path);
    return path;
  }

  async function make(job: QueueJob, signal: AbortSignal | undefined): Promise<FarmResult> {
    const parsed = FarmItem.safeParse(job.data);
    if (!parsed.success)
      throw new UnrecoverableError(`${hostname()} cannot read this item (made by another version of Likeness?): ${parsed.error.issues[0]?.message}`);
    const item = parsed.data;
    if (await redis.exists(cancelKey(item.batchId))) throw new UnrecoverableError('The batch was cancelled.');
    const resolved = await findModel(item.model);
    const loras = await Promise.all(
      item.loras.map(async (l) => ({ path: await fetchBlob(l.sha256, `LoRA ${l.name}`), scale: l.scale, name: l.name })),
    );
    const fallbacks: FallbackNotice[] = [];
    const { model, reused } = await models.get(resolved.info, {
      provider: item.provider,
      loras,
      scratchDir: join(catalog.paths.root, 'cache', 'lora-merge'),
      onFallback: (notice) => fallbacks.push(notice),
    });
    if (reused) fallbacks.push(...model.fallbacks);
    provider = model.provider;
    const key = job.id!;
    active.set(key, { batchId: item.batchId, index: item.index, step: 0, steps: item.image.steps });
    // Said now, not at the next 2-s report: each image's end is reported at once (idle), so with images quicker than
    // the report the Jobs page showed a busy worker as idle nearly all the time.
    void report().catch(() => undefined);
    let lastProgress = 0;
    const onStep = (event: StepEvent) => {
      active.set(key, { batchId: item.batchId, index: item.index, step: event.step, steps: event.steps });
      const now = Date.now();
      if (now - lastProgress < PROGRESS_EVERY_MS && event.step !== event.steps) return;
      lastProgress = now;
      const progress: FarmProgress = { workerId: id, host: hostname(), step: event.step, steps: event.steps };
      void job.updateProgress(progress).catch(() => undefined);
    };
    const params = { ...item.image, seeds: [item.image.seed], tiledVae: item.tiledVae };
    const run = { ...(signal ? { signal } : {}), onStep };
    const out = item.init
      ? await img2img(
          model,
          {
            ...params,
            init: (await readInit(await fetchBlob(item.init.sha256, 'start image'), item.image.width, item.image.height)).image,
            strength: item.init.strength,
          },
          run,
        )
      : await txt2img(model, params, run);
    return {
      png: (await encodePng(out.images[0]!)).toString('base64'),
      maker: { workerId: id, host: hostname(), gpu, provider: model.provider },
      providers: model.providers,
      fallbacks: fallbacks.map(fallbackRecord),
      loras: model.loras.map((l) => ({
        name: l.name,
        sha256: l.sha256,
        scale: l.scale,
        matched: l.reports.reduce((n, r) => n + r.matched, 0),
        packed: l.reports.reduce((n, r) => n + r.packed, 0),
        unmatched: l.reports.flatMap((r) => r.unmatched),
      })),
      ...(model.vaeEncoderSampling ? { vaeEncoderSampling: model.vaeEncoderSampling } : {}),
      timings: Object.fromEntries(Object.entries(out.timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
      truncated: out.truncated,
    };
  }

  const worker = new Worker(
    FARM_QUEUE,
    async (job, _token, signal) => {
      const label = `${(job.data as FarmItem).batchId?.slice(0, 8)}#${(job.data as FarmItem).index}`;
      try {
        const result = await make(job, signal);
        counts.done++;
        log(`made ${label} on ${result.maker.provider}`);
        return result;
      } catch (error) {
        counts.failed++;
        // Stopped by a cancel: no retry, nobody wants the image any more.
        if (signal?.aborted) throw new UnrecoverableError('The batch was cancelled.');
        log(`failed ${label}: ${(error as Error).message}`);
        throw error;
      } finally {
        active.delete(job.id!);
        void report().catch(() => undefined);
      }
    },
    {
      connection: redisOptions(address),
      prefix: FARM_PREFIX,
      // Recorded on each item it takes (BullMQ's processedBy): who made it, for the status and the tests.
      name: id,
      concurrency: options.concurrency,
      lockDuration: lockMs(),
      stalledInterval: Math.max(1_000, Math.round(lockMs() / 2)),
      // A worker killed mid-image is not the image's fault: it may stall a few times before it counts as failed.
      maxStalledCount: 3,
    },
  );
  worker.on('error', (error) => log(`farm connection: ${explainFarmError(error, address).message}`));

  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel, batchId: string) => {
    for (const [jobId, item] of active) if (item.batchId === batchId) worker.cancelJob(jobId, 'The batch was cancelled.');
  });
  await worker.waitUntilReady();
  await report();
  const reporting = setInterval(() => void report().catch(() => undefined), WORKER_REPORT_MS);
  log(`worker ${id} (${gpu ?? 'no GPU found'}) takes images from ${address.redacted}, ${options.concurrency} at a time`);

  return {
    id,
    async close() {
      clearInterval(reporting);
      // Finishes the images it is making (seconds); a second Ctrl-C in the CLI stops at once, and their locks lapse.
      await worker.close().catch(() => undefined);
      await redis.hdel(WORKERS_KEY, id).catch(() => undefined);
      subscriber.disconnect();
      redis.disconnect();
      await models.release();
      catalog.close();
    },
  };
}
