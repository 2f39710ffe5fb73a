import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillOutputs } from '../../bench/fill-library';
import { OutputIdsQuery } from '../api/schemas';
import { Catalog } from './catalog';

// The indexes the migrations promise, pinned by SQLite's own EXPLAIN QUERY PLAN of the statements the repository
// really runs (captured as it runs them): dropping or reshaping an index fails here, not in a 100,000-output library.

let root: string;
let catalog: Catalog;

/**
 * The statements `call` runs, with their parameters, and SQLite's plan for each: on the writable connection and on
 * the read-only one the lists read through.
 */
function plansOf(call: () => unknown): { sql: string; plan: string }[] {
  const seen: { sql: string; params: unknown[]; connection: number }[] = [];
  const connections = [catalog.db, catalog.reader];
  const originals = connections.map((db) => db.prepare.bind(db));
  connections.forEach((db, i) => {
    const prepare = originals[i]!;
    db.prepare = ((sql: string) => {
      const statement = prepare(sql);
      const record =
        (method: 'all' | 'get' | 'iterate') =>
        (...params: unknown[]) => {
          seen.push({ sql, params, connection: i });
          return (statement[method] as (...p: unknown[]) => unknown)(...params);
        };
      const wrapped: Record<string, unknown> = {};
      const proxy: unknown = new Proxy(statement, {
        get(target, key) {
          if (key === 'all' || key === 'get' || key === 'iterate') return (wrapped[key] ??= record(key));
          const value = Reflect.get(target, key) as unknown;
          // pluck(), raw() … return the statement itself: keep handing out the recording one.
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            return result === target ? proxy : result;
          };
        },
      });
      return proxy;
    }) as typeof db.prepare;
  });
  try {
    call();
  } finally {
    connections.forEach((db, i) => (db.prepare = originals[i]!));
  }
  return (
    seen
      // Not the read that starts a snapshot (output-lists' snapshotVersion): it reads one row and plans nothing.
      .filter((s) => /^\s*SELECT/i.test(s.sql) && !/^SELECT 1 FROM output_tallies LIMIT 1$/.test(s.sql))
      .map(({ sql, params, connection }) => ({
        sql,
        // On the statement's own connection: the read connection has temporary tables of its own.
        plan: (originals[connection]!(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((row) => row.detail).join(' | '),
      }))
  );
}

const idsOf = (query: Record<string, unknown>) => () => catalog.outputs.ids(OutputIdsQuery.parse(query));

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'likeness-plans-'));
  catalog = Catalog.open(root);
  // Enough rows, and ANALYZE, for the planner to choose as it would in a real library.
  fillOutputs(catalog, { count: 3_000 });
  catalog.db.exec('ANALYZE');
});
afterAll(() => {
  catalog?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the grid’s queries use the indexes the migrations promise', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['newest first', {}, 'outputs_by_date'],
    ['oldest first', { sort: 'oldest' }, 'outputs_by_date'],
    ['picks', { flag: 'pick' }, 'outputs_by_flag'],
    ['rejects, oldest first', { flag: 'reject', sort: 'oldest' }, 'outputs_by_flag'],
    ['by stars', { sort: 'stars' }, 'outputs_by_stars'],
    ['by likeness', { sort: 'likeness' }, 'outputs_by_likeness'],
  ];
  for (const [what, query, index] of cases) {
    it(`${what}: an index-only scan of ${index}, no table scan, no sort`, () => {
      const [ids] = plansOf(idsOf(query));
      expect(ids!.plan).toMatch(new RegExp(`USING COVERING INDEX ${index}\\b`));
      expect(ids!.plan).not.toMatch(/SCAN o\b(?! USING)|USE TEMP B-TREE/);
    });
  }

  it('at least N stars: a range of the stars index', () => {
    const [ids] = plansOf(idsOf({ minStars: 4, sort: 'stars' }));
    expect(ids!.plan).toMatch(/USING COVERING INDEX outputs_by_stars \(deleted_at=\? AND stars>\?\)/);
  });

  it('the videos of a view are counted from the videos’ own index, with the filter’s columns in it', () => {
    for (const query of [{ model: 'sd_xl_base_1.0.safetensors' }, { flag: 'pick' }, { minStars: 4 }, { text: 'bokeh' }]) {
      const plans = plansOf(idsOf({ ...query, limit: 50 }));
      const videos = plans.find((p) => /o\.kind = 'video'/.test(p.sql))!;
      expect(videos.plan, `${JSON.stringify(query)}: ${videos.plan}`).toMatch(/^SEARCH o USING COVERING INDEX outputs_videos \(/);
    }
  });

  it('a LoRA on many outputs is probed by key along the date index, not gathered and sorted', () => {
    const window = plansOf(idsOf({ lora: 'detail_tweaker', limit: 50 })).find((p) => /ORDER BY/.test(p.sql))!;
    expect(window.plan).toMatch(/USING COVERING INDEX outputs_by_date .*SEARCH l USING PRIMARY KEY \(output_id=\? AND name=\?\)/);
    expect(window.plan).not.toMatch(/TEMP B-TREE/);
  });

  it('a search reads its matches once, then probes them by id along the date index', () => {
    const plans = plansOf(idsOf({ text: 'bokeh', limit: 50 }));
    const window = plans.find((p) => /ORDER BY/.test(p.sql))!;
    expect(window.plan).toMatch(/USING COVERING INDEX outputs_by_date .*SEARCH m USING INTEGER PRIMARY KEY/);
    expect(window.plan).not.toMatch(/TEMP B-TREE|outputs_fts/);
  });

  it('the whole library’s window reads its counts from the tallies, no count over the outputs', () => {
    for (const query of [{ limit: 50 }, { limit: 50, group: 'day' }]) {
      const plans = plansOf(idsOf(query));
      const counts = plans.filter((p) => /count\(\*\)|output_tallies/.test(p.sql));
      expect(counts.length, JSON.stringify(query)).toBeGreaterThan(0);
      for (const { sql, plan } of counts) {
        // Tallies by primary key; the only rows counted are the trashed ones, through their partial index.
        if (/output_tallies/.test(sql)) expect(plan, sql).toMatch(/SEARCH output_tallies USING PRIMARY KEY \(facet=\?/);
        else expect(plan, sql).toMatch(/USING (COVERING )?INDEX outputs_deleted/);
      }
    }
  });

  it('a batch, a model, a template: an index led by that column (the grouped ones hold the review columns too)', () => {
    for (const [field, value, index] of [
      ['batchId', 'b1', 'outputs_grouped_by_batch'],
      ['model', 'sd_xl_base_1.0.safetensors', 'outputs_by_model'],
      ['template', 'film-noir', 'outputs_grouped_by_template'],
    ] as const) {
      const [ids] = plansOf(idsOf({ [field]: value }));
      expect(ids!.plan, field).toMatch(new RegExp(`INDEX ${index}\\b`));
    }
  });

  it('a list grouped by batch, template or person reads each group of its window from the group’s index, no sort', () => {
    for (const [group, filter] of [
      ['batch', {}],
      ['batch', { flag: 'pick' }],
      ['template', {}],
      ['template', { minStars: 3 }],
      ['person', { label: 'none' }],
    ] as const) {
      const what = JSON.stringify({ group, ...filter });
      const plans = plansOf(idsOf({ group, ...filter, limit: 200 }));
      const windows = plans.filter((p) => /LIMIT @take OFFSET @skip/.test(p.sql));
      expect(windows.length, what).toBeGreaterThan(0);
      for (const { plan } of windows) {
        expect(plan, what).toMatch(new RegExp(`^SEARCH o USING COVERING INDEX outputs_grouped_by_${group} \\(deleted_at=\\? AND \\w+_?\\w*[=>]`));
        expect(plan, what).not.toMatch(/TEMP B-TREE/);
      }
      // No statement reads the whole list in order (the partitioning path).
      for (const { sql, plan } of plans) if (/FROM outputs/.test(sql)) expect(plan, `${what}: ${sql}`).not.toMatch(/SCAN (outputs|o)\b(?! USING)/);
      expect(
        plans.some((p) => /^SELECT o\.id FROM outputs o WHERE .* ORDER BY [^L]*$/.test(p.sql)),
        what,
      ).toBe(false);
    }
  });

  it('one template with picks and stars: its window and its count along the template’s grouped index alone', () => {
    const plans = plansOf(idsOf({ template: 'film-noir', flag: 'pick', minStars: 3, limit: 20 }));
    const window = plans.find((p) => /ORDER BY/.test(p.sql))!;
    const count = plans.find((p) => /^SELECT count\(\*\) FROM outputs o INDEXED BY/.test(p.sql))!;
    for (const { plan } of [window, count]) {
      expect(plan).toMatch(/^SEARCH o USING COVERING INDEX outputs_grouped_by_template \(deleted_at=\? AND template=\?\)/);
      expect(plan).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('days sorted by stars read the days their window spans along the date index, not the whole list', () => {
    const plans = plansOf(idsOf({ group: 'day', sort: 'stars', limit: 200 }));
    const window = plans.find((p) => /@dayFrom/.test(p.sql))!;
    expect(window.plan).toMatch(/^SEARCH o USING COVERING INDEX outputs_by_date \(deleted_at=\? AND created_at>\? AND created_at<\?\)/);
    for (const { sql, plan } of plans) if (/FROM outputs/.test(sql)) expect(plan, sql).not.toMatch(/SCAN (outputs|o)\b/);
  });

  it('facets are counted from covering indexes, not by reading the outputs table', () => {
    const plans = plansOf(() => catalog.outputs.facets());
    expect(plans.length).toBeGreaterThan(0);
    // A table scan shows as "SCAN outputs" / "SCAN o" without USING an index, anywhere in the plan.
    for (const { sql, plan } of plans) if (/FROM outputs/.test(sql)) expect(plan, sql).not.toMatch(/SCAN (outputs|o)\b(?! USING)/);
  });
});
