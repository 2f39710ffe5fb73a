import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModelFolder } from '../diffusion/testing/tiny-models';
import { createStudio, type Studio } from '../studio/studio';
import { redisMissing, startRedis, startWorkerProcess, type RedisProcess, type WorkerProcess } from '../testing/farm-processes';
import { serveModelFolder, type LocalRegistry } from '../testing/local-registry';
import { waitUntil } from '../testing/serve-process';

// A registry model a GPU box does not have yet: the worker downloads it from the registry itself (the library's
// own download job: resumable, every file checked against its sha256), then makes the image. The registry here is
// a local HTTP server serving the tiny SD 1.5 folder (LIKENESS_MODELS_JSON points both sides at it).

const skip = redisMissing();

describe.skipIf(skip)('the farm with a registry model a box lacks', () => {
  let root: string;
  let registry: LocalRegistry;
  let redis: RedisProcess;
  let studio: Studio;
  let worker: WorkerProcess;
  const box = () => join(root, 'box');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-farm-registry-'));
    const source = writeTinyModelFolder(join(root, 'served'), 'sd15');
    registry = await serveModelFolder(source, join(root, 'models.json'), { id: 'tiny-sd', family: 'sd15', name: 'Tiny SD (served)' });
    process.env.LIKENESS_MODELS_JSON = join(root, 'models.json');
    redis = await startRedis();
    studio = await createStudio({ library: join(root, 'studio') });
    const download = await studio.api.models.download({ id: 'tiny-sd' });
    expect((await studio.jobs.waitFor(download.id)).status).toBe('done');
    await studio.api.farm.configure({ url: redis.url });
    worker = startWorkerProcess(box(), redis.url, { LIKENESS_MODELS_JSON: join(root, 'models.json') });
    await waitUntil(async () => (await studio.api.farm.status()).workers.find((w) => w.online), 90_000, 'the worker to report itself');
  }, 240_000);

  afterAll(async () => {
    await studio?.close();
    await worker?.kill();
    await redis?.stop();
    delete process.env.LIKENESS_MODELS_JSON;
    await registry?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the box downloads the model, checks it, and makes the images', async () => {
    const before = registry.requests;
    const job = await studio.api.generate.start({ model: 'tiny-sd', prompt: 'a harbour', count: 2, size: '64x64', steps: 2, runOn: 'farm' });
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.error).toBeNull();
    expect(finished.status).toBe('done');
    expect(registry.requests).toBeGreaterThan(before);
    expect(worker.log()).toMatch(/Tiny SD \(served\) \(tiny-sd\) is not on this box: downloading it/);
    const rows = studio.catalog.db
      .prepare(`SELECT json_extract(provenance, '$.farm.host') AS host FROM outputs WHERE batch_id = ?`)
      .pluck()
      .all((job.input as { batchId: string }).batchId);
    expect(rows).toEqual([hostname(), hostname()]);
    // The box now holds the model as its own, checked download.
    const boxLibrary = await createStudio({ library: box(), startJobs: false });
    try {
      expect((await boxLibrary.api.models.list()).find((m) => m.id === 'tiny-sd')).toMatchObject({ state: 'installed' });
    } finally {
      await boxLibrary.close();
    }
  });
});
