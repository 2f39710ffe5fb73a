// bench/farm: images per second made by the farm (BullMQ on a real redis-server) with 1 and then 2 `likeness worker`
// processes, against the same batch made on this machine's own GPU queue in the same run (the baseline), on the tiny
// SD 1.5 model (CPU provider). Prints the scaling ratio (2 workers / 1) and the farm's cost per image over a local run
// (queueing, Redis round trips, PNG base64 there and back, storing).
// Run: npx tsx bench/farm.ts   (BENCH_IMAGES, default 40; BENCH_SIZE, default 512x512; BENCH_STEPS, default 60)
// On one machine the workers share its cores with each other and the studio: the ratio says what the farm's own
// overhead allows there, not what two GPU boxes give (each brings its own GPU).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModelFolder } from '../native/diffusion/testing/tiny-models';
import { createStudio, type Studio } from '../native/studio/studio';
import { redisMissing, startRedis, startWorkerProcess, type WorkerProcess } from '../native/testing/farm-processes';
import { waitUntil } from '../native/testing/serve-process';

const IMAGES = Number(process.env.BENCH_IMAGES ?? 40);
const SIZE = process.env.BENCH_SIZE ?? '512x512';
const STEPS = Number(process.env.BENCH_STEPS ?? 60);

const missing = redisMissing();
if (missing) {
  console.log(`bench/farm skipped: ${missing}`);
  process.exit(0);
}

// The baseline runs in this process on one core too, so the three runs compare like with like.
process.env.LIKENESS_CPU_THREADS = '1';
const root = mkdtempSync(join(tmpdir(), 'likeness-bench-farm-'));
const workers: WorkerProcess[] = [];
console.log(
  `bench/farm — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${IMAGES} images of ${SIZE}, ${STEPS} steps, tiny SD 1.5 on CPU`,
);
const redis = await startRedis();
let studio: Studio | undefined;
try {
  writeTinyModelFolder(join(root, 'tiny'), 'sd15');
  studio = await createStudio({ library: join(root, 'studio') });
  const model = (await studio.api.models.addFolder({ path: join(root, 'tiny'), name: 'Tiny' })).id;
  const boxes = ['box-1', 'box-2'].map((name) => join(root, name));
  for (const box of boxes) {
    const setup = await createStudio({ library: box, startJobs: false });
    await setup.api.models.addFolder({ path: join(root, 'tiny'), name: 'Tiny' });
    await setup.close();
  }

  const batch = async (runOn: 'local' | 'farm', seed: number) => {
    const started = performance.now();
    const job = await studio!.jobs.waitFor(
      (await studio!.api.generate.start({ model, prompt: 'a lighthouse', count: IMAGES, size: SIZE, steps: STEPS, seed, runOn })).id,
    );
    if (job.status !== 'done') throw new Error(`the ${runOn} batch ${job.status}: ${job.error?.message}`);
    return (performance.now() - started) / 1000;
  };
  /** Median seconds of a one-image batch: what the farm adds to each image before pipelining hides it. */
  const latency = async (runOn: 'local' | 'farm') => {
    const times: number[] = [];
    for (let i = 0; i < 9; i++) {
      const started = performance.now();
      const job = await studio!.jobs.waitFor(
        (await studio!.api.generate.start({ model, prompt: 'a lighthouse', count: 1, size: SIZE, steps: STEPS, seed: 9000 + i, runOn })).id,
      );
      if (job.status !== 'done') throw new Error(`the ${runOn} image ${job.status}: ${job.error?.message}`);
      times.push(performance.now() - started);
    }
    return times.sort((a, b) => a - b)[4]!;
  };
  const online = async (n: number) =>
    waitUntil(async () => (await studio!.api.farm.status()).workers.filter((w) => w.online).length === n || undefined, 90_000, `${n} workers`);

  // Warm-up (sessions open, thread started), then the baseline: this machine's own queue.
  await batch('local', 1);
  const localSeconds = await batch('local', 1000);
  await studio.api.farm.configure({ url: redis.url });

  // Each worker on one core of its own (onnxruntime would otherwise spread every worker over all of them).
  const oneCore = { LIKENESS_CPU_THREADS: '1' };
  workers.push(startWorkerProcess(boxes[0]!, redis.url, oneCore));
  await online(1);
  await batch('farm', 2000); // warms the worker's sessions
  const oneSeconds = await batch('farm', 3000);
  const localLatency = await latency('local');
  const farmLatency = await latency('farm');

  workers.push(startWorkerProcess(boxes[1]!, redis.url, oneCore));
  await online(2);
  await batch('farm', 4000);
  const twoSeconds = await batch('farm', 5000);

  const rate = (seconds: number) => IMAGES / seconds;
  const perImageMs = (seconds: number) => (seconds * 1000) / IMAGES;
  console.log(`local, 1 core (baseline): ${rate(localSeconds).toFixed(1)} images/s (${perImageMs(localSeconds).toFixed(1)} ms each)`);
  console.log(`farm, 1 worker × 1 core:  ${rate(oneSeconds).toFixed(1)} images/s (${perImageMs(oneSeconds).toFixed(1)} ms each)`);
  console.log(`farm, 2 workers × 1 core: ${rate(twoSeconds).toFixed(1)} images/s (${perImageMs(twoSeconds).toFixed(1)} ms each)`);
  console.log(`scaling, 2 workers / 1: ${(oneSeconds / twoSeconds).toFixed(2)}× (target ≥ 1.8× with a GPU per worker)`);
  // In a batch the worker denoises the next image while the studio stores the last one: the batch time hides the
  // farm's per-image cost, a one-image batch shows it.
  console.log(`batch time, 1 worker / local: ${(oneSeconds / localSeconds).toFixed(2)}× (the farm pipelines making and storing)`);
  console.log(
    `one-image batch, median of 9: local ${localLatency.toFixed(0)} ms, farm ${farmLatency.toFixed(0)} ms: the farm adds ${(farmLatency - localLatency).toFixed(0)} ms per batch`,
  );
} finally {
  await studio?.close();
  await Promise.all(workers.map((w) => w.kill('SIGTERM')));
  await redis.stop();
  rmSync(root, { recursive: true, force: true });
}
