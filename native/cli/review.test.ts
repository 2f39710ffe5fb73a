import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLikeness } from '../testing/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job, OutputPage, ReviewWrite } from '../api/schemas';
import { Catalog } from '../catalog/catalog';
import { writeToolSamples } from '../catalog/provenance/testing/samples';

const root = mkdtempSync(join(tmpdir(), 'likeness-cli-review-'));
const library = join(root, 'library');
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The CLI from source, as `likeness` would run it. */
const likeness = (args: string[]) => runLikeness(library, args);

describe('likeness review and export', () => {
  let ids: Record<string, number>;

  beforeAll(async () => {
    const source = join(root, 'incoming');
    mkdirSync(source);
    await writeToolSamples(source);
    expect((await likeness(['catalog', 'import', source, '--json'])).code).toBe(0);
    const page = JSON.parse((await likeness(['review', 'list', '--json'])).stdout) as OutputPage;
    ids = Object.fromEntries(page.items.map((o) => [o.originalName!, o.id]));
  }, 180_000);

  it('review set writes flags, stars, labels and tags; review list filters on them', async () => {
    const set = await likeness([
      'review',
      'set',
      String(ids['a1111-portrait.png']),
      String(ids['ComfyUI_00042_.png']),
      '--flag',
      'pick',
      '--stars',
      '4',
      '--label',
      'green',
      '--tag',
      'keeper',
      '--tag',
      'print',
      '--json',
    ]);
    expect(set.code).toBe(0);
    const write = JSON.parse(set.stdout) as ReviewWrite;
    expect(write.updated).toBe(2);
    expect(write.after[0]).toMatchObject({ flag: 'pick', stars: 4, label: 'green', tags: ['keeper', 'print'] });
    await likeness(['review', 'set', String(ids['holiday-photo.png']), '--flag', 'reject']);

    const picks = JSON.parse((await likeness(['review', 'list', '--flag', 'pick', '--min-stars', '4', '--json'])).stdout) as OutputPage;
    expect(picks.items.map((o) => o.originalName).sort()).toEqual(['ComfyUI_00042_.png', 'a1111-portrait.png']);
    expect((JSON.parse((await likeness(['review', 'list', '--flag', 'none', '--json'])).stdout) as OutputPage).total).toBe(3);
    const human = await likeness(['review', 'list', '--flag', 'reject']);
    expect(human.stdout).toMatch(/reject\s+☆☆☆☆☆\s+holiday-photo\.png/);
    // Clearing with "none".
    await likeness(['review', 'set', String(ids['holiday-photo.png']), '--flag', 'none']);
    expect((JSON.parse((await likeness(['review', 'list', '--flag', 'reject', '--json'])).stdout) as OutputPage).total).toBe(0);
  });

  it('says what is wrong with bad input (exit 2) and names the people it knows', async () => {
    const stars = await likeness(['review', 'set', String(ids['a1111-portrait.png']), '--stars', '7']);
    expect(stars.code).toBe(2);
    expect(stars.stderr).toMatch(/stars/);
    const flag = await likeness(['review', 'list', '--flag', 'maybe']);
    expect(flag.code).toBe(2);
    const id = await likeness(['review', 'set', 'abc', '--flag', 'pick']);
    expect(id.code).toBe(2);
    expect(id.stderr).toMatch(/not an output id/);
    await likeness(['people', 'add', 'Ada']);
    const person = await likeness(['review', 'list', '--person', 'Bob']);
    expect(person.code).toBe(2);
    expect(person.stderr).toMatch(/hint: Known people: Ada/);
    expect((JSON.parse((await likeness(['review', 'list', '--person', 'Ada', '--json'])).stdout) as OutputPage).total).toBe(0);
  });

  it('export picks copies the picks with XMP sidecars, converted on request', async () => {
    const out = join(root, 'out');
    const result = await likeness(['export', 'picks', '--out', out, '--xmp', '--format', 'jpeg', '--size', '64', '--json']);
    expect(result.code).toBe(0);
    const job = JSON.parse(result.stdout) as Job;
    expect(job).toMatchObject({ status: 'done', kind: 'review.export', result: { exported: 2, sidecars: 2, failed: [] } });
    expect(readdirSync(out).sort()).toEqual([
      '.likeness-export.jsonl',
      'ComfyUI_00042_.jpg',
      'ComfyUI_00042_.jpg.xmp',
      'ComfyUI_00042_.xmp',
      'a1111-portrait.jpg',
      'a1111-portrait.jpg.xmp',
      'a1111-portrait.xmp',
    ]);
    expect(readFileSync(join(out, 'a1111-portrait.xmp'), 'utf8')).toMatch(/xmp:Rating="4"[\s\S]*xmp:Label="Green"/);
    const bad = await likeness(['export', 'picks', '--out', join(root, 'x'), '--format', 'gif']);
    expect(bad.code).toBe(2);
  });
});

describe('read-only commands', () => {
  it('review list and jobs look without starting the queue: a queued job stays queued, its attempts untouched', async () => {
    const library = mkdtempSync(join(tmpdir(), 'likeness-readonly-'));
    try {
      const catalog = Catalog.open(library);
      const queued = catalog.jobs.create({
        kind: 'catalog.import',
        resource: 'cpu',
        title: 'Import',
        input: { path: library, recursive: true },
        owner: 'another-likeness',
      });
      catalog.close();
      expect((await runLikeness(library, ['review', 'list', '--json'])).code).toBe(0);
      expect((await runLikeness(library, ['jobs', '--json'])).code).toBe(0);
      const after = Catalog.open(library);
      expect(after.jobs.get(queued.id)).toMatchObject({ status: 'queued', attempts: 0 });
      after.close();
    } finally {
      rmSync(library, { recursive: true, force: true });
    }
  }, 120_000);
});
