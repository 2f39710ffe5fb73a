import { OutputFilter, type OutputFacets, type OutputIds, type OutputPage } from '../api/schemas';
import { filterSql, searchTerms, sortSql, type FilterOptions, type ParsedOutputFilter } from './output-filter';
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

const QUARTER_MS = 900_000;
/**
 * The outputs in the trash, and the videos, each through its own small index. Named (INDEXED BY) rather than left to
 * the planner: the statistics `PRAGMA optimize` samples do not tell a partial index of 20,000 rows from an index of a
 * million, and it counted a view's videos along the stars index instead (150 ms at 1,000,000 outputs, not 2).
 */
const TRASHED = 'FROM outputs o INDEXED BY outputs_deleted WHERE o.deleted_at IS NOT NULL';
const VIDEOS = "FROM outputs o INDEXED BY outputs_videos WHERE o.kind = 'video'";
const DAY_MS = 86_400_000;
type Groups = OutputIds['groups'];
/** A whole list in display order, as the partitioning path computes it. */
type WholeList = Omit<OutputIds, 'offset' | 'total'>;

/**
 * The matching ids in display order, or the window `offset`/`limit` of them, with the whole list's total, groups
 * and videos. Lists in an index's order (no grouping, or days in date order) read just the window from the index and
 * count the rest, from the tallies when nothing is filtered: at 1,000,000 outputs a window of 2,000 with its day
 * groups takes a few ms, the whole list over 150; days sorted by stars read the days a window spans. Batches,
 * templates and people are read group by group when their indexes hold the filter (see windowOfGroups); other
 * groupings partition the whole list, kept for the windows that follow until the catalogue changes.
 */
export function outputIds(db: ReadableDb, query: ParsedOutputIdsQuery): OutputIds {
  // Days come in date order whatever the sort: each window reads just the days it spans.
  const inIndexOrder = query.group === 'none' || query.group === 'day';
  if (inIndexOrder) {
    try {
      // One snapshot: the window, its counts and groups are separate statements and must describe the same rows.
      return db.transaction(() => windowInIndexOrder(db, query, snapshotVersion(db))).deferred();
    } catch (error) {
      lastMatches.delete(db);
      throw error;
    }
  }
  if (readsGroupByGroup(query)) {
    try {
      return db.transaction(() => windowOfGroups(db, query, snapshotVersion(db))).deferred();
    } catch (error) {
      lastGroupSpans.delete(db);
      throw error;
    }
  }
  const whole = wholeListCached(db, query);
  const end = query.limit === undefined ? undefined : query.offset + query.limit;
  return { ...whole, ids: whole.ids.slice(query.offset, end), offset: query.offset, total: whole.ids.length };
}

function windowInIndexOrder(db: ReadableDb, query: ParsedOutputIdsQuery, version: number): OutputIds {
  const words = query.text ? searchTerms(query.text).words : [];
  const matched = words.length ? readMatches(db, words.join(' '), version) : undefined;
  if (matched === 0) return { ids: [], offset: query.offset, total: 0, groups: [], videos: 0 };
  const { where, params } = filterSql(query, {
    ...(matched === undefined ? {} : { matches: { table: MATCHES, few: fewMatches(db, matched, query.limit) } }),
    probe: linkedProbes(db, query),
  });
  const condition = where.join(' AND ');
  const byDate = query.sort === 'newest' || query.sort === 'oldest';
  const withinDays = query.group === 'day' && !byDate;
  const holding = groupedIndexHolding(query);
  const ids = withinDays
    ? []
    : (db
        .prepare(`SELECT o.id FROM outputs o ${byDate ? holding : ''} WHERE ${condition} ORDER BY ${sortSql[query.sort]} LIMIT @limit OFFSET @offset`)
        .pluck()
        .all({ ...params, limit: query.limit ?? -1, offset: query.offset }) as number[]);
  // The whole library but the trash: its counts are tallies (migration 13) minus the trash, which is small.
  const everything = where.length === 1 && !query.trash;
  // A search and nothing else: its matches minus those in the trash.
  const onlyWords = words.length > 0 && where.length === 2 && !query.trash;
  const countVideos = () =>
    everything
      ? tally(db, 'kind', 'video') - (db.prepare(`SELECT count(*) ${TRASHED} AND o.kind = 'video'`).pluck().get() as number)
      : // Videos are few: counted from their own index, so counts can say "images" and "videos" truthfully.
        (db.prepare(`SELECT count(*) ${VIDEOS} AND ${condition}`).pluck().get(params) as number);
  if (query.group === 'day') {
    const groups = dayGroups(db, query, condition, params, everything);
    return { ids: withinDays ? windowWithinDays(db, query, condition, params, groups) : ids, offset: query.offset, groups, ...totals(groups) };
  }
  const reachedEnd = query.limit === undefined || ids.length < query.limit;
  const total =
    reachedEnd && (ids.length > 0 || query.offset === 0)
      ? query.offset + ids.length
      : everything
        ? liveTotal(db)
        : onlyWords
          ? matched! - (db.prepare(`SELECT count(*) ${TRASHED} AND ${where[1]}`).pluck().get() as number)
          : (facetTotal(db, query, where, params) ??
            (db.prepare(`SELECT count(*) FROM outputs o ${holding} WHERE ${condition}`).pluck().get(params) as number));
  return { ids, offset: query.offset, total, groups: [], videos: total ? countVideos() : 0 };
}

/**
 * The ids a search's words match, read from the full-text index once into a table of the read connection (temporary:
 * the library file is never written): the window, its counts and the chunks that follow probe it by id. Driving the
 * query from the index's matches sorted them all by date (190 ms for "bokeh" at 1,000,000 outputs); a match list
 * rebuilt per statement cost 25 ms each time. Kept until the words or the catalogue change.
 */
const MATCHES = 'temp.output_matches';
/**
 * Whether to start from the matches (a lookup each, then a sort) rather than from the order's index (a probe per row
 * until the window is full: about window × library / matches of them). Measured at 1,000,000 outputs, a lookup costs
 * about six probes: 37,800 matches took 25 ms one way and 5 ms the other.
 */
function fewMatches(db: ReadableDb, matched: number, limit: number | undefined): boolean {
  const library = tally(db, 'all', '');
  return 6 * matched * matched <= (limit ?? library) * library;
}
const lastMatches = new WeakMap<ReadableDb, { words: string; version: number; count: number }>();

/** Reads the matches of `words` (unless they are there already) and says how many there are. */
function readMatches(db: ReadableDb, words: string, version: number): number {
  const last = lastMatches.get(db);
  if (last && last.words === words && last.version === version) return last.count;
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS output_matches (id INTEGER PRIMARY KEY); DELETE FROM ${MATCHES};`);
  const count = db.prepare(`INSERT INTO ${MATCHES} SELECT rowid FROM outputs_fts WHERE outputs_fts MATCH ?`).run(words).changes;
  lastMatches.set(db, { words, version, count });
  return count;
}

/** For each filter on linked rows: whether it matches too many outputs to gather and sort (its tally says how many). */
function linkedProbes(db: ReadableDb, query: ParsedOutputIdsQuery): FilterOptions['probe'] {
  const many = (facet: string, value: string | number | undefined) => value !== undefined && !fewMatches(db, tally(db, facet, value), query.limit);
  return {
    lora: many('lora', query.lora),
    tag: many('tag', query.tag === undefined ? undefined : tagId(db, query.tag)),
    collectionId: many('collection', query.collectionId),
  };
}

/** The filters whose values are tallied, with the tally that counts each value. */
const tallied = {
  personId: 'person',
  model: 'model',
  template: 'template',
  provider: 'provider',
  generator: 'generator',
  kind: 'kind',
  lora: 'lora',
  tag: 'tag',
  collectionId: 'collection',
} as const;

/**
 * The size of a view filtered on one tallied value and nothing else (a person, a model, a tag… chosen in the library
 * rail): its tally minus the trashed outputs with that value. Undefined for any other view.
 */
function facetTotal(db: ReadableDb, query: ParsedOutputIdsQuery, where: string[], params: Record<string, unknown>): number | undefined {
  if (query.trash || where.length !== 2) return undefined;
  const keys = (Object.keys(tallied) as (keyof typeof tallied)[]).filter((key) => query[key] !== undefined);
  if (keys.length !== 1) return undefined;
  const key = keys[0]!;
  const value = key === 'tag' ? tagId(db, query.tag!) : query[key];
  if (value === undefined) return 0;
  const trashed = db.prepare(`SELECT count(*) ${TRASHED} AND ${where[1]}`).pluck().get(params) as number;
  return tally(db, tallied[key], value) - trashed;
}

/** Tags are tallied by id; filters name them (as typed, trimmed). */
function tagId(db: ReadableDb, name: string): number | undefined {
  return db.prepare('SELECT id FROM tags WHERE name = ?').pluck().get(name.trim()) as number | undefined;
}

function tally(db: ReadableDb, facet: string, value: string | number): number {
  return (db.prepare('SELECT count FROM output_tallies WHERE facet = ? AND value = ?').pluck().get(facet, value) as number | undefined) ?? 0;
}

function totals(groups: Groups): { total: number; videos: number } {
  return groups.reduce((sum, g) => ({ total: sum.total + g.count, videos: sum.videos + g.videos }), { total: 0, videos: 0 });
}

/** The day number (days since 1970-01-01 in the viewer's zone) of an SQL time in ms. */
const daySql = (ms: string, offsetMs: number) => `((${ms} + ${offsetMs}) / ${DAY_MS} - ((${ms} + ${offsetMs}) % ${DAY_MS} < 0))`;

/**
 * Days with how many outputs (and videos) each, in list order. Unfiltered, they are sums of the quarter-hour tallies
 * (every zone's midnight is on a quarter-hour); filtered, a GROUP BY over the filter's index range, videos through the
 * kind index.
 */
function dayGroups(db: ReadableDb, query: ParsedOutputIdsQuery, condition: string, params: Record<string, unknown>, everything: boolean): Groups {
  const offsetMs = query.utcOffsetMinutes * 60_000;
  const days = new Map<number, { count: number; videos: number }>();
  const add = (day: number, count: number, videos: number) => {
    const entry = days.get(day) ?? { count: 0, videos: 0 };
    entry.count += count;
    entry.videos += videos;
    days.set(day, entry);
  };
  type Bucket = { bucket: number; count: number };
  if (everything && offsetMs % QUARTER_MS === 0) {
    const dayOfQuarter = (quarter: number) => Math.floor((quarter * QUARTER_MS + offsetMs) / DAY_MS);
    const quarters = db.prepare('SELECT value AS bucket, count FROM output_tallies WHERE facet = ? AND count > 0');
    for (const q of quarters.all('quarter') as Bucket[]) add(dayOfQuarter(q.bucket), q.count, 0);
    for (const q of quarters.all('video_quarter') as Bucket[]) add(dayOfQuarter(q.bucket), 0, q.count);
    const trashed = db.prepare(
      `SELECT created_at / ${QUARTER_MS} - (created_at % ${QUARTER_MS} < 0) AS bucket, count(*) AS count, sum(kind = 'video') AS videos
       ${TRASHED} GROUP BY bucket`,
    );
    for (const q of trashed.all() as (Bucket & { videos: number })[]) add(dayOfQuarter(q.bucket), -q.count, -q.videos);
  } else {
    const perDay = (from: string) =>
      db
        .prepare(`SELECT ${daySql('o.created_at', offsetMs)} AS bucket, count(*) AS count ${from} AND ${condition} GROUP BY bucket`)
        .all(params) as Bucket[];
    for (const d of perDay('FROM outputs o WHERE true')) add(d.bucket, d.count, 0);
    for (const d of perDay(VIDEOS)) add(d.bucket, 0, d.count);
  }
  const direction = query.sort === 'oldest' ? 1 : -1;
  let start = 0;
  return [...days]
    .filter(([, d]) => d.count > 0)
    .sort(([a], [b]) => direction * (a - b))
    .map(([day, d]) => {
      const key = new Date(day * DAY_MS).toISOString().slice(0, 10);
      const group = { key, label: key, start, count: d.count, videos: d.videos };
      start += d.count;
      return group;
    });
}

/** The groupings read group by group (migration 14): each one's column and its index. */
const groupedBy = {
  batch: { column: 'o.batch_id', index: 'outputs_grouped_by_batch', ownFilter: 'batchId' },
  template: { column: 'o.template', index: 'outputs_grouped_by_template', ownFilter: 'template' },
  person: { column: 'o.person_id', index: 'outputs_grouped_by_person', ownFilter: 'personId' },
} as const;
type GroupKey = string | number | null;
/** Filters on the columns the grouped indexes hold: a group's window and count come from its index alone. */
const coveredFilters = new Set<string>(['flag', 'minStars', 'label', 'from', 'to']);

/** The filters a query sets (a blank search and `false` flags set nothing). */
function activeFilters(query: ParsedOutputFilter): string[] {
  return (Object.keys(OutputFilter.shape) as (keyof ParsedOutputFilter)[]).filter((key) => {
    const value = query[key];
    return value !== undefined && value !== false && !(key === 'text' && !String(value).trim());
  });
}

/**
 * Whether a grouped list is read a window at a time: grouped by batch, template or person, newest or oldest first,
 * outside the trash, filtered only on what the group's index holds. Any other grouped list (a search, a LoRA, by
 * stars…) is partitioned whole, and kept for the windows that follow.
 */
function readsGroupByGroup(query: ParsedOutputIdsQuery): boolean {
  if (query.group === 'none' || query.group === 'day' || query.trash) return false;
  if (query.sort !== 'newest' && query.sort !== 'oldest') return false;
  return heldBy(groupedBy[query.group], activeFilters(query));
}

/** Whether a grouped index holds every one of these filters: the review columns, dates and its own key. */
function heldBy(grouping: (typeof groupedBy)[keyof typeof groupedBy], active: string[]): boolean {
  return active.every((key) => coveredFilters.has(key) || key === grouping.ownFilter);
}

/**
 * `INDEXED BY` the grouped index that holds every filter of a view on one batch, template or person (with flags,
 * stars, labels, dates), or ''. Named because the planner, short of statistics for a new index, counted template +
 * picks + stars ≥ 3 along the stars index with a table lookup per row: 66 ms at 1,000,000 outputs, not 9.
 */
function groupedIndexHolding(query: ParsedOutputIdsQuery): string {
  if (query.trash) return '';
  const active = activeFilters(query);
  const owners = Object.values(groupedBy).filter((g) => active.includes(g.ownFilter));
  return owners.length === 1 && heldBy(owners[0]!, active) ? `INDEXED BY ${owners[0]!.index}` : '';
}

/** A grouped list's groups in list order, read once per query and catalogue version for all its windows. */
interface GroupedList {
  spans: Span[];
  groups: Groups;
  videos: number;
}
const lastGroupSpans = new WeakMap<ReadableDb, { key: string; version: number; list: GroupedList }>();

/**
 * A window of a list grouped by batch, template or person: the groups' sizes first (tallies and `output_batches`
 * when nothing is filtered; one GROUP BY along the group's index otherwise), then each group in the window read from
 * its index range, skipping to the window's place in it. At 1,000,000 outputs the first window took 460–730 ms
 * when the whole list was partitioned for it.
 */
function windowOfGroups(db: ReadableDb, query: ParsedOutputIdsQuery, version: number): OutputIds {
  const { offset: _offset, limit: _limit, ...rest } = query;
  const cacheKey = JSON.stringify(rest);
  const { where, params } = filterSql(query);
  let list = lastGroupSpans.get(db);
  if (!list || list.key !== cacheKey || list.version !== version) {
    list = { key: cacheKey, version, list: groupedList(db, query, where, params) };
    lastGroupSpans.set(db, list);
  }
  const { spans, groups, videos } = list.list;
  const total = spans.reduce((sum, span) => sum + span.count, 0);
  const end = query.limit === undefined ? total : Math.min(total, query.offset + query.limit);
  const { column, index } = groupedBy[query.group as keyof typeof groupedBy];
  const condition = where.join(' AND ');
  const read = (test: string) =>
    db
      .prepare(
        `SELECT o.id FROM outputs o INDEXED BY ${index} WHERE ${condition} AND ${test} ORDER BY ${sortSql[query.sort]} LIMIT @take OFFSET @skip`,
      )
      .pluck();
  const inGroup = read(`${column} = @groupKey`);
  const outsideAny = read(`${column} IS NULL`);
  const ids: number[] = [];
  let start = 0;
  for (const span of spans) {
    if (start >= end) break;
    const stop = start + span.count;
    if (stop > query.offset) {
      const skip = Math.max(0, query.offset - start);
      const take = Math.min(stop, end) - start - skip;
      const members = (
        span.key === null ? outsideAny.all({ ...params, take, skip }) : inGroup.all({ ...params, groupKey: span.key, take, skip })
      ) as number[];
      for (const id of members) ids.push(id);
    }
    start = stop;
  }
  return { ids, offset: query.offset, total, groups, videos };
}

/** A group's key and size; for batches also the date and id of its first output in the list's order. */
type Span = { key: GroupKey; count: number; at?: number; id?: number };

function groupedList(db: ReadableDb, query: ParsedOutputIdsQuery, where: string[], params: Record<string, unknown>): GroupedList {
  const group = query.group as keyof typeof groupedBy;
  const { column, index } = groupedBy[group];
  const condition = where.join(' AND ');
  const everything = where.length === 1;
  // Videos are few: their keys listed from their own index and counted here (a GROUP BY sorted them, 4× slower).
  const videos = new Map<GroupKey, number>();
  for (const key of db.prepare(`SELECT ${column} ${VIDEOS} AND ${condition}`).pluck().all(params) as GroupKey[]) {
    videos.set(key, (videos.get(key) ?? 0) + 1);
  }
  let spans: Span[];
  if (group === 'batch') spans = everything ? liveBatches(db, query) : filteredBatches(db, query, condition, params);
  else if (everything) spans = [...liveTallies(db, group, column)].map(([key, count]) => ({ key, count }));
  else {
    spans = db
      .prepare(`SELECT ${column} AS key, count(*) AS count FROM outputs o INDEXED BY ${index} WHERE ${condition} GROUP BY ${column}`)
      .all(params) as Span[];
  }
  // Unfiltered, the outputs outside any batch, template or person are whatever the live total leaves.
  if (everything) spans.push({ key: null, count: liveTotal(db) - spans.reduce((sum, c) => sum + c.count, 0) });
  spans = spans.filter((c) => c.count > 0);
  const { text, label } = groupNaming(db, query);
  if (group === 'batch') {
    const direction = query.sort === 'oldest' ? 1 : -1;
    spans.sort((a, b) =>
      a.key === null || b.key === null ? Number(a.key === null) - Number(b.key === null) : direction * (a.at! - b.at! || a.id! - b.id!),
    );
  } else {
    spans.sort((a, b) => compareLabels(a.key, b.key, label));
  }
  let start = 0;
  let videoCount = 0;
  const groups = spans.map((c) => {
    const inGroup = videos.get(c.key) ?? 0;
    const g = { key: text(c.key), label: label(c.key), start, count: c.count, videos: inGroup };
    start += c.count;
    videoCount += inGroup;
    return g;
  });
  return { spans, groups, videos: videoCount };
}

/** The live outputs: every output's tally minus those in the trash. */
function liveTotal(db: ReadableDb): number {
  return tally(db, 'all', '') - (db.prepare(`SELECT count(*) ${TRASHED}`).pluck().get() as number);
}

/** Each value's tally (migration 13) minus its outputs in the trash: the live count of every value that has one. */
function liveTallies(db: ReadableDb, facet: string, column: string, join = ''): Map<string | number, number> {
  type Count = { value: string | number; count: number };
  const counts = new Map<string | number, number>(
    (db.prepare('SELECT value, count FROM output_tallies WHERE facet = ? AND count > 0').all(facet) as Count[]).map((c) => [c.value, c.count]),
  );
  const trashed = db.prepare(
    `SELECT ${column} AS value, count(*) AS count ${TRASHED.replace('WHERE', `${join} WHERE`)} AND ${column} IS NOT NULL GROUP BY ${column}`,
  );
  for (const t of trashed.all() as Count[]) counts.set(t.value, (counts.get(t.value) ?? 0) - t.count);
  for (const [value, count] of counts) if (count <= 0) counts.delete(value);
  return counts;
}

/**
 * Every batch with its size and first output, from `output_batches` (migration 14), in the list's order already
 * (so sorting them again is one pass); the few batches with outputs in the trash are read again from their index.
 */
function liveBatches(db: ReadableDb, query: ParsedOutputIdsQuery): Span[] {
  const [at, id, order] = query.sort === 'oldest' ? ['oldest_at', 'oldest_id', 'ASC'] : ['newest_at', 'newest_id', 'DESC'];
  // Rows as arrays: 20,000 batches read as objects took half as long again.
  const rows = db.prepare(`SELECT batch_id, count, ${at}, ${id} FROM output_batches ORDER BY ${at} ${order}, ${id} ${order}`).raw().all() as [
    string,
    number,
    number,
    number,
  ][];
  const spans: Span[] = rows.map(([key, count, first, firstId]) => ({ key, count, at: first, id: firstId }));
  const touched = new Set(db.prepare(`SELECT DISTINCT o.batch_id ${TRASHED} AND o.batch_id IS NOT NULL`).pluck().all() as string[]);
  if (!touched.size) return spans;
  const live = `FROM outputs o INDEXED BY outputs_grouped_by_batch WHERE o.deleted_at IS NULL AND o.batch_id = ?`;
  const liveCount = db.prepare(`SELECT count(*) ${live}`).pluck();
  const liveFirst = db.prepare(`SELECT o.created_at AS at, o.id AS id ${live} ORDER BY ${sortSql[query.sort]} LIMIT 1`);
  for (const span of spans) {
    if (!touched.has(span.key as string)) continue;
    span.count = liveCount.get(span.key) as number;
    Object.assign(span, liveFirst.get(span.key));
  }
  return spans;
}

/**
 * The batches of a filtered view with their sizes and first outputs: one GROUP BY along the batch index for the
 * sizes and first dates; the ids only where two batches begin in the same millisecond.
 */
function filteredBatches(db: ReadableDb, query: ParsedOutputIdsQuery, condition: string, params: Record<string, unknown>): Span[] {
  const oldest = query.sort === 'oldest';
  const from = `FROM outputs o INDEXED BY outputs_grouped_by_batch WHERE ${condition}`;
  const spans = db
    .prepare(`SELECT o.batch_id AS key, count(*) AS count, ${oldest ? 'min' : 'max'}(o.created_at) AS at, 0 AS id ${from} GROUP BY o.batch_id`)
    .all(params) as Span[];
  const batchesAt = new Map<number, number>();
  for (const span of spans) if (span.key !== null) batchesAt.set(span.at!, (batchesAt.get(span.at!) ?? 0) + 1);
  const idAt = db.prepare(`SELECT ${oldest ? 'min' : 'max'}(o.id) ${from} AND o.batch_id = @groupKey AND o.created_at = @at`).pluck();
  for (const span of spans) {
    if (span.key !== null && batchesAt.get(span.at!)! > 1) span.id = idAt.get({ ...params, groupKey: span.key, at: span.at }) as number;
  }
  return spans;
}

/** How a grouping's keys read: as the key text (dates for days) and as the label shown (a person's name). */
function groupNaming(db: ReadableDb, query: ParsedOutputIdsQuery) {
  const names =
    query.group === 'person'
      ? new Map((db.prepare('SELECT id, name FROM people').all() as { id: number; name: string }[]).map((p) => [p.id, p.name]))
      : undefined;
  const text = (key: GroupKey) =>
    key === null ? null : query.group === 'day' ? new Date((key as number) * DAY_MS).toISOString().slice(0, 10) : String(key);
  const label = (key: GroupKey) => (key === null ? null : (names?.get(key as number) ?? text(key)));
  return { text, label };
}

/**
 * A total order on different strings: names the collation holds equal ('café' composed and decomposed, a soft
 * hyphen) would otherwise keep whatever order each path read them in.
 */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Templates and people in the order of their labels (case- and accent-blind), then their keys; none last. */
function compareLabels(a: GroupKey, b: GroupKey, label: (key: GroupKey) => string | null): number {
  return a === null
    ? b === null
      ? 0
      : 1
    : b === null
      ? -1
      : label(a)!.localeCompare(label(b)!, undefined, { sensitivity: 'base' }) || byCodeUnits(String(a), String(b));
}

/**
 * A window of a list by days sorted otherwise than by date (stars, likeness, seed): the outputs of just the days the
 * window spans, read along the date index and put in order of day, then the sort. At 1,000,000 outputs (43,000 on
 * the newest day) the first window took 10 ms, where partitioning the whole list took 353.
 */
function windowWithinDays(db: ReadableDb, query: ParsedOutputIdsQuery, condition: string, params: Record<string, unknown>, groups: Groups): number[] {
  const end = query.limit === undefined ? Infinity : query.offset + query.limit;
  const spanned = groups.filter((g) => g.start + g.count > query.offset && g.start < end);
  if (!spanned.length) return [];
  const offsetMs = query.utcOffsetMinutes * 60_000;
  // Newest day first: the window spans the last group's day up to the end of the first group's.
  const last = spanned.at(-1)!;
  const dayOf = (group: Groups[number]) => Date.parse(`${group.key!}T00:00:00Z`) / DAY_MS;
  return db
    .prepare(
      `SELECT o.id FROM outputs o WHERE ${condition} AND o.created_at >= @dayFrom AND o.created_at < @dayTo
       ORDER BY ${daySql('o.created_at', offsetMs)} DESC, ${sortSql[query.sort]} LIMIT @take OFFSET @skip`,
    )
    .pluck()
    .all({
      ...params,
      dayFrom: dayOf(last) * DAY_MS - offsetMs,
      dayTo: (dayOf(spanned[0]!) + 1) * DAY_MS - offsetMs,
      take: Math.min(end, last.start + last.count) - query.offset,
      skip: query.offset - spanned[0]!.start,
    }) as number[];
}

/** The last whole list partitioned, per connection, with the query and catalogue version it was read for. */
const lastWholeList = new WeakMap<ReadableDb, { key: string; version: number; list: WholeList }>();

function wholeListCached(db: ReadableDb, query: ParsedOutputIdsQuery): WholeList {
  const { offset: _offset, limit: _limit, ...rest } = query;
  const key = JSON.stringify(rest);
  return db
    .transaction(() => {
      const version = snapshotVersion(db);
      const cached = lastWholeList.get(db);
      if (cached && cached.key === key && cached.version === version) return cached.list;
      const list = partitionWholeList(db, query);
      lastWholeList.set(db, { key, version, list });
      return list;
    })
    .deferred();
}

/**
 * The version of the catalogue this read transaction sees: one read starts the snapshot, then PRAGMA data_version
 * holds still until the transaction ends (it moves with other connections' commits between transactions only).
 */
function snapshotVersion(db: ReadableDb): number {
  db.prepare('SELECT 1 FROM output_tallies LIMIT 1').get();
  return db.pragma('data_version', { simple: true }) as number;
}

/**
 * Every matching id in display order, with group boundaries, formed here rather than by an ORDER BY on the group (a
 * window function sorted all 100k rows twice, 220 ms; this is under half): the ids in the chosen order and their group
 * keys, partitioned in one pass. Batches come in the order of their first output (newest first by default: the latest
 * batch on top), templates and people by name, days by date.
 */
function partitionWholeList(db: ReadableDb, query: ParsedOutputIdsQuery): WholeList {
  const { where, params } = filterSql(query);
  const from = `FROM outputs o WHERE ${where.join(' AND ')} ORDER BY ${sortSql[query.sort]}`;
  const ids = db.prepare(`SELECT o.id ${from}`).pluck().all(params) as number[];
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
    keys = keys.map((ms) => Math.floor(((ms as number) + offset) / DAY_MS));
  }
  const partition = new Map<string | number | null, number[]>();
  ids.forEach((id, i) => {
    const key = keys[i] ?? null;
    let members = partition.get(key);
    if (!members) partition.set(key, (members = []));
    members.push(id);
  });
  const { text, label } = groupNaming(db, query);
  const entries = [...partition.entries()];
  if (query.group === 'template' || query.group === 'person') {
    entries.sort(([a], [b]) => compareLabels(a, b, label));
  } else if (query.group === 'day') {
    const direction = query.sort === 'oldest' ? 1 : -1;
    entries.sort(([a], [b]) => direction * ((a as number) - (b as number)));
  } else {
    // Batches by their first output; outputs outside any batch last.
    entries.sort(([a], [b]) => Number(a === null) - Number(b === null));
  }
  const ordered: number[] = [];
  const groups: Groups = entries.map(([key, members]) => {
    const inGroup = videos ? members.reduce((n, id) => n + Number(videoIds.has(id)), 0) : 0;
    const group = { key: text(key), label: label(key), start: ordered.length, count: members.length, videos: inGroup };
    for (const id of members) ordered.push(id);
    return group;
  });
  return { ids: ordered, groups, videos };
}

/**
 * The values each filter can take, with how many live outputs have them: the tallies the triggers keep (migration
 * 13), minus the outputs in the trash (usually few, counted through `outputs_deleted`). 316 ms of GROUP BY over
 * covering indexes at 1,000,000 outputs became a few ms, whatever the library's size.
 */
export function outputFacets(db: ReadableDb): OutputFacets {
  const live = (facet: string, column: string, join?: string) =>
    [...liveTallies(db, facet, column, join)]
      .map(([value, count]) => ({ value: value as string, count }))
      .sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  const column = (facet: string, name: string) => live(facet, `o.${name}`);
  const trash = db.prepare(`SELECT count(*) ${TRASHED}`).pluck().get() as number;
  const people = new Map(column('person', 'person_id').map((c) => [Number(c.value), c.count]));
  const collections = new Map(
    live('collection', 'ci.collection_id', 'JOIN collection_items ci ON ci.output_id = o.id').map((c) => [Number(c.value), c.count]),
  );
  const tagNames = new Map((db.prepare('SELECT id, name FROM tags').all() as { id: number; name: string }[]).map((tag) => [tag.id, tag.name]));
  return {
    total: tally(db, 'all', '') - trash,
    trash,
    picks: db.prepare("SELECT count(*) FROM outputs WHERE deleted_at IS NULL AND flag = 'pick'").pluck().get() as number,
    models: column('model', 'model'),
    templates: column('template', 'template'),
    providers: column('provider', 'provider'),
    generators: column('generator', 'generator'),
    kinds: column('kind', 'kind'),
    loras: live('lora', 'l.name', 'JOIN output_loras l ON l.output_id = o.id'),
    tags: live('tag', 'ot.tag_id', 'JOIN output_tags ot ON ot.output_id = o.id')
      .flatMap((c) => {
        const name = tagNames.get(Number(c.value));
        return name === undefined ? [] : [{ value: name, count: c.count }];
      })
      .sort((a, b) => a.value.localeCompare(b.value, undefined, { sensitivity: 'base' })),
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
