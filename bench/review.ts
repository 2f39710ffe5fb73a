// bench/review: the review page on a library of 100,000 outputs.
//  1. Catalogue queries (p50/p95): filtered id lists for the grid, summaries of a screenful, FTS5 searches,
//     a durable review write — next to the old count(*) + OFFSET list and a primary-key lookup, same run.
//  2. In Chromium through Playwright: keypress → next image painted in the loupe, median over 100 presses,
//     next to a key that does nothing (the browser's own input-to-paint floor), same run; then again while a final
//     1080×1920 reel renders in the same studio, and while a person's import vets phone-sized photos (with the
//     shared YuNet).
// Run: npm run build && npx tsx bench/review.ts   (BENCH_OUTPUTS, BENCH_PRESSES to change the sizes; BENCH_PARTS=queries or loupe)
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import sharp from 'sharp';
import { OUTPUT_ID_WINDOWS, OutputFilter, OutputIdsQuery, OutputQuery, type OutputIdsQuery as OutputIdsInput } from '../native/api/schemas';
import { Catalog } from '../native/catalog/catalog';
import { makeThumbnail } from '../native/catalog/image-input';
import { keepRates } from '../native/catalog/stats';
import { appRoot } from '../native/core/entry-points';
import { installModelFile } from '../native/models/installed';
import { serveStudio } from '../native/testing/serve-process';
import { sharedFile } from '../native/testing/shared-data';
import { fillOutputs, seededRandom } from './fill-library';
import { pressAndTime } from './loupe-timing';
import { makePhonePhotos } from './phone-photos';

const OUTPUTS = Number(process.env.BENCH_OUTPUTS ?? 100_000);
const PRESSES = Number(process.env.BENCH_PRESSES ?? 100);
/** Which parts to run: `queries`, `loupe` (both unless BENCH_PARTS names one). */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'queries,loupe').split(','));
/** Real image files for the newest outputs: the ones the loupe walks through. */
const REAL_IMAGES = PRESSES + 20;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function summarise(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

/** `before` runs untimed ahead of each sample (to make the catalogue change, so nothing is served from a cache). */
function time(fn: () => unknown, runs = 40, before?: () => void): { p50: number; p95: number } {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const t = performance.now();
    fn();
    samples.push(performance.now() - t);
  }
  return summarise(samples);
}

function row(name: string, t: { p50: number; p95: number }, baseline: number, extra = ''): void {
  console.log(name.padEnd(52), t.p50.toFixed(2).padStart(9), t.p95.toFixed(2).padStart(9), `${(t.p50 / baseline).toFixed(1).padStart(8)}×`, extra);
}

/** A 1024×1024 JPEG like a generated portrait: smooth, a little texture, each one different. */
async function portrait(i: number): Promise<Buffer> {
  const size = 1024;
  const pixels = Buffer.alloc(size * size * 3);
  const random = seededRandom(i + 1);
  const [r0, g0, b0] = [random() * 255, random() * 255, random() * 255];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const at = (y * size + x) * 3;
      const d = Math.hypot(x - 512, y - 420) / 512;
      pixels[at] = Math.max(0, Math.min(255, r0 * (1 - d) + 40 * Math.sin(x / 37 + i)));
      pixels[at + 1] = Math.max(0, Math.min(255, g0 * (1 - d * 0.7) + 30 * Math.cos(y / 23)));
      pixels[at + 2] = Math.max(0, Math.min(255, b0 * d + 20 * Math.sin((x + y) / 51)));
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 3 } })
    .jpeg({ quality: 88 })
    .toBuffer();
}

const root = mkdtempSync(join(tmpdir(), 'likeness-bench-review-'));
console.log(`bench/review — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, ${OUTPUTS.toLocaleString()} outputs`);
try {
  // ---- library: 100,000 outputs; the newest have real 1024×1024 images ------------------------------
  const library = join(root, 'library');
  const catalog = Catalog.open(library);
  const start = 1_700_000_000_000;
  const filled = fillOutputs(catalog, { count: OUTPUTS - REAL_IMAGES, startAt: start });
  const realStarted = performance.now();
  const realIds: number[] = [];
  for (let i = 0; i < REAL_IMAGES; i++) {
    const jpeg = await portrait(i);
    const stored = await catalog.store.putBuffer(jpeg);
    const thumb = await catalog.store.putBuffer(await makeThumbnail(jpeg, `portrait-${i}.jpg`));
    realIds.push(
      catalog.db.transaction(() => {
        catalog.addObject({ hash: stored.hash, size: stored.size, mime: 'image/jpeg', width: 1024, height: 1024 });
        catalog.addObject({ hash: thumb.hash, size: thumb.size, mime: 'image/webp' });
        return catalog.outputs.insert({
          kind: 'image',
          objectHash: stored.hash,
          thumbHash: thumb.hash,
          width: 1024,
          height: 1024,
          source: 'generate',
          prompt: `portrait of ohwx person ${i}, soft light, bokeh`,
          createdAt: start + (OUTPUTS + i) * 1000,
        });
      })(),
    );
  }
  catalog.db.pragma('optimize');
  console.log(
    `filled ${OUTPUTS.toLocaleString()} outputs in ${(filled.fillSeconds + (performance.now() - realStarted) / 1000).toFixed(1)} s (${REAL_IMAGES} with real 1024×1024 JPEGs)\n`,
  );

  if (PARTS.has('queries')) {
    // ---- 1. catalogue queries -------------------------------------------------------------------------
    const random = seededRandom(7);
    const byPk = catalog.db.prepare('SELECT * FROM outputs WHERE id = ?');
    const baseline = time(() => byPk.get(1 + Math.floor(random() * OUTPUTS)), 400);
    console.log(`catalogue queries (baseline = one output by primary key: p50 ${baseline.p50.toFixed(3)} ms)`);
    console.log('query'.padEnd(52), 'p50 ms'.padStart(9), 'p95 ms'.padStart(9), '× baseline'.padStart(9));

    // Before: the list query this issue started from — count(*) over the joined, filtered set, then OFFSET.
    const oldList = (where: string, offset: number) => () => {
      const from = `FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE o.deleted_at IS NULL${where}`;
      catalog.db.prepare(`SELECT count(*) ${from}`).pluck().get();
      catalog.db
        .prepare(
          `SELECT o.*, r.flag, r.stars, r.label, r.note FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE o.deleted_at IS NULL${where} ORDER BY o.created_at DESC, o.id DESC LIMIT 200 OFFSET ${offset}`,
        )
        .all();
    };
    row('before: count(*) + page 1 (200), join', time(oldList('', 0)), baseline.p50);
    row('before: count(*) + page at offset 50,000', time(oldList('', 50_000)), baseline.p50);
    row('before: flag = pick, count(*) + page 1', time(oldList(" AND r.flag = 'pick'", 0)), baseline.p50);

    // The grid's requests: its first window (with the whole list's total, videos and groups), as the page sends it.
    // Before each sample another search and another grouping are asked for (untimed), so the measured one's matches
    // and partitioned list are read afresh every time, as when the user types or regroups.
    const forget = () => {
      catalog.outputs.ids(OutputIdsQuery.parse({ text: 'unmeasured-zzqx', limit: 1 }));
      catalog.outputs.ids(OutputIdsQuery.parse({ group: 'template', kind: 'video', limit: 1 }));
      // A grouping read group by group keeps its groups' sizes too: ask for another one.
      catalog.outputs.ids(OutputIdsQuery.parse({ group: 'person', label: 'purple', limit: 1 }));
    };
    const ids = (q: OutputIdsInput) => () => catalog.outputs.ids(OutputIdsQuery.parse({ ...q, limit: OUTPUT_ID_WINDOWS.first }));
    const idQueries: [string, OutputIdsInput][] = [
      ['grid ids: everything, newest', {}],
      ['grid ids: flag = pick', { flag: 'pick' }],
      ['grid ids: unflagged', { flag: 'none' }],
      ['grid ids: stars >= 4', { minStars: 4 }],
      ['grid ids: person', { personId: filled.people[3] }],
      ['grid ids: model', { model: filled.models[1] }],
      ['grid ids: LoRA', { lora: filled.loras[2] }],
      ['grid ids: template + pick + stars >= 3', { template: filled.templates[2], flag: 'pick', minStars: 3 }],
      ['grid ids: one week', { from: start + 200_000_000, to: start + 200_000_000 + 7 * 86_400_000 }],
      ['grid ids: colour label green, by stars', { label: 'green', sort: 'stars' }],
      ['grid ids: grouped by batch', { group: 'batch' }],
      ['grid ids: grouped by batch, oldest first', { group: 'batch', sort: 'oldest' }],
      ['grid ids: grouped by template', { group: 'template' }],
      ['grid ids: grouped by person', { group: 'person' }],
      ['grid ids: picks grouped by template', { group: 'template', flag: 'pick' }],
      ['grid ids: stars >= 4 grouped by person', { group: 'person', minStars: 4 }],
      ['grid ids: picks grouped by batch', { group: 'batch', flag: 'pick' }],
      ['grid ids: grouped by day', { group: 'day' }],
      ['grid ids: picks grouped by day', { group: 'day', flag: 'pick' }],
      ['grid ids: grouped by day, by stars', { group: 'day', sort: 'stars' }],
    ];
    for (const [name, q] of idQueries) {
      const count = catalog.outputs.ids(OutputIdsQuery.parse({ ...q, limit: 1 })).total;
      row(name, time(ids(q), 40, forget), baseline.p50, `${count.toLocaleString()} ids`);
    }
    // The rest of the list, as the grid loads it after painting: chunk by chunk, each one request.
    for (const [name, q] of [
      ['', {}],
      [', grouped by batch', { group: 'batch' }],
    ] as [string, OutputIdsInput][]) {
      const chunkTimes: number[] = [];
      const loadRest = () => {
        let offset: number = OUTPUT_ID_WINDOWS.first;
        for (;;) {
          const t = performance.now();
          const chunk = catalog.outputs.ids(OutputIdsQuery.parse({ ...q, offset, limit: OUTPUT_ID_WINDOWS.chunk }));
          chunkTimes.push(performance.now() - t);
          offset += chunk.ids.length;
          if (offset >= chunk.total || !chunk.ids.length) return;
        }
      };
      row(`the rest${name} in chunks of ${OUTPUT_ID_WINDOWS.chunk.toLocaleString()} (all of them)`, time(loadRest, 5), baseline.p50);
      row('  one chunk', summarise(chunkTimes), baseline.p50);
    }
    const whole = () => catalog.outputs.ids(OutputIdsQuery.parse({}));
    row('before: the whole list in one answer', time(whole, 10), baseline.p50);
    const all = whole().ids;
    row(
      'summaries of a screenful (200 ids)',
      time(() => catalog.outputs.summaries(all.slice(50_000, 50_200))),
      baseline.p50,
    );
    row(
      'page by offset 50,000 + count (CLI list)',
      time(() => catalog.outputs.list(OutputQuery.parse({ offset: 50_000, limit: 200 }))),
      baseline.p50,
    );

    console.log('\nfull-text search (FTS5; prompt, tags, notes, names)');
    const searches: [string, OutputIdsInput][] = [
      ['FTS: "bokeh"', { text: 'bokeh' }],
      ['FTS: "film grain beach"', { text: 'film grain beach' }],
      ['FTS: prefix "freck"', { text: 'freck' }],
      ['FTS: "ohwx" (every prompt)', { text: 'ohwx' }],
      ['FTS: "neon" + flag = pick', { text: 'neon', flag: 'pick' }],
      ['FTS: no match "zebra"', { text: 'zebra' }],
      ['substring (CJK): "奶奶" (scans the index text)', { text: '奶奶' }],
    ];
    for (const [name, q] of searches) {
      const count = catalog.outputs.ids(OutputIdsQuery.parse({ ...q, limit: 1 })).total;
      row(name, time(ids(q), 40, forget), baseline.p50, `${count.toLocaleString()} ids`);
    }
    row(
      'LIKE scan for comparison: prompt LIKE %bokeh%',
      time(() =>
        catalog.db.prepare("SELECT id FROM outputs WHERE deleted_at IS NULL AND prompt LIKE '%bokeh%' ORDER BY created_at DESC").pluck().all(),
      ),
      baseline.p50,
    );

    // After any write (a decision, a new output) SQLite empties the read connection's page cache: its next query
    // reads every page it touches again (from the OS's cache). The first window after a write, by view.
    console.log('\nthe first window after a write (the read connection’s page cache starts empty)');
    const touch = catalog.db.prepare('UPDATE outputs SET stars = stars WHERE id = 1');
    const write = () => void touch.run();
    const afterWrite: [string, OutputIdsInput][] = [
      ['everything, newest', {}],
      ['flag = pick', { flag: 'pick' }],
      ['stars >= 4', { minStars: 4 }],
      ['grouped by day', { group: 'day' }],
      ['FTS: "bokeh"', { text: 'bokeh' }],
    ];
    for (const [name, q] of afterWrite) row(`after a write: ${name}`, time(ids(q), 40, write), baseline.p50);
    row(
      'after a write: facets',
      time(() => catalog.outputs.facets(), 20, write),
      baseline.p50,
    );

    console.log('\nwrites and statistics');
    let n = 0;
    row(
      'review write, one decision (synchronous = FULL)',
      time(() => catalog.outputs.setReview({ ids: [all[n++ % 1000]!], flag: 'pick', stars: 3 })),
      baseline.p50,
    );
    row(
      'review write, 500 selected (one transaction)',
      time(() => catalog.outputs.setReview({ ids: all.slice(1000, 1500), label: 'blue' }), 10),
      baseline.p50,
    );
    row(
      'facets (filter values with counts)',
      time(() => catalog.outputs.facets(), 10),
      baseline.p50,
    );
    row(
      'keep rates by template',
      time(() => keepRates(catalog.db, 'template', OutputFilter.parse({})), 10),
      baseline.p50,
    );
    row(
      'keep rates by LoRA',
      time(() => keepRates(catalog.db, 'lora', OutputFilter.parse({})), 10),
      baseline.p50,
    );
  }
  // For culling beside a vetting job: the detector, and photos to vet (skipped without the shared data).
  const yunet = sharedFile('models/yunet_n_dynamic.onnx');
  const fixtures = sharedFile('fixtures/photos');
  const vettingPhotos = join(root, 'phone-photos');
  const canVet = !yunet.missing && !fixtures.missing;
  if (canVet) {
    await installModelFile(catalog.paths.models, 'yunet-n', yunet.path);
    await makePhonePhotos(fixtures.path, vettingPhotos, 2 * PRESSES);
  }
  catalog.close();

  // ---- 2. keypress → next image painted, in Chromium ---------------------------------------------------
  const executablePath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!PARTS.has('loupe')) {
    console.log('\nloupe: not asked for (BENCH_PARTS).');
  } else if (!existsSync(join(appRoot(), 'dist', 'renderer', 'index.html'))) {
    console.log('\nloupe: skipped — the UI is not built (run `npm run build` first).');
  } else {
    const studio = await serveStudio(library);
    const browser = await chromium.launch({ ...(executablePath ? { executablePath } : {}), args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
      page.on('crash', () => console.error('the page crashed'));
      await page.goto(studio.openUrl);
      await page.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
      await page.getByTestId('output-tile').first().waitFor({ timeout: 60_000 });
      await page.keyboard.press('Space');
      await page.locator('[data-testid=zoom-image][data-loaded=true]').first().waitFor({ timeout: 60_000 });
      const newestFirst = [...realIds].reverse();

      const floor: number[] = [];
      for (let i = 0; i < 30; i++) floor.push((await pressAndTime(page, 'q', null)).full);
      const arrows = { preview: [] as number[], full: [] as number[] };
      for (let i = 1; i <= PRESSES; i++) {
        const t = await pressAndTime(page, 'ArrowRight', newestFirst[i]!);
        arrows.preview.push(t.preview);
        arrows.full.push(t.full);
      }
      await page.keyboard.press('Home');
      await page.locator(`[data-testid=zoom-image][data-output-id="${newestFirst[0]}"][data-loaded=true]`).waitFor();
      const decisions = { preview: [] as number[], full: [] as number[] };
      for (let i = 1; i <= PRESSES; i++) {
        const t = await pressAndTime(page, i % 2 ? 'Shift+P' : 'Shift+X', newestFirst[i]!);
        decisions.preview.push(t.preview);
        decisions.full.push(t.full);
      }
      const median = (list: number[]) => summarise(list).p50;
      const floorMs = median(floor);
      console.log(`\nloupe in Chromium (${PRESSES} presses each; 1024×1024 JPEG; floor = a key that does nothing: median ${floorMs.toFixed(1)} ms)`);
      console.log('keypress → painted'.padEnd(52), 'median ms'.padStart(9), 'p95 ms'.padStart(9), '× floor'.padStart(9));
      const line = (name: string, list: number[]) => {
        const s = summarise(list);
        console.log(name.padEnd(52), s.p50.toFixed(1).padStart(9), s.p95.toFixed(1).padStart(9), `${(s.p50 / floorMs).toFixed(2).padStart(8)}×`);
      };
      line('→ next image shown (preview or full)', arrows.preview);
      line('→ next image at full resolution', arrows.full);
      line('Shift+P/X (write + advance) → next image shown', decisions.preview);
      line('Shift+P/X (write + advance) → full resolution', decisions.full);

      // Culling while a job runs in the same studio: from the first image, the same presses against the same floor;
      // the job is cancelled after the last press.
      type JobState = { id: number; status: string };
      const cullWhile = async (what: string, job: JobState) => {
        const status = async () => (await studio.call<JobState>('jobs:get', { id: job.id })).status;
        const deadline = Date.now() + 120_000;
        while ((await status()) === 'queued' && Date.now() < deadline) await page.waitForTimeout(100);
        const startedAs = await status();
        await page.keyboard.press('Home');
        // A job that made an output (a reel that finished) puts it first: start from what Home shows.
        await page.locator('[data-testid=loupe][data-output-id]').first().waitFor();
        const first = Number(await page.locator('[data-testid=loupe]').first().getAttribute('data-output-id'));
        const walk = first === newestFirst[0] ? newestFirst : [first, ...newestFirst];
        const busy = { preview: [] as number[], full: [] as number[] };
        for (let i = 1; i <= PRESSES; i++) {
          const t = await pressAndTime(page, 'ArrowRight', walk[i]!);
          busy.preview.push(t.preview);
          busy.full.push(t.full);
        }
        const endedAs = await status();
        await studio.call('jobs:cancel', { id: job.id }).catch(() => undefined);
        const note = startedAs === 'running' && endedAs === 'running' ? '' : ` (the job was ${startedAs}, then ${endedAs})`;
        line(`while ${what}${note}: → next image shown`, busy.preview);
        line('  … → next image at full resolution', busy.full);
      };
      // A final 1080×1920 memories reel (ffmpeg on every core, at low priority).
      const reel = await studio.call<JobState>('reels:render', {
        template: 'memories',
        visuals: newestFirst.slice(0, 5).map((outputId) => ({ outputId })),
        secondsPerVisual: 20,
      });
      await cullWhile('a reel renders', reel);
      // A person's photos imported and vetted (decode, YuNet, measures, embeddings and crops, one photo a core and one more).
      if (!canVet) console.log(`while photos are vetted: skipped — ${yunet.missing ?? fixtures.missing}`);
      else {
        const person = await studio.call<{ id: number }>('people:create', { name: 'Bench', trigger: 'ohwx', classWord: 'person' });
        await cullWhile('photos are vetted', await studio.call<JobState>('people:import', { personId: person.id, paths: [vettingPhotos] }));
      }
    } finally {
      await browser.close();
      await studio.stop();
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
