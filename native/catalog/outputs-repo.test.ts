import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputIdsQuery, OutputQuery } from '../api/schemas';
import { Catalog } from './catalog';
import type { NewOutput } from './outputs-repo';

let dir: string;
let catalog: Catalog;

/** Inserts an 8×8 generated image under a made-up hash (the repository does not read files). */
function insertFake(hash: string, fields: Partial<NewOutput>): number {
  catalog.addObject({ hash, size: 1, mime: 'image/png' });
  return catalog.outputs.insert({ kind: 'image', objectHash: hash, thumbHash: null, width: 8, height: 8, source: 'generate', ...fields });
}

/** Inserts `count` outputs, newest last, with seeds 100, 99, … and prompts p0, p1, …. */
function seed(count: number, personId: number | null = null): number[] {
  return Array.from({ length: count }, (_, i) =>
    insertFake(String(personId ?? 0) + (i + 1).toString(16).padStart(63, '0'), {
      seed: 100 - i,
      personId,
      createdAt: 1_000 + i,
      prompt: `p${i}`,
    }),
  );
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-outputs-'));
  catalog = Catalog.open(dir);
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outputs and reviews', () => {
  it('lists newest first with paging and a total', () => {
    const ids = seed(5);
    const page = catalog.outputs.list(OutputQuery.parse({ limit: 2, offset: 1 }));
    expect(page.total).toBe(5);
    expect(page.items.map((o) => o.id)).toEqual([ids[3], ids[2]]);
    expect(catalog.outputs.list(OutputQuery.parse({ sort: 'seed', limit: 1 })).items[0]!.seed).toBe(96);
  });

  it('writes review decisions at once and filters on them', () => {
    const ids = seed(6);
    expect(catalog.outputs.setReview({ ids: [ids[0]!, ids[1]!], flag: 'pick', stars: 4 }).updated).toBe(2);
    catalog.outputs.setReview({ ids: [ids[2]!], flag: 'reject' });
    catalog.outputs.setReview({ ids: [ids[3]!], label: 'green', note: 'nice eyes' });
    const picks = catalog.outputs.list(OutputQuery.parse({ flag: 'pick' }));
    expect(picks.items.map((o) => o.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(picks.items[0]!.review).toMatchObject({ flag: 'pick', stars: 4, updatedAt: expect.any(Number) });
    expect(catalog.outputs.list(OutputQuery.parse({ flag: 'none' })).total).toBe(3);
    expect(catalog.outputs.list(OutputQuery.parse({ minStars: 3 })).total).toBe(2);
    expect(catalog.outputs.list(OutputQuery.parse({ label: 'green' })).items[0]!.review.note).toBe('nice eyes');
    expect(catalog.outputs.list(OutputQuery.parse({ label: 'none' })).total).toBe(5);
    // Clearing a flag keeps the stars.
    catalog.outputs.setReview({ ids: [ids[0]!], flag: null });
    expect(catalog.outputs.summary(ids[0]!).review).toMatchObject({ flag: null, stars: 4 });
  });

  it('filters by person and keeps outputs when their person is deleted', () => {
    const person = catalog.people.create({ name: 'Ann', classWord: 'woman', notes: '' });
    seed(2, person.id);
    seed(3);
    expect(catalog.outputs.list(OutputQuery.parse({ personId: person.id })).total).toBe(2);
    catalog.people.remove(person.id);
    expect(catalog.outputs.count()).toBe(5);
  });

  it('suggests a trigger word when none is given, unique per library', () => {
    const a = catalog.people.create({ name: 'Ada Lovelace', classWord: 'woman', notes: '' });
    const b = catalog.people.create({ name: 'Adam Smith', classWord: 'man', notes: '' });
    expect(a.trigger).toMatch(/^[a-z][a-z0-9]{1,15}$/);
    expect(b.trigger).not.toBe(a.trigger);
  });
});

/** An output with provenance, for the filters. */
function output(fields: Partial<NewOutput> & { n: number }): number {
  return insertFake(`e${fields.n.toString(16).padStart(63, '0')}`, { createdAt: 1_000_000 + fields.n * 1000, ...fields });
}

const ids = (filter: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  catalog.outputs.ids(OutputIdsQuery.parse({ ...filter, ...extra })).ids;

describe('the review grid queries', () => {
  it('filter by every provenance field, date range, kind, tag, collection and text, and combine them', () => {
    const ann = catalog.people.create({ name: 'Ann', classWord: 'woman', notes: '' }).id;
    const a = output({
      n: 1,
      model: 'sdxl',
      template: 'noir',
      provider: 'cuda',
      batchId: 'b1',
      personId: ann,
      prompt: 'portrait of ohwx woman, film grain',
      loras: [{ name: 'ohwx_v2', weight: 0.8, hash: null }],
    });
    const b = output({
      n: 2,
      model: 'sdxl',
      template: 'beach',
      provider: 'cpu',
      batchId: 'b1',
      prompt: 'headshot on a beach, bokeh',
      generator: 'a1111',
    });
    const c = output({
      n: 3,
      model: 'flux',
      template: 'noir',
      provider: 'cuda',
      batchId: 'b2',
      kind: 'video',
      prompt: '奶奶的老照片，黑白',
      originalName: 'grandma.mp4',
    });
    catalog.outputs.setReview({ ids: [b], addTags: ['Favourite'], note: 'lovely light' });
    const best = catalog.collections.create('Best');
    catalog.collections.add(best.id, [a, c]);

    expect(ids({})).toEqual([c, b, a]);
    expect(ids({ model: 'sdxl' })).toEqual([b, a]);
    expect(ids({ template: 'noir', provider: 'cuda' })).toEqual([c, a]);
    expect(ids({ batchId: 'b1' })).toEqual([b, a]);
    expect(ids({ personId: ann })).toEqual([a]);
    expect(ids({ lora: 'ohwx_v2' })).toEqual([a]);
    expect(ids({ generator: 'a1111' })).toEqual([b]);
    expect(ids({ kind: 'video' })).toEqual([c]);
    expect(ids({ kind: 'image' })).toEqual([b, a]);
    expect(ids({ from: 1_002_000, to: 1_003_000 })).toEqual([b]);
    expect(ids({ tag: 'favourite' })).toEqual([b]);
    expect(ids({ collectionId: best.id })).toEqual([c, a]);
    // Just the outputs a link names ("Open in Review" after a restore or a reel), in the usual order.
    expect(ids({ ids: [a, c] })).toEqual([c, a]);
    expect(ids({ ids: [a, c], kind: 'video' })).toEqual([c]);
    expect(ids({ ids: [999_999] })).toEqual([]);
    expect(catalog.outputs.list(OutputQuery.parse({ ids: [b] })).items.map((o) => o.id)).toEqual([b]);
    // Text: word prefixes over prompt, tags, note and names; several words must all match.
    expect(ids({ text: 'portr' })).toEqual([a]);
    expect(ids({ text: 'FILM grain' })).toEqual([a]);
    expect(ids({ text: 'favourite' })).toEqual([b]);
    expect(ids({ text: 'lovely' })).toEqual([b]);
    expect(ids({ text: 'grandma' })).toEqual([c]);
    expect(ids({ text: 'ohwx_v2' })).toEqual([a]);
    expect(ids({ text: 'beach portrait' })).toEqual([]);
    // Chinese has no spaces between words: a part of the sentence is found as a substring.
    expect(ids({ text: '老照片' })).toEqual([c]);
    expect(ids({ text: '黑白 noir' })).toEqual([c]);
    expect(ids({ text: '黑白 beach' })).toEqual([]);
    // Punctuation and quotes are searched safely, never as FTS5 syntax.
    expect(ids({ text: '"film' })).toEqual([a]);
    expect(ids({ text: 'AND OR NOT ( * -- ,' })).toEqual([]);
    expect(ids({ text: ' , ' })).toEqual([c, b, a]);
    expect(ids({ model: 'sdxl', text: 'bokeh', tag: 'favourite', batchId: 'b1' })).toEqual([b]);
  });

  it('sort by date, stars and seed; group by batch, template, person and local day', () => {
    const bo = catalog.people.create({ name: 'Bo', classWord: 'man', notes: '' }).id;
    const al = catalog.people.create({ name: 'al', classWord: 'man', notes: '' }).id;
    const day = 86_400_000;
    const base = Date.UTC(2025, 0, 10, 23, 30);
    const x = output({ n: 1, batchId: 'old', template: 'noir', personId: bo, seed: 30, createdAt: base });
    const y = output({ n: 2, batchId: 'new', template: 'Beach', personId: al, seed: 10, createdAt: base + 60_000 });
    const z = output({ n: 3, kind: 'video', durationMs: 4000, batchId: 'old', seed: 20, createdAt: base + day });
    catalog.outputs.setReview({ ids: [x], stars: 5 });
    catalog.outputs.setReview({ ids: [z], stars: 3 });

    expect(ids({}, { sort: 'oldest' })).toEqual([x, y, z]);
    expect(ids({}, { sort: 'stars' })).toEqual([x, z, y]);
    expect(ids({}, { sort: 'seed' })).toEqual([y, z, x]);

    // Batches: the batch with the latest output first.
    const byBatch = catalog.outputs.ids(OutputIdsQuery.parse({ group: 'batch' }));
    expect(byBatch.ids).toEqual([z, x, y]);
    expect(byBatch.groups).toEqual([
      { key: 'old', label: 'old', start: 0, count: 2, videos: 1 },
      { key: 'new', label: 'new', start: 2, count: 1, videos: 0 },
    ]);
    // Videos are counted apart, so that the page can say "2 images, 1 video".
    expect(byBatch.videos).toBe(1);
    expect(catalog.outputs.ids(OutputIdsQuery.parse({ group: 'none', kind: 'image' })).videos).toBe(0);
    // Templates by name (case-insensitive), outputs without one last.
    expect(catalog.outputs.ids(OutputIdsQuery.parse({ group: 'template' })).groups.map((g) => [g.key, g.count])).toEqual([
      ['Beach', 1],
      ['noir', 1],
      [null, 1],
    ]);
    const byPerson = catalog.outputs.ids(OutputIdsQuery.parse({ group: 'person' }));
    expect(byPerson.groups.map((g) => g.label)).toEqual(['al', 'Bo', null]);
    expect(byPerson.ids).toEqual([y, x, z]);
    // 23:30 UTC is the next day in Beijing (UTC+8): x and y move to 11 January there.
    expect(catalog.outputs.ids(OutputIdsQuery.parse({ group: 'day' })).groups.map((g) => [g.key, g.count])).toEqual([
      ['2025-01-11', 1],
      ['2025-01-10', 2],
    ]);
    expect(catalog.outputs.ids(OutputIdsQuery.parse({ group: 'day', utcOffsetMinutes: 480 })).groups.map((g) => [g.key, g.count])).toEqual([
      ['2025-01-12', 1],
      ['2025-01-11', 2],
    ]);
    expect(catalog.outputs.summaries([z, 999_999, x]).map((s) => s.id)).toEqual([z, x]);
  });

  it('returns before and after for every write, tags included, and writes exact states back (undo, redo)', () => {
    const [a, b] = seed(2);
    catalog.outputs.setReview({ ids: [a!], flag: 'reject', stars: 1 });
    const write = catalog.outputs.setReview({ ids: [a!, b!], flag: 'pick', stars: 4, addTags: ['keeper', 'smile'] });
    expect(write.before).toEqual([
      { id: a, flag: 'reject', stars: 1, tags: [] },
      { id: b, flag: null, stars: 0, tags: [] },
    ]);
    expect(write.after).toEqual([
      { id: a, flag: 'pick', stars: 4, tags: ['keeper', 'smile'] },
      { id: b, flag: 'pick', stars: 4, tags: ['keeper', 'smile'] },
    ]);
    expect(write.savedAt).toBeGreaterThan(0);
    // Undo: the states before are written back as they were; the search index follows.
    const undo = catalog.outputs.putReview(write.before);
    expect(undo.after).toEqual(write.before);
    expect(catalog.outputs.summary(a!).review).toMatchObject({ flag: 'reject', stars: 1 });
    expect(ids({ text: 'keeper' })).toEqual([]);
    expect(ids({ flag: 'reject' })).toEqual([a]);
    // Redo.
    catalog.outputs.putReview(write.after);
    expect(ids({ tag: 'Keeper' }).sort()).toEqual([a, b].sort());
    expect(catalog.outputs.get(a!).tags).toEqual(['keeper', 'smile']);
    catalog.outputs.setReview({ ids: [a!], removeTags: ['SMILE'] });
    expect(catalog.outputs.get(a!).tags).toEqual(['keeper']);
    expect(() => catalog.outputs.setReview({ ids: [123_456], stars: 2 })).toThrow(/No output with id 123456/);
  });

  it('syncs every review write to disk before it returns (synchronous = FULL inside the write, NORMAL again after)', () => {
    const [a, b] = seed(2);
    // The level SQLite holds while each transaction body runs, read from inside it.
    const levels: number[] = [];
    const db = catalog.db;
    const begin = db.transaction.bind(db);
    db.transaction = ((body: (...args: unknown[]) => unknown) =>
      begin((...args: unknown[]) => {
        levels.push(db.pragma('synchronous', { simple: true }) as number);
        return body(...args);
      })) as typeof db.transaction;
    const normal = db.pragma('synchronous', { simple: true });
    const write = catalog.outputs.setReview({ ids: [a!, b!], flag: 'pick', stars: 4 });
    catalog.outputs.putReview(write.before);
    catalog.outputs.trash([a!]);
    catalog.outputs.restore([a!]);
    // 2 is FULL (the WAL is synced at commit); the library's default (NORMAL, 1) comes back after each.
    expect(levels).toEqual([2, 2, 2, 2]);
    expect(db.pragma('synchronous', { simple: true })).toBe(normal);
    expect(normal).toBe(1);
  });

  it('refuses an undo that would overwrite a decision made elsewhere since, and writes nothing', () => {
    const [a, b] = seed(2);
    const mine = catalog.outputs.setReview({ ids: [a!, b!], stars: 3, addTags: ['keeper'] });
    // Another window rejects b afterwards.
    catalog.outputs.setReview({ ids: [b!], flag: 'reject' });
    // This window's undo says what it last wrote (stars 3, tag keeper): both still hold, so it goes through…
    const first = catalog.outputs.setReview({ ids: [a!, b!], label: 'green' });
    catalog.outputs.setReview({ ids: [b!], label: 'red' });
    expect(() => catalog.outputs.putReview(first.before, first.after)).toThrow(
      expect.objectContaining({ code: 'CONFLICT', details: { changed: [b] } }),
    );
    // …nothing was written: a's label is still green, b keeps the other window's red.
    expect(catalog.outputs.summary(a!).review.label).toBe('green');
    expect(catalog.outputs.summary(b!).review.label).toBe('red');
    // Tags compare as sets, whatever their case or order; an unchanged state undoes.
    const undo = catalog.outputs.putReview(mine.before, [
      { id: a!, stars: 3, tags: ['KEEPER'] },
      { id: b!, stars: 3, tags: ['keeper'] },
    ]);
    expect(undo.after).toEqual(mine.before);
  });

  it('moves outputs to the trash and back; the trash is its own view', () => {
    const [a, b] = seed(2);
    expect(catalog.outputs.trash([a!, a!, 999])).toEqual([a]);
    expect(ids({})).toEqual([b]);
    expect(ids({ trash: true })).toEqual([a]);
    expect(catalog.outputs.facets()).toMatchObject({ total: 1, trash: 1 });
    expect(catalog.outputs.summary(a!).deletedAt).toEqual(expect.any(Number));
    expect(catalog.outputs.restore([a!, b!])).toEqual([a]);
    expect(ids({ trash: true })).toEqual([]);
    expect(catalog.outputs.count()).toBe(2);
  });

  it('lists the values of each filter with counts, leaving the trash out', () => {
    const a = output({ n: 1, model: 'sdxl', template: 'noir', loras: [{ name: 'x', weight: 1, hash: null }] });
    output({ n: 2, model: 'sdxl', provider: 'cpu' });
    const c = output({ n: 3, model: 'flux', loras: [{ name: 'x', weight: 1, hash: null }] });
    catalog.outputs.setReview({ ids: [a], flag: 'pick', addTags: ['best'] });
    catalog.outputs.trash([c]);
    const facets = catalog.outputs.facets();
    expect(facets).toMatchObject({
      total: 2,
      trash: 1,
      picks: 1,
      models: [{ value: 'sdxl', count: 2 }],
      loras: [{ value: 'x', count: 1 }],
      templates: [{ value: 'noir', count: 1 }],
      providers: [{ value: 'cpu', count: 1 }],
      tags: [{ value: 'best', count: 1 }],
      kinds: [{ value: 'image', count: 2 }],
    });
  });

  it('keeps collections: create, rename, add, remove; names are unique', () => {
    const [a, b] = seed(2);
    const c = catalog.collections.create('Shortlist');
    expect(catalog.collections.add(c.id, [a!, b!, a!, 4242])).toBe(2);
    expect(catalog.collections.get(c.id).count).toBe(2);
    expect(catalog.outputs.get(a!).collections).toEqual([{ id: c.id, name: 'Shortlist' }]);
    expect(() => catalog.collections.create('shortlist')).toThrow(/already a collection/);
    expect(catalog.collections.rename(c.id, 'Final').name).toBe('Final');
    expect(catalog.collections.removeItems(c.id, [b!])).toBe(1);
    expect(ids({ collectionId: c.id })).toEqual([a]);
    expect(catalog.collections.remove(c.id)).toBe(true);
    expect(catalog.outputs.count()).toBe(2);
  });
});
