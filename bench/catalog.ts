// bench/catalog: review-page queries on a library of 100,000 outputs (p50/p95), and the import rate.
// Prints figures with ratios against baselines measured in the same run. Run: npm run bench:catalog
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { OutputQuery } from '../native/api/schemas';
import type { OutputQuery as OutputQueryInput } from '../native/api/schemas';
import { Catalog } from '../native/catalog/catalog';
import { THUMBNAIL_SIZE } from '../native/catalog/image-input';
import type { ImportResult } from '../native/api/schemas';
import { createStudio } from '../native/studio/studio';
import { writeNoiseImages } from '../native/testing/images';
import { fillOutputs } from './fill-library';

const OUTPUTS = Number(process.env.BENCH_OUTPUTS ?? 100_000);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 200);
const RUNS = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function time(fn: () => unknown, runs = RUNS): { p50: number; p95: number } {
  for (let i = 0; i < 5; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const root = mkdtempSync(join(tmpdir(), 'likeness-bench-'));
console.log(`bench/catalog — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}`);
try {
  // ---- 100,000 outputs --------------------------------------------------------------------------
  const catalog = Catalog.open(join(root, 'library'));
  const { people, fillSeconds } = fillOutputs(catalog, { count: OUTPUTS });
  let rng = 42;
  const random = () => (rng = (rng * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  console.log(`filled ${OUTPUTS.toLocaleString()} outputs in ${fillSeconds.toFixed(1)} s\n`);

  const list = (q: OutputQueryInput) => () => catalog.outputs.list(OutputQuery.parse({ limit: 200, ...q }));
  const byPk = catalog.db.prepare('SELECT * FROM outputs WHERE id = ?');
  const baseline = time(() => byPk.get(1 + Math.floor(random() * OUTPUTS)));
  const queries: [string, () => unknown][] = [
    ['newest, first page (200)', list({})],
    ['newest, deep page (offset 50,000)', list({ offset: 50_000 })],
    ['flag = pick, newest', list({ flag: 'pick' })],
    ['flag = none (unreviewed), newest', list({ flag: 'none' })],
    ['stars >= 4, newest', list({ minStars: 4 })],
    ['person = X, newest', list({ personId: people[3] })],
    ['pick + stars >= 3 + person, by stars', list({ flag: 'pick', minStars: 3, personId: people[5], sort: 'stars' })],
    ['sort by seed', list({ sort: 'seed' })],
  ];
  console.log(`review page queries (${RUNS} runs each; baseline = one output by primary key: p50 ${baseline.p50.toFixed(3)} ms)`);
  console.log('query'.padEnd(44), 'p50 ms'.padStart(9), 'p95 ms'.padStart(9), '  p50 × baseline');
  for (const [name, fn] of queries) {
    const t = time(fn, 50);
    console.log(name.padEnd(44), t.p50.toFixed(2).padStart(9), t.p95.toFixed(2).padStart(9), `  ${(t.p50 / baseline.p50).toFixed(0)}×`);
  }
  catalog.close();

  // ---- import of 200 images ---------------------------------------------------------------------
  const source = join(root, 'incoming');
  const files = await writeNoiseImages(source, IMAGES, 1024);
  // Baseline: what sharp alone needs to decode each file and make the thumbnail (no hashing, store, DB).
  const thumbStarted = performance.now();
  for (const file of files)
    await sharp(file).rotate().resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside' }).webp({ quality: 80, effort: 2 }).toBuffer();
  const thumbSeconds = (performance.now() - thumbStarted) / 1000;

  const studio = await createStudio({ library: join(root, 'import-library') });
  const importStarted = performance.now();
  const job = await studio.api.catalog.import({ path: source });
  const done = await studio.jobs.waitFor(job.id);
  const importSeconds = (performance.now() - importStarted) / 1000;
  const result = done.result as ImportResult;
  await studio.close();
  console.log(`\nimport of ${IMAGES} images (1024×1024 PNG, noise): ${result.imported} imported`);
  console.log(`  catalogue import job:             ${(IMAGES / importSeconds).toFixed(1)} images/s (${importSeconds.toFixed(2)} s)`);
  console.log(`  baseline, sharp thumbnails only:  ${(IMAGES / thumbSeconds).toFixed(1)} images/s (${thumbSeconds.toFixed(2)} s)`);
  console.log(`  import ÷ baseline time:           ${(importSeconds / thumbSeconds).toFixed(2)}×`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
