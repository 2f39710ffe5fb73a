// bench/likeness: the likeness score on this machine's CPU.
//  1. Faces scored per second (detect + align + embed with the built-in dlib model) on 512² and 1024² portraits,
//     next to face detection alone on the same images (the baseline, same run).
//  2. Time to score BENCH_OUTPUTS (default 1,000) catalogue outputs against a person with the likeness.score job.
//  3. In Chromium: keypress → next image painted in the loupe, idle and while a rescoring job runs (culling must
//     not slow down), as a ratio of the two.
// Run: npm run build && npx tsx bench/likeness.ts   (BENCH_OUTPUTS, BENCH_PRESSES to change the sizes)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import sharp from 'sharp';
import type { Job } from '../native/api';
import type { ScoreOutcome } from '../native/api/namespaces/likeness';
import { appRoot } from '../native/core/entry-points';
import { faceDetectorFromFile } from '../native/inference/face-detector';
import { openFaceEmbedder } from '../native/inference/face-embedder';
import { builtinEmbedderSpec, ensureBuiltinEmbedder } from '../native/likeness/embedders';
import { detectDecoded, embedDetected } from '../native/likeness/faces';
import { faceApiSamples, portraitsOf, writeSamplePhotos } from '../native/likeness/testing/faces';
import { decodePhoto, inspectPhoto } from '../native/people/decode';
import { installModelFile } from '../native/models/installed';
import { createStudio } from '../native/studio/studio';
import { serveStudio, waitUntil } from '../native/testing/serve-process';
import { sharedFile } from '../native/testing/shared-data';
import { pressAndTime } from './loupe-timing';

const OUTPUTS = Number(process.env.BENCH_OUTPUTS ?? 1000);
const PRESSES = Number(process.env.BENCH_PRESSES ?? 40);
const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const astronaut = sharedFile('fixtures/photos/astronaut.png');
if (yunet.missing || astronaut.missing) {
  console.log(`bench/likeness skipped: ${yunet.missing ?? astronaut.missing}`);
  process.exit(0);
}

const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
const root = mkdtempSync(join(tmpdir(), 'likeness-bench-likeness-'));
console.log(
  `bench/likeness — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
try {
  // ---- 1. faces per second ---------------------------------------------------------------------------
  const detector = await faceDetectorFromFile(yunet.path);
  const embedder = await openFaceEmbedder(builtinEmbedderSpec, ensureBuiltinEmbedder(join(root, 'models')));
  const portraits = (await Promise.all(faceApiSamples.map((f) => portraitsOf(f, yunet.path)))).flat();
  console.log('\nper face (median over the face-api sample portraits)'.padEnd(48), 'detect ms', 'score ms', 'faces/s', '× detect');
  for (const side of [512, 1024]) {
    const images = await Promise.all(portraits.map((p) => sharp(p).resize(side, side).png().toBuffer()));
    const detectMs: number[] = [];
    const scoreMs: number[] = [];
    for (const image of images) {
      const decoded = await decodePhoto(image, 'bench', await inspectPhoto(image, 'bench'), 1600);
      let t = performance.now();
      await detectDecoded(detector, decoded);
      detectMs.push(performance.now() - t);
      t = performance.now();
      const faces = await detectDecoded(detector, decoded);
      await embedDetected(embedder, decoded, faces.slice(0, 1));
      scoreMs.push(performance.now() - t);
    }
    const d = median(detectMs);
    const s = median(scoreMs);
    console.log(
      `  ${side}×${side}`.padEnd(48),
      d.toFixed(1).padStart(9),
      s.toFixed(1).padStart(8),
      (1000 / s).toFixed(1).padStart(7),
      `${(s / d).toFixed(2)}×`.padStart(8),
    );
  }

  // ---- 2. a library of outputs scored by the job ------------------------------------------------------
  const library = join(root, 'library');
  const studio = await createStudio({ library });
  await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
  const photo = readFileSync(astronaut.path);
  const samples = await writeSamplePhotos(join(root, 'samples'), photo);
  const person = await studio.api.people.create({ name: 'Bench', trigger: 'ohwx', classWord: 'woman' });
  await studio.jobs.waitFor((await studio.api.people.import({ personId: person.id, paths: [samples] })).id);
  const outputs = join(root, 'outputs');
  mkdirSync(outputs);
  // 768² candidates, every file different: her, or one of the sample strangers, slightly shifted each time.
  const sources = [photo, ...portraits];
  for (let i = 0; i < OUTPUTS; i++) {
    const source = sources[i % sources.length]!;
    await sharp(source)
      .resize(768 + (i % 7), 768 + (i % 7))
      .modulate({ brightness: 1 + (i % 11) * 0.005 })
      .jpeg({ quality: 85 })
      .toFile(join(outputs, `candidate-${String(i).padStart(5, '0')}.jpg`));
  }
  await studio.jobs.waitFor((await studio.api.catalog.import({ path: outputs })).id);
  let t = performance.now();
  const scored = await studio.jobs.waitFor((await studio.api.likeness.score({ personId: person.id, filter: {} })).id);
  const scoreSeconds = (performance.now() - t) / 1000;
  const outcome = scored.result as ScoreOutcome;
  console.log(
    `\nscoring ${OUTPUTS.toLocaleString()} outputs (768², one face each): ${scoreSeconds.toFixed(1)} s, ${((scoreSeconds * 1000) / OUTPUTS).toFixed(1)} ms an output (${outcome.scored} scored, ${outcome.noFace} without a face)`,
  );
  t = performance.now();
  await studio.jobs.waitFor((await studio.api.likeness.score({ personId: person.id, filter: {}, force: true })).id);
  console.log(`rescoring them (faces cached, only the comparison redone): ${((performance.now() - t) / 1000).toFixed(1)} s`);
  // What the loupe is timed against below: a rescoring that finds and embeds every face again (as after a
  // change of model), so the outputs' cached faces go.
  studio.catalog.db.prepare('DELETE FROM face_embeddings WHERE object_hash IN (SELECT object_hash FROM outputs)').run();
  await studio.close();

  // ---- 3. culling while a rescoring job runs ---------------------------------------------------------
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!existsSync(join(appRoot(), 'dist', 'renderer', 'index.html'))) {
    console.log('\nloupe: skipped — the UI is not built (run `npm run build` first).');
  } else {
    const served = await serveStudio(library);
    const browser = await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(served.openUrl);
      await page.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
      await page.getByTestId('output-tile').first().waitFor({ timeout: 60_000 });
      await page.keyboard.press('Space');
      await page.locator('[data-testid=zoom-image][data-loaded=true]').first().waitFor({ timeout: 60_000 });
      const ids = ((await served.call('catalog:outputIds', { sort: 'newest' })) as { ids: number[] }).ids;
      const run = async (from: number) => {
        const times: number[] = [];
        for (let i = 1; i <= PRESSES; i++) times.push((await pressAndTime(page, 'ArrowRight', ids[from + i]!)).full);
        return median(times);
      };
      const idle = await run(0);
      // A forced rescoring of every output, detecting and embedding each face again.
      const job = await served.call<Job>('likeness:score', { personId: person.id, filter: {}, force: true });
      await waitUntil(
        async () => ((await served.call<Job>('jobs:get', { id: job.id })).progress > 0.02 ? true : undefined),
        120_000,
        'the rescoring job',
      );
      const busy = await run(PRESSES);
      const status = (await served.call<Job>('jobs:get', { id: job.id })).status;
      console.log(`\nloupe in Chromium, keypress → next image at full resolution (median of ${PRESSES}):`);
      console.log(`  idle ${idle.toFixed(1)} ms; while rescoring ${busy.toFixed(1)} ms (${(busy / idle).toFixed(2)}×; job ${status} at the end)`);
      await served.call('jobs:cancel', { id: job.id }).catch(() => undefined);
    } finally {
      await browser.close();
      await served.stop();
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
