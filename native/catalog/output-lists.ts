import type { OutputFacets, OutputIds, OutputPage } from '../api/schemas';
import { filterSql, sortSql } from './output-filter';
import { summaryColumns, toSummary, type OutputRow } from './output-rows';
import type { ParsedOutputIdsQuery, ParsedOutputQuery } from './outputs-repo';
import type { ReadableDb } from './sqlite';

// The review grid's read side: its lists, ids with groups, and facet counts. Read-only by type and by connection
// (the catalogue passes its read-only one, Catalog.reader): nothing here can write.

/** One page by offset, with the total (the CLI and simple lists; the review grid uses `ids`). */
export function listOutputs(db: ReadableDb, query: ParsedOutputQuery): OutputPage {
  const { where, params } = filterSql(query);
  const from = `FROM outputs o WHERE ${where.join(' AND ')}`;
  const total = db.prepare(`SELECT count(*) ${from}`).pluck().get(params) as number;
  const rows = db
    .prepare(
      `SELECT ${summaryColumns} FROM (SELECT o.id ${from} ORDER BY ${sortSql[query.sort]} LIMIT @limit OFFSET @offset) page
       JOIN outputs o ON o.id = page.id JOIN reviews r ON r.output_id = o.id ORDER BY ${sortSql[query.sort]}`,
    )
    .all({ ...params, limit: query.limit, offset: query.offset }) as OutputRow[];
  return { items: rows.map(toSummary), total };
}

/**
 * Every matching id in display order, with group boundaries: one index range scan of ids only. The grid
 * keeps this list (its length is the total, any position is at hand for scrolling, ranges and "select
 * all") and fetches summaries for the rows on screen.
 *
 * Groups are formed here rather than by an ORDER BY on the group (a window function sorted all 100k rows
 * twice, 220 ms; this is under half): the ids in the chosen order and their group keys, partitioned in one
 * pass. Batches come in the order of their first output (newest first by default: the latest batch on
 * top), templates and people by name, days by date.
 */
export function outputIds(db: ReadableDb, query: ParsedOutputIdsQuery): OutputIds {
  // One snapshot: the ids and their group keys are read by separate statements and must describe the same rows.
  return db.transaction(() => idsInSnapshot(db, query)).deferred();
}

function idsInSnapshot(db: ReadableDb, query: ParsedOutputIdsQuery): OutputIds {
  const { where, params } = filterSql(query);
  const from = `FROM outputs o WHERE ${where.join(' AND ')} ORDER BY ${sortSql[query.sort]}`;
  const ids = db.prepare(`SELECT o.id ${from}`).pluck().all(params) as number[];
  // Videos are few: found through the kind index, so counts can say "images" and "videos" truthfully.
  const videoIds = new Set(
    ids.length
      ? (db
          .prepare(`SELECT o.id FROM outputs o WHERE ${where.join(' AND ')} AND o.kind = 'video'`)
          .pluck()
          .all(params) as number[])
      : [],
  );
  const videos = videoIds.size;
  if (query.group === 'none') return { ids, groups: [], videos };

  const column = { batch: 'o.batch_id', template: 'o.template', person: 'o.person_id', day: 'o.created_at' }[query.group];
  let keys = db.prepare(`SELECT ${column} ${from}`).pluck().all(params) as (string | number | null)[];
  if (query.group === 'day') {
    // Day numbers while partitioning (cheap), dates as text once per group.
    const offset = query.utcOffsetMinutes * 60_000;
    keys = keys.map((ms) => Math.floor(((ms as number) + offset) / 86_400_000));
  }
  const partition = new Map<string | number | null, number[]>();
  ids.forEach((id, i) => {
    const key = keys[i] ?? null;
    let members = partition.get(key);
    if (!members) partition.set(key, (members = []));
    members.push(id);
  });
  const names =
    query.group === 'person'
      ? new Map((db.prepare('SELECT id, name FROM people').all() as { id: number; name: string }[]).map((p) => [p.id, p.name]))
      : undefined;
  const text = (key: string | number | null) =>
    key === null ? null : query.group === 'day' ? new Date((key as number) * 86_400_000).toISOString().slice(0, 10) : String(key);
  const label = (key: string | number | null) => (key === null ? null : (names?.get(key as number) ?? text(key)));
  const entries = [...partition.entries()];
  if (query.group === 'template' || query.group === 'person') {
    entries.sort(([a], [b]) =>
      a === null ? 1 : b === null ? -1 : label(a)!.localeCompare(label(b)!, undefined, { sensitivity: 'base' }) || String(a).localeCompare(String(b)),
    );
  } else if (query.group === 'day') {
    const direction = query.sort === 'oldest' ? 1 : -1;
    entries.sort(([a], [b]) => direction * ((a as number) - (b as number)));
  } else {
    // Batches by their first output; outputs outside any batch last.
    entries.sort(([a], [b]) => Number(a === null) - Number(b === null));
  }
  const ordered: number[] = [];
  const groups: OutputIds['groups'] = entries.map(([key, members]) => {
    const inGroup = videos ? members.reduce((n, id) => n + Number(videoIds.has(id)), 0) : 0;
    const group = { key: text(key), label: label(key), start: ordered.length, count: members.length, videos: inGroup };
    for (const id of members) ordered.push(id);
    return group;
  });
  return { ids: ordered, groups, videos };
}

/**
 * The values each filter can take, with how many live outputs have them. Counted over all outputs from
 * the covering indexes, minus those in the trash (usually few): 443 ms became a few ms at 100k.
 */
export function outputFacets(db: ReadableDb): OutputFacets {
  type Count = { value: string; count: number };
  const live = (all: string, trashed: string): Count[] => {
    const counts = new Map((db.prepare(all).all() as Count[]).map((c) => [c.value, c.count]));
    for (const t of db.prepare(trashed).all() as Count[]) counts.set(t.value, (counts.get(t.value) ?? 0) - t.count);
    return [...counts]
      .filter(([, count]) => count > 0)
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  };
  const column = (name: string) =>
    live(
      `SELECT ${name} AS value, count(*) AS count FROM outputs WHERE ${name} IS NOT NULL GROUP BY ${name}`,
      `SELECT ${name} AS value, count(*) AS count FROM outputs WHERE deleted_at IS NOT NULL AND ${name} IS NOT NULL GROUP BY ${name}`,
    );
  const trash = db.prepare('SELECT count(*) FROM outputs WHERE deleted_at IS NOT NULL').pluck().get() as number;
  const people = new Map(column('person_id').map((c) => [Number(c.value), c.count]));
  const collections = new Map(
    live(
      'SELECT collection_id AS value, count(*) AS count FROM collection_items GROUP BY collection_id',
      'SELECT ci.collection_id AS value, count(*) AS count FROM collection_items ci JOIN outputs o ON o.id = ci.output_id WHERE o.deleted_at IS NOT NULL GROUP BY ci.collection_id',
    ).map((c) => [Number(c.value), c.count]),
  );
  return {
    total: (db.prepare('SELECT count(*) FROM outputs').pluck().get() as number) - trash,
    trash,
    picks: db.prepare("SELECT count(*) FROM outputs WHERE deleted_at IS NULL AND flag = 'pick'").pluck().get() as number,
    models: column('model'),
    templates: column('template'),
    providers: column('provider'),
    generators: column('generator'),
    kinds: column('kind'),
    loras: live(
      'SELECT name AS value, count(*) AS count FROM output_loras GROUP BY name',
      'SELECT l.name AS value, count(*) AS count FROM output_loras l JOIN outputs o ON o.id = l.output_id WHERE o.deleted_at IS NOT NULL GROUP BY l.name',
    ),
    tags: live(
      'SELECT t.name AS value, count(*) AS count FROM output_tags ot JOIN tags t ON t.id = ot.tag_id GROUP BY t.id',
      'SELECT t.name AS value, count(*) AS count FROM output_tags ot JOIN tags t ON t.id = ot.tag_id JOIN outputs o ON o.id = ot.output_id WHERE o.deleted_at IS NOT NULL GROUP BY t.id',
    ).sort((a, b) => a.value.localeCompare(b.value, undefined, { sensitivity: 'base' })),
    people: (db.prepare('SELECT id, name FROM people ORDER BY name COLLATE NOCASE').all() as { id: number; name: string }[]).map((p) => ({
      ...p,
      count: people.get(p.id) ?? 0,
    })),
    collections: (db.prepare('SELECT id, name FROM collections ORDER BY name COLLATE NOCASE').all() as { id: number; name: string }[]).map((c) => ({
      ...c,
      count: collections.get(c.id) ?? 0,
    })),
  };
}
