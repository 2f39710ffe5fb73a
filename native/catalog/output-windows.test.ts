import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillOutputs } from '../../bench/fill-library';
import { OutputIdsQuery, type OutputFacets } from '../api/schemas';
import { Catalog } from './catalog';
import { filterSql, sortSql } from './output-filter';
import outputTallies from './migrations/013-output-tallies';
import groupedLists from './migrations/014-grouped-lists';
import { emptyTrash } from './trash';

// The grid's windows and the tallies behind its counts (migration 13) against plain SQL over the rows themselves,
// after the writes that move tallies: inserts, edits of counted columns, trash, restore, purge, tags, collections,
// LoRA changes, a deleted collection.

let root: string;
let catalog: Catalog;
const DAY = 86_400_000;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'likeness-windows-'));
  catalog = Catalog.open(root);
  fillOutputs(catalog, { count: 3_000 });
  // One a minute from 22:00 UTC, so day groups have many members and the zones below move the midnight.
  catalog.db.prepare('UPDATE outputs SET created_at = ? + (id - 1) * 60000').run(Date.UTC(2026, 2, 1, 22, 0));
  const all = catalog.db.prepare('SELECT id FROM outputs ORDER BY id').pluck().all() as number[];
  // Edits of counted columns, one by one (the update trigger) and in bulk.
  catalog.db.prepare("UPDATE outputs SET model = 'edited.safetensors' WHERE id % 97 = 0").run();
  catalog.db.prepare("UPDATE outputs SET kind = 'video' WHERE id % 211 = 0").run();
  catalog.db.prepare('UPDATE outputs SET person_id = NULL WHERE id % 89 = 0').run();
  catalog.db.prepare('UPDATE outputs SET likeness = (id * 37) % 101 WHERE id % 3 = 0').run();
  // Batches edited (the update trigger of output_batches): moved, taken out, and two that begin in the same
  // millisecond, so their order comes down to their first outputs' ids.
  catalog.db.prepare("UPDATE outputs SET batch_id = 'batch-moved' WHERE id % 53 = 0").run();
  catalog.db.prepare('UPDATE outputs SET batch_id = NULL WHERE id % 59 = 0').run();
  catalog.db.prepare("UPDATE outputs SET created_at = ? WHERE batch_id IN ('batch-3', 'batch-4')").run(Date.UTC(2026, 2, 1, 23, 0));
  // Some people renamed so their names sort apart from their ids, one with a case-only difference.
  catalog.db.prepare("UPDATE people SET name = 'anna' WHERE name = 'Person 7'").run();
  catalog.db.prepare("UPDATE people SET name = 'Ánna' WHERE name = 'Person 2'").run();
  // Templates the collation holds equal: 'café' composed and decomposed.
  catalog.db.prepare("UPDATE outputs SET template = 'caf\u00e9' WHERE id % 61 = 0").run();
  catalog.db.prepare("UPDATE outputs SET template = 'cafe\u0301' WHERE id % 67 = 0").run();
  catalog.db.prepare(`UPDATE outputs SET loras = '[{"name":"late_lora","weight":1}]' WHERE id % 101 = 0`).run();
  catalog.db.prepare(`UPDATE outputs SET loras = '[{"name":"common_lora","weight":0.8}]' WHERE id % 3 = 1`).run();
  catalog.outputs.setReview({ ids: all.slice(0, 300), addTags: ['keeper', 'smile'] });
  catalog.outputs.setReview({ ids: all, addTags: ['everywhere'] });
  catalog.outputs.setReview({ ids: all.slice(100, 200), removeTags: ['smile'] });
  const kept = catalog.collections.create('Kept');
  const gone = catalog.collections.create('Gone');
  catalog.collections.add(kept.id, all.slice(50, 450));
  catalog.collections.add(gone.id, all.slice(0, 40));
  catalog.collections.removeItems(kept.id, all.slice(50, 60));
  catalog.collections.remove(gone.id);
  // The trash: some stay there, some are restored, some are purged for good (cascades to tags, LoRAs, items).
  catalog.outputs.trash(all.filter((id) => id % 13 === 0));
  catalog.outputs.restore(all.filter((id) => id % 39 === 0));
  const purged = all.filter((id) => id % 13 === 0 && id % 39 !== 0 && id % 2 === 0);
  await emptyTrash(catalog, { ids: purged });
  expect(catalog.db.prepare('SELECT count(*) FROM outputs').pluck().get()).toBe(3_000 - purged.length);
  catalog.db.exec('ANALYZE');
});
afterAll(() => {
  catalog?.close();
  rmSync(root, { recursive: true, force: true });
});

type ReferenceRow = {
  id: number;
  createdAt: number;
  kind: string;
  batch: string | null;
  template: string | null;
  personId: number | null;
  person: string | null;
};

/** The list as plain SQL gives it: every matching row in the sort order, with its created_at, kind and group keys. */
function reference(query: Record<string, unknown>): ReferenceRow[] {
  const parsed = OutputIdsQuery.parse(query);
  const { where, params } = filterSql(parsed);
  return catalog.db
    .prepare(
      `SELECT o.id, o.created_at AS createdAt, o.kind, o.batch_id AS batch, o.template, o.person_id AS personId, (SELECT name FROM people WHERE id = o.person_id) AS person
       FROM outputs o WHERE ${where.join(' AND ')} ORDER BY ${sortSql[parsed.sort]}`,
    )
    .all(params) as ReferenceRow[];
}

/**
 * The grid's grouping, stated plainly: batches in the order of their first output in the list, templates and people
 * by name (case- and accent-blind), those without one last; each group's outputs in the list's order.
 */
function referenceGroups(rows: ReferenceRow[], group: 'batch' | 'template' | 'person') {
  const members = new Map<string | number | null, ReferenceRow[]>();
  for (const row of rows) {
    const key = group === 'person' ? row.personId : row[group];
    if (!members.has(key)) members.set(key, []);
    members.get(key)!.push(row);
  }
  const label = (key: string | number | null) => (group === 'person' ? (members.get(key)![0]!.person ?? null) : (key as string | null));
  const keys = [...members.keys()];
  // Names the collation holds equal keep the order of their keys (as text, code unit by code unit).
  const byName = (a: string | number, b: string | number) =>
    label(a)!.localeCompare(label(b)!, undefined, { sensitivity: 'base' }) || (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
  if (group !== 'batch') keys.sort((a, b) => (a === null ? 1 : b === null ? -1 : byName(a, b)));
  keys.sort((a, b) => Number(a === null) - Number(b === null));
  let start = 0;
  return keys.map((key) => {
    const list = members.get(key)!;
    const g = { label: label(key), start, count: list.length, videos: list.filter((r) => r.kind === 'video').length, ids: list.map((r) => r.id) };
    start += list.length;
    return g;
  });
}

const queries: Record<string, unknown>[] = [
  {},
  { sort: 'oldest' },
  { flag: 'pick' },
  { minStars: 4 },
  { kind: 'video' },
  { trash: true },
  { text: 'bokeh' },
  // Few matches (LoRA names are indexed): looked up rather than probed; none at all.
  { text: 'late_lora' },
  { text: 'zebra' },
  { text: 'bokeh', flag: 'pick', group: 'day' },
  // One tallied value each (the library rail's choices): their totals are tallies minus the trash.
  { tag: 'keeper' },
  { personId: 4 },
  { model: 'juggernautXL_v9.safetensors' },
  { lora: 'late_lora' },
  // Many matches: probed per output along the date index instead.
  { lora: 'common_lora' },
  { tag: 'everywhere', flag: 'pick' },
  { collectionId: 1 },
  { personId: 4, minStars: 3 },
  { template: 'film-noir', flag: 'pick', minStars: 3 },
  { group: 'day' },
  { group: 'day', sort: 'oldest', utcOffsetMinutes: 345 },
  { group: 'day', utcOffsetMinutes: -570 },
  // Not on a quarter-hour: the tallies cannot answer, the rows are grouped instead.
  { group: 'day', utcOffsetMinutes: 7 },
  { group: 'day', flag: 'reject' },
  { group: 'day', trash: true },
  // Days sorted within: the days a window spans are read and sorted.
  { group: 'day', sort: 'stars' },
  { group: 'day', sort: 'likeness', utcOffsetMinutes: 345 },
  { group: 'day', sort: 'seed', flag: 'pick' },
  { group: 'day', sort: 'stars', text: 'bokeh', utcOffsetMinutes: -570 },
  // Read group by group (the grouped indexes and output_batches, migration 14)…
  { group: 'batch' },
  { group: 'batch', sort: 'oldest' },
  { group: 'batch', flag: 'pick' },
  { group: 'batch', minStars: 3, sort: 'oldest' },
  { group: 'template' },
  { group: 'template', label: 'none', from: Date.UTC(2026, 2, 2) },
  { group: 'template', template: 'film-noir' },
  { group: 'person' },
  { group: 'person', minStars: 2 },
  { group: 'person', sort: 'oldest', flag: 'none' },
  { group: 'person', personId: 4 },
  // …and partitioned whole: a search, a LoRA, the trash, another order.
  { group: 'person', text: 'bokeh' },
  { group: 'batch', lora: 'common_lora' },
  { group: 'template', sort: 'oldest', lora: 'common_lora' },
  { group: 'template', trash: true },
  { group: 'batch', sort: 'stars' },
];

describe('windows of the grid’s list', () => {
  for (const query of queries) {
    it(`${JSON.stringify(query)}: windows add up to the whole list, with its total, videos and groups`, () => {
      const rows = reference(query);
      const zone = ((query.utcOffsetMinutes as number | undefined) ?? 0) * 60_000;
      // Days sorted otherwise than by date: newest day first, the sort within each day (a stable sort keeps it).
      if (query.group === 'day' && query.sort !== undefined && query.sort !== 'oldest') {
        rows.sort((a, b) => Math.floor((b.createdAt + zone) / DAY) - Math.floor((a.createdAt + zone) / DAY));
      }
      const whole = catalog.outputs.ids(OutputIdsQuery.parse(query));
      expect(whole.total).toBe(rows.length);
      expect(whole.videos).toBe(rows.filter((r) => r.kind === 'video').length);
      expect(whole.ids.length).toBe(rows.length);
      const group = query.group as string | undefined;
      if (group === 'batch' || group === 'template' || group === 'person') {
        const expected = referenceGroups(rows, group);
        // More than one group, unless the view is one template's or person's.
        expect(expected.length).toBeGreaterThan(query.template || query.personId ? 0 : 1);
        expect(whole.ids).toEqual(expected.flatMap((g) => g.ids));
        expect(whole.groups.map(({ label, start, count, videos }) => ({ label, start, count, videos }))).toEqual(
          expected.map(({ label, start, count, videos }) => ({ label, start, count, videos })),
        );
      } else {
        expect(whole.ids).toEqual(rows.map((r) => r.id));
      }

      const windows = [0, 1, 2, 3, 4].map((i) => catalog.outputs.ids(OutputIdsQuery.parse({ ...query, offset: i * 700, limit: 700 })));
      expect(windows.flatMap((w) => w.ids)).toEqual(whole.ids);
      for (const [i, w] of windows.entries()) {
        expect(w).toMatchObject({ offset: i * 700, total: whole.total, videos: whole.videos, groups: whole.groups });
      }

      if (query.group === 'day') {
        // Days in the viewer's zone, in list order, with their sizes and videos, from the rows themselves.
        const offset = ((query.utcOffsetMinutes as number | undefined) ?? 0) * 60_000;
        const days: { key: string; count: number; videos: number }[] = [];
        for (const row of rows) {
          const key = new Date(Math.floor((row.createdAt + offset) / DAY) * DAY).toISOString().slice(0, 10);
          if (days.at(-1)?.key !== key) days.push({ key, count: 0, videos: 0 });
          days.at(-1)!.count++;
          days.at(-1)!.videos += Number(row.kind === 'video');
        }
        expect(days.length).toBeGreaterThan(1);
        let start = 0;
        expect(whole.groups).toEqual(
          days.map((d) => {
            const group = { key: d.key, label: d.key, start, count: d.count, videos: d.videos };
            start += d.count;
            return group;
          }),
        );
      }
    });
  }

  it('a window past the end is empty and still says how long the list is', () => {
    const past = catalog.outputs.ids(OutputIdsQuery.parse({ flag: 'pick', offset: 1_000_000, limit: 10 }));
    expect(past.ids).toEqual([]);
    expect(past.total).toBe(reference({ flag: 'pick' }).length);
  });
});

describe('facet tallies', () => {
  it('equal a GROUP BY over the live outputs after every kind of write', () => {
    const counts = (sql: string) =>
      (catalog.db.prepare(sql).all() as { value: string | number; count: number }[])
        .map(({ value, count }) => ({ value: String(value), count }))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
    const column = (name: string) =>
      counts(`SELECT ${name} AS value, count(*) AS count FROM outputs WHERE deleted_at IS NULL AND ${name} IS NOT NULL GROUP BY ${name}`);
    const facets: OutputFacets = catalog.outputs.facets();
    const stringValues = (list: { value: string; count: number }[]) => list.map(({ value, count }) => ({ value: String(value), count }));
    expect(facets.total).toBe(catalog.db.prepare('SELECT count(*) FROM outputs WHERE deleted_at IS NULL').pluck().get());
    expect(facets.trash).toBe(catalog.db.prepare('SELECT count(*) FROM outputs WHERE deleted_at IS NOT NULL').pluck().get());
    expect(facets.trash).toBeGreaterThan(0);
    for (const [facet, name] of [
      ['models', 'model'],
      ['templates', 'template'],
      ['providers', 'provider'],
      ['generators', 'generator'],
      ['kinds', 'kind'],
    ] as const) {
      expect(stringValues(facets[facet]), facet).toEqual(column(name));
    }
    expect(facets.models.map((m) => m.value)).toContain('edited.safetensors');
    expect(stringValues(facets.loras)).toEqual(
      counts(
        'SELECT l.name AS value, count(*) AS count FROM output_loras l JOIN outputs o ON o.id = l.output_id WHERE o.deleted_at IS NULL GROUP BY l.name',
      ),
    );
    expect(facets.loras.map((l) => l.value)).toContain('late_lora');
    expect([...facets.tags].sort((a, b) => b.count - a.count || a.value.localeCompare(b.value))).toEqual(
      counts(
        'SELECT t.name AS value, count(*) AS count FROM output_tags ot JOIN tags t ON t.id = ot.tag_id JOIN outputs o ON o.id = ot.output_id WHERE o.deleted_at IS NULL GROUP BY t.id',
      ),
    );
    const people = column('person_id');
    for (const p of facets.people) expect(p.count, p.name).toBe(people.find((c) => c.value === String(p.id))?.count ?? 0);
    expect(facets.collections.map((c) => [c.name, c.count])).toEqual([
      [
        'Kept',
        catalog.db.prepare('SELECT count(*) FROM collection_items ci JOIN outputs o ON o.id = ci.output_id WHERE o.deleted_at IS NULL').pluck().get(),
      ],
    ]);
    // Nothing counted for a collection that is gone, nor below zero.
    expect(catalog.db.prepare('SELECT count(*) FROM output_tallies WHERE count < 0').pluck().get()).toBe(0);
    expect(catalog.db.prepare("SELECT count(*) FROM output_tallies WHERE facet = 'collection' AND count > 0").pluck().get()).toBe(1);
  });

  it('are built for a library that had outputs before the migration', () => {
    const tallies = () => catalog.db.prepare('SELECT facet, value, count FROM output_tallies WHERE count > 0 ORDER BY facet, value').all();
    const kept = tallies();
    // The migration's backfill statements (those that read no trigger row), run on the rows as they are now.
    const backfill = outputTallies.sql.match(/INSERT INTO output_tallies[\s\S]*?;/g)!.filter((statement) => !/\b(new|old)\./.test(statement));
    expect(backfill.length).toBe(4);
    catalog.db.exec('DELETE FROM output_tallies');
    for (const statement of backfill) catalog.db.exec(statement);
    expect(tallies()).toEqual(kept);
  });
});

describe('output_batches (migration 14)', () => {
  /** Each batch's size and newest and oldest outputs (date, then id), counted afresh over every output, trash included. */
  const recounted = () =>
    catalog.db
      .prepare(
        `SELECT b.batch_id, count(*) AS count,
           (SELECT created_at || ':' || id FROM outputs WHERE batch_id = b.batch_id ORDER BY created_at DESC, id DESC LIMIT 1) AS newest,
           (SELECT created_at || ':' || id FROM outputs WHERE batch_id = b.batch_id ORDER BY created_at ASC, id ASC LIMIT 1) AS oldest
         FROM outputs b WHERE b.batch_id IS NOT NULL GROUP BY b.batch_id ORDER BY b.batch_id`,
      )
      .all();
  const kept = () =>
    catalog.db
      .prepare(
        "SELECT batch_id, count, newest_at || ':' || newest_id AS newest, oldest_at || ':' || oldest_id AS oldest FROM output_batches ORDER BY batch_id",
      )
      .all();

  it('equal a count over the outputs after moves, edits of dates, trash and purges', () => {
    expect(kept().length).toBeGreaterThan(50);
    expect(kept()).toEqual(recounted());
  });

  it('follow deletes of a batch’s newest and oldest outputs, down to an empty batch', () => {
    const batch = catalog.db
      .prepare("SELECT id FROM outputs WHERE batch_id = 'batch-20' ORDER BY created_at DESC, id DESC")
      .pluck()
      .all() as number[];
    expect(batch.length).toBeGreaterThan(3);
    const remove = catalog.db.prepare('DELETE FROM outputs WHERE id = ?');
    remove.run(batch[0]);
    remove.run(batch.at(-1));
    expect(kept()).toEqual(recounted());
    // Its dates edited so the newest becomes the oldest.
    catalog.db.prepare('UPDATE outputs SET created_at = 0 WHERE id = ?').run(batch[1]);
    expect(kept()).toEqual(recounted());
    for (const id of batch) remove.run(id);
    expect(catalog.db.prepare("SELECT count(*) FROM output_batches WHERE batch_id = 'batch-20'").pluck().get()).toBe(0);
    expect(kept()).toEqual(recounted());
  });

  it('are built for a library that had outputs before the migration', () => {
    const before = kept();
    const backfill = groupedLists.sql.match(/INSERT INTO output_batches[\s\S]*?;/g)!.filter((statement) => !/\b(new|old)\./.test(statement));
    expect(backfill.length).toBe(1);
    catalog.db.exec('DELETE FROM output_batches');
    catalog.db.exec(backfill[0]!);
    expect(kept()).toEqual(before);
  });
});

describe('what the lists keep between windows', () => {
  it('a search’s matches and a partitioned list are read again once the catalogue changes', () => {
    const search = () => catalog.outputs.ids(OutputIdsQuery.parse({ text: 'quokka', limit: 10 }));
    const byBatch = () => catalog.outputs.ids(OutputIdsQuery.parse({ group: 'batch', limit: 10 }));
    expect(search().total).toBe(0);
    const before = byBatch();
    catalog.addObject({ hash: 'q'.repeat(64), size: 1, mime: 'image/png' });
    const added = catalog.outputs.insert({
      kind: 'image',
      objectHash: 'q'.repeat(64),
      thumbHash: null,
      width: 8,
      height: 8,
      source: 'generate',
      batchId: 'batch-new',
      prompt: 'a quokka, smiling',
      createdAt: Date.UTC(2027, 0, 1),
    });
    expect(search()).toMatchObject({ ids: [added], total: 1 });
    const after = byBatch();
    expect(after.total).toBe(before.total + 1);
    expect(after.ids[0]).toBe(added);
    expect(after.groups[0]).toMatchObject({ key: 'batch-new', count: 1 });
    catalog.outputs.trash([added]);
    expect(search()).toMatchObject({ ids: [], total: 0 });
  });
});
