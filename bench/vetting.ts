// bench/vetting: photos per second for a person's import with vetting (decode, YuNet, measures, crop, store),
// the share of the time spent in face detection against the other measures, and a plain catalogue import of
// the same files as the baseline measured in the same run. Run: npx tsx bench/vetting.ts
// BENCH_PHOTOS (default 24) photos are made from the shared fixtures at phone-like sizes (1600–3000 px JPEG).
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeopleImportResult } from '../native/api/namespaces/people';
import type { ImportResult } from '../native/api/schemas';
import { installModelFile } from '../native/models/installed';
import { createStudio } from '../native/studio/studio';
import { sharedFile } from '../native/testing/shared-data';
import { makePhonePhotos } from './phone-photos';

const PHOTOS = Number(process.env.BENCH_PHOTOS ?? 24);
const photos = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');
if (photos.missing || yunet.missing) {
  console.log(`bench/vetting skipped: ${photos.missing ?? yunet.missing}`);
  process.exit(0);
}

const root = mkdtempSync(join(tmpdir(), 'likeness-bench-vetting-'));
console.log(`bench/vetting — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, ${PHOTOS} photos`);
try {
  const folder = join(root, 'photos');
  const megapixels = await makePhonePhotos(photos.path, folder, PHOTOS);
  console.log(`made ${PHOTOS} photos, ${megapixels.toFixed(1)} MP on average`);

  const studio = await createStudio({ library: join(root, 'library') });
  try {
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);

    // Baseline: the catalogue import of the same files (hash, decode, thumbnail, store; no vetting).
    let started = performance.now();
    const plainCpuBefore = process.cpuUsage();
    const plain = await studio.jobs.waitFor((await studio.api.catalog.import({ path: folder })).id);
    const baselineMs = performance.now() - started;
    const plainCpu = process.cpuUsage(plainCpuBefore);
    const imported = (plain.result as ImportResult).imported;

    // Import for a person: the same work plus face detection, measures, a crop each, and judging.
    const person = await studio.api.people.create({ name: 'Bench', trigger: 'ohwx', classWord: 'person' });
    started = performance.now();
    const cpuBefore = process.cpuUsage();
    const job = await studio.jobs.waitFor((await studio.api.people.import({ personId: person.id, paths: [folder] })).id);
    const vettingMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const coresBusy = (cpu.user + cpu.system) / 1000 / vettingMs;
    const result = job.result as PeopleImportResult;
    if (job.status !== 'done' || result.imported !== PHOTOS) throw new Error(`the import did not finish: ${job.status} ${JSON.stringify(job.error)}`);

    const list = await studio.api.people.listPhotos({ personId: person.id });
    const sum = (pick: (t: { decodeMs: number; detectMs: number; measureMs: number }) => number) =>
      list.reduce((total, p) => total + (p.measures ? pick(p.measures.timings) : 0), 0);
    const decode = sum((t) => t.decodeMs);
    const detect = sum((t) => t.detectMs);
    const measure = sum((t) => t.measureMs);
    // Photos run side by side (one a core and one more), so a step's time is how long it took with the others
    // running beside it, and the steps of all photos add up to more than the wall time.
    const steps = decode + detect + measure;
    const share = (ms: number) => `${((100 * ms) / steps).toFixed(0)}%`.padStart(4);

    console.log('');
    console.log(
      `catalogue import (baseline)   ${(imported / (baselineMs / 1000)).toFixed(2)} photos/s  (${(baselineMs / imported).toFixed(0)} ms each, ` +
        `${((plainCpu.user + plainCpu.system) / 1000 / imported).toFixed(0)} ms of CPU)`,
    );
    // CPU time (all threads of the process) moves less than wall time when other work shares the machine.
    console.log(
      `people import + vetting       ${(PHOTOS / (vettingMs / 1000)).toFixed(2)} photos/s  (${(vettingMs / PHOTOS).toFixed(0)} ms each, ` +
        `${((cpu.user + cpu.system) / 1000 / PHOTOS).toFixed(0)} ms of CPU)`,
    );
    console.log(`  ratio to the baseline       ${(vettingMs / baselineMs).toFixed(2)}× the time`);
    console.log(`  cores busy                  ${coresBusy.toFixed(2)} of ${availableParallelism()} (process CPU time / wall time)`);
    console.log('  the measured steps, as each took beside the other photos (shares of their sum):');
    console.log(`    decode                    ${share(decode)}  ${(decode / PHOTOS).toFixed(0)} ms/photo`);
    console.log(`    face detection (YuNet)    ${share(detect)}  ${(detect / PHOTOS).toFixed(0)} ms/photo (incl. tilt refinement)`);
    console.log(`    other measures            ${share(measure)}  ${(measure / PHOTOS).toFixed(0)} ms/photo (sharpness, exposure, tone, pHash)`);
    console.log(`  detection vs the other measures: ${(detect / Math.max(1, measure)).toFixed(2)}×`);
    console.log(`  verdicts: ${JSON.stringify(result.vetting.counts)}`);
  } finally {
    await studio.close();
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
