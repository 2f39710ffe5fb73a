import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateRequest } from '../api/namespaces/generate';
import type { Job } from '../api/schemas';
import { writeTinyModelFolder, writeTinyTextLora } from '../diffusion/testing/tiny-models';
import { createStudio, type Studio } from '../studio/studio';
import { redisMissing, startRedis, startWorkerProcess, type RedisProcess, type WorkerProcess } from '../testing/farm-processes';
import { waitUntil } from '../testing/serve-process';
import { parseFarmUrl } from './farm-url';
import { blobKey, FARM_PREFIX, FARM_QUEUE } from './protocol';

// The farm end to end with real parts: redis-server from the Debian package (append-only, fsync always, as the
// README tells a farm to run it), two `likeness worker` processes from source, the studio in-process, a tiny SD 1.5
// model on the CPU provider. Every wait is for a condition.

const skip = redisMissing();
const PASSWORD = 'farm-test-secret';
const LOCK_MS = '3000';

describe.skipIf(skip)('the farm: batches over BullMQ on a real Redis, two worker processes', () => {
  let root: string;
  let redis: RedisProcess;
  let studio: Studio;
  let modelId: string;
  let queue: Queue;
  let plain: Redis;
  const workers: WorkerProcess[] = [];
  const workerLibraries: string[] = [];
  const added: { id: number; batchId: string | null }[] = [];
  const progressKeys = new Set<string>();

  const workerIds = async () => (await studio.api.farm.status()).workers.filter((w) => w.online).map((w) => w.id);
  const startWorker = async (library: string) => {
    const before = new Set(await workerIds());
    const worker = startWorkerProcess(library, redis.url, { LIKENESS_FARM_LOCK_MS: LOCK_MS });
    const id = await waitUntil(async () => (await workerIds()).find((w) => !before.has(w)), 90_000, 'the worker to report itself');
    return { worker, id };
  };
  const rowsOf = (batchId: string) =>
    studio.catalog.db
      .prepare(
        `SELECT id, json_extract(provenance, '$.batchIndex') AS i, json_extract(provenance, '$.farm.workerId') AS maker FROM outputs WHERE batch_id = ?`,
      )
      .all(batchId) as { id: number; i: number; maker: string }[];
  const start = (request: Partial<GenerateRequest>) =>
    studio.api.generate.start({ model: modelId, prompt: 'a lighthouse at dusk', size: '64x64', steps: 4, runOn: 'farm', ...request });
  const batchOf = (job: Job) => (job.input as { batchId: string }).batchId;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-farm-'));
    writeTinyModelFolder(join(root, 'tiny'), 'sd15');
    redis = await startRedis({ password: PASSWORD });
    // Each box has the model under its own name: workers find it by content hash, not by name or id.
    for (const box of ['box-a', 'box-b']) {
      const library = join(root, box);
      const setup = await createStudio({ library, startJobs: false });
      await setup.api.models.addFolder({ path: join(root, 'tiny'), name: `Tiny on ${box}` });
      await setup.close();
      workerLibraries.push(library);
    }
    studio = await createStudio({ library: join(root, 'studio') });
    studio.events.subscribe((event) => {
      if (event.type === 'output:added') added.push({ id: event.payload.id, batchId: event.payload.batchId });
      if (event.type === 'job:progress' && event.payload.messageKey) progressKeys.add(event.payload.messageKey);
    });
    modelId = (await studio.api.models.addFolder({ path: join(root, 'tiny'), name: 'Tiny' })).id;
    await studio.api.farm.configure({ url: redis.url });
    for (const library of workerLibraries) workers.push((await startWorker(library)).worker);
    const { connection } = parseFarmUrl(redis.url);
    queue = new Queue(FARM_QUEUE, { connection: { ...connection, maxRetriesPerRequest: null }, prefix: FARM_PREFIX });
    queue.on('error', () => undefined);
    plain = new Redis({ ...connection, maxRetriesPerRequest: null });
    plain.on('error', () => undefined);
  }, 240_000);

  afterAll(async () => {
    await queue?.close().catch(() => undefined);
    plain?.disconnect();
    await studio?.close();
    await Promise.all(workers.map((w) => w.kill()));
    await redis?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('a batch of 40 lands exactly once, each image with the box, GPU and provider that made it; the LoRA travels once, by hash', async () => {
    const lora = join(root, 'face.safetensors');
    writeTinyTextLora(lora);
    const loraHash = createHash('sha256').update(readFileSync(lora)).digest('hex');
    const job = await start({ count: 40, loras: [{ path: lora, scale: 0.8 }] });
    expect(job.resource).toBe('cpu'); // waiting on other machines leaves this one's GPU free
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.error).toBeNull();
    expect(finished.status).toBe('done');
    const rows = rowsOf(batchOf(job));
    expect(rows).toHaveLength(40);
    expect(new Set(rows.map((r) => r.i))).toEqual(new Set(Array.from({ length: 40 }, (_, i) => i)));
    expect((finished.result as { outputs: number[] }).outputs.sort((a, b) => a - b)).toEqual(rows.map((r) => r.id).sort((a, b) => a - b));
    const live = await workerIds();
    for (const row of rows) expect(live).toContain(row.maker);
    const output = await studio.api.catalog.getOutput({ id: rows[0]!.id });
    expect(output.provenance).toMatchObject({
      farm: { host: hostname(), provider: 'cpu', workerId: rows[0]!.maker },
      loras: [{ name: 'face', sha256: loraHash, scale: 0.8, matched: expect.any(Number) }],
      modelId,
      batchIndex: rows[0]!.i,
    });
    expect((output.provenance as { loras: { matched: number }[] }).loras[0]!.matched).toBeGreaterThan(0);
    // The A1111 text of an image made elsewhere says the same as one made here.
    expect((output.provenance as { parameters: string }).parameters).toMatch(/Seed: \d+.*Lora hashes: "?face: [0-9a-f]{12}/s);
    // Sent once: the blob is in Redis under its hash, and each box that needed it cached exactly those bytes.
    expect(await plain.exists(blobKey(loraHash))).toBe(1);
    const cached = workerLibraries.map((l) => join(l, 'cache', 'farm-blobs', loraHash)).filter((p) => existsSync(p));
    expect(cached.length).toBeGreaterThan(0);
    for (const path of cached) expect(createHash('sha256').update(readFileSync(path)).digest('hex')).toBe(loraHash);
    // Everything catalogued was taken off the farm.
    expect(await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed')).toEqual({
      waiting: 0,
      active: 0,
      completed: 0,
      failed: 0,
      delayed: 0,
    });
    expect(progressKeys).toContain('generate.farmProgress');
    expect(added.filter((a) => a.batchId === batchOf(job))).toHaveLength(40);
  });

  it('kill -9 of a worker mid-image: its lock lapses, the image is made by the other worker, nothing lost, nothing twice', async () => {
    const job = await start({ count: 12, size: '512x512', steps: 200 });
    const batchId = batchOf(job);
    // The first worker seen denoising one of this batch's images is the one killed.
    const victim = await waitUntil(
      async () => {
        const active = await queue.getActive();
        return active.find((j) => j.id?.startsWith(batchId) && j.processedBy && (j.progress as { step?: number })?.step);
      },
      60_000,
      'a worker denoising an image of the batch',
    );
    const killedIndex = Number(victim.id!.slice(batchId.length + 1));
    const victimPid = Number(victim.processedBy!.split('-').at(-1));
    const index = workers.findIndex((w) => w.process.pid === victimPid);
    expect(index).toBeGreaterThanOrEqual(0);
    await workers[index]!.kill('SIGKILL');
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.status).toBe('done');
    const rows = rowsOf(batchId);
    expect(rows.map((r) => r.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    // Stored once each: the job reports 12 distinct outputs (an image landing twice would be merged into one row).
    expect(new Set((finished.result as { outputs: number[] }).outputs)).toEqual(new Set(rows.map((r) => r.id)));
    expect((finished.result as { outputs: number[] }).outputs).toHaveLength(12);
    expect(rows.find((r) => r.i === killedIndex)!.maker).not.toBe(victim.processedBy);
    // The box comes back for the tests that follow.
    workers[index] = (await startWorker(workerLibraries[index]!)).worker;
  });

  it('Redis restarted mid-batch: studio and workers reconnect, and the batch lands whole, once', async () => {
    const job = await start({ count: 30, size: '512x512', steps: 100 });
    const batchId = batchOf(job);
    await waitUntil(() => added.filter((a) => a.batchId === batchId).length >= 4 || undefined, 60_000, 'a few images of the batch');
    expect(rowsOf(batchId).length).toBeLessThan(30);
    await redis.restart();
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.error).toBeNull();
    const rows = rowsOf(batchId);
    expect(rows.map((r) => r.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect((finished.result as { outputs: number[] }).outputs).toHaveLength(30);
    await waitUntil(async () => (await workerIds()).length === 2 || undefined, 60_000, 'both workers reporting again');
  });

  it('a studio restarted mid-batch picks the batch up where it was', async () => {
    const job = await start({ count: 24, size: '512x512', steps: 100 });
    const batchId = batchOf(job);
    await waitUntil(() => added.filter((a) => a.batchId === batchId).length >= 3 || undefined, 60_000, 'a few images of the batch');
    expect(rowsOf(batchId).length).toBeLessThan(24);
    await studio.close();
    studio = await createStudio({ library: join(root, 'studio') });
    expect(studio.startup.jobs.resumed.concat(studio.startup.jobs.adopted)).toContain(job.id);
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.status).toBe('done');
    const rows = rowsOf(batchId);
    expect(rows.map((r) => r.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
  });

  it('cancel removes the waiting images and stops the ones being made', async () => {
    const job = await start({ count: 40, size: '1024x1024', steps: 200 });
    const batchId = batchOf(job);
    await waitUntil(() => rowsOf(batchId).length >= 1 || undefined, 60_000, 'the first image of the batch');
    const inHand = await waitUntil(
      async () => {
        const active = (await queue.getActive()).filter((j) => j.id?.startsWith(batchId) && (j.progress as { step?: number })?.step);
        return active.length ? active.map((j) => j.id!) : undefined;
      },
      60_000,
      'images being denoised',
    );
    void studio.api.jobs.cancel({ id: job.id });
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.status).toBe('cancelled');
    const ofBatch = async (state: 'waiting' | 'active' | 'delayed') => (await queue.getJobs([state])).filter((j) => j.id?.startsWith(batchId));
    expect(await ofBatch('waiting')).toEqual([]);
    // The running ones stop on the cancel (long before their 200 steps would end them).
    await waitUntil(
      async () => ((await ofBatch('active')).length === 0 && (await ofBatch('delayed')).length === 0) || undefined,
      60_000,
      'the workers to drop the cancelled images',
    );
    const status = await studio.api.farm.status();
    expect(status.workers.flatMap((w) => w.current).filter((c) => c.batchId === batchId)).toEqual([]);
    expect(rowsOf(batchId).length).toBeLessThan(40);
    // At least one image in hand when the cancel came was stopped, not finished (an image takes ~200 steps).
    const ends = await Promise.all(inHand.map(async (id) => (await queue.getJob(id))?.failedReason ?? null));
    expect(ends).toContain('The batch was cancelled.');

    // Retry runs the same batch again: it makes what is missing, the stopped images included, each once.
    const again = await studio.api.jobs.retry({ id: job.id });
    const retried = await studio.jobs.waitFor(again.id);
    expect(retried.error).toBeNull();
    const rows = rowsOf(batchId);
    expect(rows.map((r) => r.i).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(rows.map((r) => r.id)).size).toBe(40);
    // Its own waits are for conditions; the retry makes most of 40 images of 200 steps again, which took more than the
    // default minute in a fresh CI with a core burning.
  }, 240_000);

  it('a poisoned item (a broken LoRA) fails alone after its retries; a model no box has fails naming its hash and the box', async () => {
    const broken = join(root, 'broken.safetensors');
    writeFileSync(broken, 'this is not a safetensors file');
    const poisoned = await start({ count: 2, loras: [{ path: broken, scale: 1 }] });
    const healthy = await start({ count: 6 });
    const [poisonedEnd, healthyEnd] = await Promise.all([studio.jobs.waitFor(poisoned.id), studio.jobs.waitFor(healthy.id)]);
    expect(healthyEnd.status).toBe('done');
    expect(rowsOf(batchOf(healthy))).toHaveLength(6);
    expect(poisonedEnd.status).toBe('failed');
    expect(poisonedEnd.error?.message).toMatch(/2 of 2 images failed on the farm \(0 made\)\. Image \d, after 3 tries: .*safetensors/);
    expect((poisonedEnd.error?.details as { failures: { attempts: number }[] }).failures.map((f) => f.attempts)).toEqual([3, 3]);
    expect(rowsOf(batchOf(poisoned))).toHaveLength(0);

    // The same tiny model with one file changed: another content hash, on no box.
    cpSync(join(root, 'tiny'), join(root, 'tiny-2'), { recursive: true });
    writeFileSync(join(root, 'tiny-2', 'model_index.json'), `${readFileSync(join(root, 'tiny-2', 'model_index.json'), 'utf8')}\n`);
    const other = (await studio.api.models.addFolder({ path: join(root, 'tiny-2'), name: 'Tiny 2' })).id;
    const missing = await start({ model: other, count: 1 });
    const missingEnd = await studio.jobs.waitFor(missing.id);
    expect(missingEnd.status).toBe('failed');
    const hash = studio.catalog.models.get(other)!.sha256!;
    expect(missingEnd.error?.message).toContain(`${hostname()} has no model with content hash ${hash} (Tiny 2)`);
  });

  it('a wrong password is refused clearly and never printed', async () => {
    const wrong = redis.url.replace(PASSWORD, 'not-the-password');
    await expect(studio.api.farm.configure({ url: wrong })).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: expect.stringMatching(/refused the password/),
    });
    const worker = startWorkerProcess(workerLibraries[0]!, wrong);
    expect(await worker.exited).toBe(1);
    expect(worker.log()).toMatch(/error: The farm at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the password/);
    expect(worker.log()).not.toContain('not-the-password');
    // The saved farm is still the good one.
    expect(await studio.api.farm.status()).toMatchObject({
      configured: true,
      reachable: true,
      source: 'library',
      url: expect.stringContaining(':***@'),
    });
  });
});
