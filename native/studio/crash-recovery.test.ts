import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import type { Job } from '../api/schemas';
import { Catalog } from '../catalog/catalog';
import { sha256 } from '../catalog/store';
import { writeNoiseImages } from '../testing/images';
import { serveStudio, waitUntil, type ServedStudio } from '../testing/serve-process';

const IMAGES = 300;
let root: string | undefined;
const servers: ServedStudio[] = [];

afterAll(async () => {
  for (const server of servers) await server.stop('SIGKILL');
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a server killed with SIGKILL during an import', () => {
  it('restarts with an intact database, no half-written object referenced, and the import resumed to completion', async () => {
    root = await mkdtemp(join(tmpdir(), 'likeness-crash-'));
    const source = join(root, 'incoming');
    const library = join(root, 'library');
    await writeNoiseImages(source, IMAGES, 128);

    const first = await serveStudio(library, { fromSource: true });
    servers.push(first);
    const job = await first.call<Job>('catalog:import', { path: source });
    await waitUntil(
      async () => {
        const current = await first.call<Job>('jobs:get', { id: job.id });
        return (current.done ?? 0) >= 30 ? current : undefined;
      },
      60_000,
      'the import to get going',
    );
    await first.stop('SIGKILL');

    // The files as the kill left them: the database is the truth and must be whole.
    const afterKill = Catalog.open(library);
    expect(afterKill.integrity('full')).toBe('ok');
    const stuck = afterKill.jobs.get(job.id);
    expect(stuck.status).toBe('running');
    const imported = afterKill.outputs.count();
    expect(imported).toBeGreaterThan(0);
    expect(imported).toBeLessThan(IMAGES);
    const referenced = afterKill.db.prepare('SELECT object_hash AS h FROM outputs UNION SELECT thumb_hash FROM outputs').pluck().all() as string[];
    for (const hash of referenced) expect(sha256(readFileSync(afterKill.store.pathOf(hash)))).toBe(hash);
    afterKill.close();

    const second = await serveStudio(library, { fromSource: true });
    servers.push(second);
    const resumed = await waitUntil(
      async () => {
        const current = await second.call<Job>('jobs:get', { id: job.id });
        return current.status === 'done' || current.status === 'failed' ? current : undefined;
      },
      120_000,
      'the resumed import to finish',
    );
    expect(resumed.status).toBe('done');
    expect(resumed.attempts).toBe(2);
    expect(resumed.result).toMatchObject({ scanned: IMAGES, imported: IMAGES, duplicates: 0, failed: [] });
    const page = await second.call<{ total: number; items: { hash: string }[] }>('catalog:listOutputs', { limit: 500 });
    expect(page.total).toBe(IMAGES);
    expect(new Set(page.items.map((o) => o.hash)).size).toBe(IMAGES);
    await second.stop();

    const finalCatalog = Catalog.open(library);
    expect(finalCatalog.integrity('full')).toBe('ok');
    expect(finalCatalog.jobs.live()).toEqual([]);
    finalCatalog.close();
  });
});

describe('a server killed with SIGKILL during an export', () => {
  it('resumes the export on restart and finishes it: every file once, whole, with its sidecar, nothing half-written', async () => {
    const base = await mkdtemp(join(tmpdir(), 'likeness-crash-export-'));
    const source = join(base, 'incoming');
    const library = join(base, 'library');
    const out = join(base, 'exported');
    const count = 60;
    await writeNoiseImages(source, count, 256);
    try {
      const first = await serveStudio(library, { fromSource: true });
      servers.push(first);
      const imported = await first.call<Job>('catalog:import', { path: source });
      await waitUntil(
        async () => ((await first.call<Job>('jobs:get', { id: imported.id })).status === 'done' ? true : undefined),
        120_000,
        'the import',
      );
      const { ids } = await first.call<{ ids: number[] }>('catalog:outputIds', {});
      // Converted to JPEG, so each file takes a moment: time to kill it part-way.
      const job = await first.call<Job>('review:export', { outDir: out, ids, format: 'jpeg', quality: 90, xmp: true });
      await waitUntil(
        async () => ((await first.call<Job>('jobs:get', { id: job.id })).done ?? 0) >= 10 || undefined,
        60_000,
        'the export to get going',
      );
      await first.stop('SIGKILL');
      const partWay = readdirSync(out).filter((f) => f.endsWith('.jpg')).length;
      expect(partWay).toBeGreaterThan(0);
      expect(partWay).toBeLessThan(count);

      const second = await serveStudio(library, { fromSource: true });
      servers.push(second);
      const finished = await waitUntil(
        async () => {
          const current = await second.call<Job>('jobs:get', { id: job.id });
          return current.status === 'done' || current.status === 'failed' ? current : undefined;
        },
        120_000,
        'the resumed export',
      );
      expect(finished.status).toBe('done');
      expect(finished.attempts).toBe(2);
      const files = readdirSync(out);
      const jpegs = files.filter((f) => f.endsWith('.jpg'));
      // Each output once under its own name (no "name-11.jpg" beside "name.jpg" from a second pass, whatever
      // moment the kill hit), each with its sidecar, no partial file left.
      expect(jpegs.sort()).toEqual(Array.from({ length: count }, (_, i) => `noise-${String(i).padStart(5, '0')}.jpg`));
      // Two sidecars each: name.xmp (Lightroom, digiKam) and name.jpg.xmp (darktable).
      expect(files.filter((f) => f.endsWith('.jpg.xmp'))).toHaveLength(count);
      expect(files.filter((f) => f.endsWith('.xmp') && !f.endsWith('.jpg.xmp'))).toHaveLength(count);
      expect(files.filter((f) => f.includes('partial'))).toEqual([]);
      for (const file of jpegs) expect((await sharp(join(out, file)).metadata()).format, file).toBe('jpeg');
      await second.stop();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});

describe('servers killed with SIGKILL at random moments during review writes and an import', () => {
  it('lose no acknowledged decision, leave no job stuck running, and keep the catalogue intact, restarting at once', async () => {
    const base = await mkdtemp(join(tmpdir(), 'likeness-crash-review-'));
    try {
      const library = join(base, 'library');
      await writeNoiseImages(join(base, 'outputs'), 40, 48);
      await writeNoiseImages(join(base, 'incoming'), 150, 96);
      let server = await serveStudio(library, { fromSource: true });
      servers.push(server);
      const first = await server.call<Job>('catalog:import', { path: join(base, 'outputs') });
      await waitUntil(
        async () => ((await server.call<Job>('jobs:get', { id: first.id })).status === 'done' ? true : undefined),
        120_000,
        'the first import',
      );
      const ids = (await server.call<{ items: { id: number }[] }>('catalog:listOutputs', { limit: 100 })).items.map((o) => o.id);
      const import_ = await server.call<Job>('catalog:import', { path: join(base, 'incoming') });

      // Decisions the server acknowledged (the promise resolved): each must survive every kill.
      const acknowledged = new Map<number, number>();
      let write = 0;
      for (let round = 0; round < 3; round++) {
        const killAt = Date.now() + 300 + Math.random() * 900;
        while (Date.now() < killAt) {
          const id = ids[write % ids.length]!;
          const stars = (write++ % 5) + 1;
          await server.call('review:set', { ids: [id], stars }).then(
            () => acknowledged.set(id, stars),
            () => undefined,
          );
        }
        // Killed mid-stream, and the next server starts at once: the old process may still be a zombie.
        server.process.kill('SIGKILL');
        server = await serveStudio(library, { fromSource: true });
        servers.push(server);
      }

      const summaries = await server.call<{ id: number; review: { stars: number } }[]>('catalog:getOutputs', { ids });
      const lost = summaries.filter((o) => acknowledged.has(o.id) && o.review.stars !== acknowledged.get(o.id));
      expect(acknowledged.size).toBeGreaterThan(10);
      expect(lost).toEqual([]);
      // The import resumes under the last server and ends; nothing is left "running".
      const done = await waitUntil(
        async () => {
          const job = await server.call<Job>('jobs:get', { id: import_.id });
          return ['done', 'failed', 'interrupted'].includes(job.status) ? job : undefined;
        },
        180_000,
        'the import to end',
      );
      // Three kills mid-import may use up its attempts: then it ends interrupted, saying why (never "running").
      expect(['done', 'interrupted']).toContain(done.status);
      if (done.status === 'interrupted') expect(done.error?.message).toMatch(/stopped/);
      await server.stop();
      const catalog = Catalog.open(library);
      expect(catalog.integrity('full')).toBe('ok');
      expect(catalog.jobs.live()).toEqual([]);
      expect(catalog.outputs.count()).toBeGreaterThan(40);
      catalog.close();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  }, 300_000);
});
