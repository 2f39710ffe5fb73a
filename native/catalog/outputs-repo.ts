import { type z } from 'zod';
import { StudioError } from '../api/errors';
import type {
  ColorLabel,
  OutputDetail,
  OutputFacets,
  OutputIds,
  OutputIdsQuery,
  OutputPage,
  OutputQuery,
  OutputSummary,
  Review,
  ReviewPatch,
  ReviewState,
  ReviewWrite,
} from '../api/schemas';
import { filterSql, sortSql } from './output-filter';
import type { Db, ReadableDb } from './sqlite';

export type ParsedOutputQuery = z.output<typeof OutputQuery>;
export type ParsedOutputIdsQuery = z.output<typeof OutputIdsQuery>;

/** What a producer (import, generation, restore, reel) knows about a new output. */
export interface NewOutput {
  kind: 'image' | 'video';
  objectHash: string;
  thumbHash: string | null;
  width: number;
  height: number;
  durationMs?: number | null;
  source: string;
  generator?: string | null;
  jobId?: number | null;
  personId?: number | null;
  batchId?: string | null;
  template?: string | null;
  model?: string | null;
  modelHash?: string | null;
  loras?: { name: string; weight: number | null; hash: string | null }[];
  prompt?: string | null;
  negativePrompt?: string | null;
  seed?: number | null;
  steps?: number | null;
  scheduler?: string | null;
  guidance?: number | null;
  provider?: string | null;
  appVersion?: string | null;
  timings?: Record<string, number> | null;
  provenance?: Record<string, unknown>;
  originalName?: string | null;
  originalPath?: string | null;
  createdAt?: number;
}

interface OutputRow {
  id: number;
  kind: 'image' | 'video';
  object_hash: string;
  thumb_hash: string | null;
  width: number;
  height: number;
  duration_ms: number | null;
  source: string;
  generator: string | null;
  job_id: number | null;
  person_id: number | null;
  batch_id: string | null;
  template: string | null;
  model: string | null;
  model_hash: string | null;
  loras: string;
  prompt: string | null;
  negative_prompt: string | null;
  seed: number | null;
  steps: number | null;
  scheduler: string | null;
  guidance: number | null;
  provider: string | null;
  app_version: string | null;
  timings: string | null;
  provenance: string;
  original_name: string | null;
  original_path: string | null;
  created_at: number;
  deleted_at: number | null;
  flag: 'pick' | 'reject' | null;
  stars: number | null;
  label: ColorLabel | null;
  note: string | null;
  review_updated_at: number | null;
  likeness: number | null;
}

const summaryColumns = `o.id, o.kind, o.object_hash, o.thumb_hash, o.width, o.height, o.duration_ms, o.source, o.generator,
  o.person_id, o.prompt, o.seed, o.model, o.template, o.batch_id, o.original_name, o.created_at, o.deleted_at,
  r.flag, r.stars, r.label, r.note, r.updated_at AS review_updated_at, o.likeness`;

function toReview(row: Pick<OutputRow, 'flag' | 'stars' | 'label' | 'note' | 'review_updated_at'>): Review {
  return { flag: row.flag, stars: row.stars ?? 0, label: row.label, note: row.note ?? '', updatedAt: row.review_updated_at };
}

function toSummary(row: OutputRow): OutputSummary {
  return {
    id: row.id,
    kind: row.kind,
    hash: row.object_hash,
    thumbHash: row.thumb_hash,
    width: row.width,
    height: row.height,
    durationMs: row.duration_ms,
    source: row.source,
    generator: row.generator,
    personId: row.person_id,
    prompt: row.prompt,
    seed: row.seed,
    model: row.model,
    template: row.template,
    batchId: row.batch_id,
    originalName: row.original_name,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
    review: toReview(row),
    likeness: row.likeness,
  };
}

function notFound(id: number): StudioError {
  return new StudioError('NOT_FOUND', `No output with id ${id}.`, 'It may have been deleted; reload the page.');
}

/** SQLite allows 32,766 bound parameters; id lists are sent in chunks well below that. */
const ID_CHUNK = 5_000;
function chunks<T>(list: readonly T[], size = ID_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

type ReviewField = 'flag' | 'stars' | 'label' | 'note' | 'tags';

export class OutputsRepository {
  /** `reader`: the library's read-only connection, for the lists and counts that only read. */
  constructor(
    private readonly db: Db,
    private readonly reader: () => ReadableDb,
  ) {}

  /** Inserts the output and its (empty) review row in one transaction; returns the new id. */
  insert(output: NewOutput): number {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO outputs (kind, object_hash, thumb_hash, width, height, duration_ms, source, generator, job_id, person_id,
             batch_id, template, model, model_hash, loras, prompt, negative_prompt, seed, steps, scheduler, guidance, provider,
             app_version, timings, provenance, original_name, original_path, created_at)
           VALUES (@kind, @objectHash, @thumbHash, @width, @height, @durationMs, @source, @generator, @jobId, @personId,
             @batchId, @template, @model, @modelHash, @loras, @prompt, @negativePrompt, @seed, @steps, @scheduler, @guidance, @provider,
             @appVersion, @timings, @provenance, @originalName, @originalPath, @createdAt)`,
        )
        .run({
          kind: output.kind,
          objectHash: output.objectHash,
          thumbHash: output.thumbHash,
          width: output.width,
          height: output.height,
          durationMs: output.durationMs ?? null,
          source: output.source,
          generator: output.generator ?? null,
          jobId: output.jobId ?? null,
          personId: output.personId ?? null,
          batchId: output.batchId ?? null,
          template: output.template ?? null,
          model: output.model ?? null,
          modelHash: output.modelHash ?? null,
          loras: JSON.stringify(output.loras ?? []),
          prompt: output.prompt ?? null,
          negativePrompt: output.negativePrompt ?? null,
          seed: output.seed ?? null,
          steps: output.steps ?? null,
          scheduler: output.scheduler ?? null,
          guidance: output.guidance ?? null,
          provider: output.provider ?? null,
          appVersion: output.appVersion ?? null,
          timings: output.timings ? JSON.stringify(output.timings) : null,
          provenance: JSON.stringify(output.provenance ?? {}),
          originalName: output.originalName ?? null,
          originalPath: output.originalPath ?? null,
          createdAt: output.createdAt ?? Date.now(),
        });
      const id = Number(info.lastInsertRowid);
      this.db.prepare('INSERT INTO reviews (output_id) VALUES (?)').run(id);
      return id;
    })();
  }

  idByHash(hash: string): number | undefined {
    return (this.db.prepare('SELECT id FROM outputs WHERE object_hash = ?').pluck().get(hash) as number | undefined) ?? undefined;
  }

  /** The job that made or imported an output (null for outputs added outside a job). */
  jobIdOf(id: number): number | null {
    return (this.db.prepare('SELECT job_id FROM outputs WHERE id = ?').pluck().get(id) as number | null | undefined) ?? null;
  }

  summary(id: number): OutputSummary {
    const row = this.db.prepare(`SELECT ${summaryColumns} FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE o.id = ?`).get(id) as
      OutputRow | undefined;
    if (!row) throw notFound(id);
    return toSummary(row);
  }

  /** Summaries of the given outputs, in the order asked for; ids that do not exist are left out. */
  summaries(ids: readonly number[]): OutputSummary[] {
    const byId = new Map<number, OutputSummary>();
    for (const chunk of chunks(ids)) {
      const rows = this.db
        .prepare(`SELECT ${summaryColumns} FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE o.id IN (SELECT value FROM json_each(?))`)
        .all(JSON.stringify(chunk)) as OutputRow[];
      for (const row of rows) byId.set(row.id, toSummary(row));
    }
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  get(id: number): OutputDetail {
    const row = this.db
      .prepare(
        `SELECT o.*, r.flag, r.stars, r.label, r.note, r.updated_at AS review_updated_at FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE o.id = ?`,
      )
      .get(id) as OutputRow | undefined;
    if (!row) throw notFound(id);
    const collections = this.db
      .prepare('SELECT c.id, c.name FROM collection_items ci JOIN collections c ON c.id = ci.collection_id WHERE ci.output_id = ? ORDER BY c.name')
      .all(id) as { id: number; name: string }[];
    return {
      ...toSummary(row),
      negativePrompt: row.negative_prompt,
      steps: row.steps,
      scheduler: row.scheduler,
      guidance: row.guidance,
      modelHash: row.model_hash,
      loras: JSON.parse(row.loras) as OutputDetail['loras'],
      provider: row.provider,
      appVersion: row.app_version,
      timings: row.timings ? (JSON.parse(row.timings) as Record<string, number>) : null,
      jobId: row.job_id,
      originalPath: row.original_path,
      provenance: JSON.parse(row.provenance) as Record<string, unknown>,
      tags: this.tagsOf(id),
      collections,
    };
  }

  /** One page by offset, with the total (the CLI and simple lists; the review grid uses `ids`). */
  list(query: ParsedOutputQuery): OutputPage {
    const { where, params } = filterSql(query);
    const from = `FROM outputs o WHERE ${where.join(' AND ')}`;
    const total = this.reader().prepare(`SELECT count(*) ${from}`).pluck().get(params) as number;
    const rows = this.reader()
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
  ids(query: ParsedOutputIdsQuery): OutputIds {
    // One snapshot: the ids and their group keys are read by separate statements and must describe the same rows.
    return this.reader()
      .transaction(() => this.idsInSnapshot(query))
      .deferred();
  }

  private idsInSnapshot(query: ParsedOutputIdsQuery): OutputIds {
    const { where, params } = filterSql(query);
    const from = `FROM outputs o WHERE ${where.join(' AND ')} ORDER BY ${sortSql[query.sort]}`;
    const ids = this.reader().prepare(`SELECT o.id ${from}`).pluck().all(params) as number[];
    // Videos are few: found through the kind index, so counts can say "images" and "videos" truthfully.
    const videoIds = new Set(
      ids.length
        ? (this.reader()
            .prepare(`SELECT o.id FROM outputs o WHERE ${where.join(' AND ')} AND o.kind = 'video'`)
            .pluck()
            .all(params) as number[])
        : [],
    );
    const videos = videoIds.size;
    if (query.group === 'none') return { ids, groups: [], videos };

    const column = { batch: 'o.batch_id', template: 'o.template', person: 'o.person_id', day: 'o.created_at' }[query.group];
    let keys = this.reader().prepare(`SELECT ${column} ${from}`).pluck().all(params) as (string | number | null)[];
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
        ? new Map((this.reader().prepare('SELECT id, name FROM people').all() as { id: number; name: string }[]).map((p) => [p.id, p.name]))
        : undefined;
    const text = (key: string | number | null) =>
      key === null ? null : query.group === 'day' ? new Date((key as number) * 86_400_000).toISOString().slice(0, 10) : String(key);
    const label = (key: string | number | null) => (key === null ? null : (names?.get(key as number) ?? text(key)));
    const entries = [...partition.entries()];
    if (query.group === 'template' || query.group === 'person') {
      entries.sort(([a], [b]) =>
        a === null
          ? 1
          : b === null
            ? -1
            : label(a)!.localeCompare(label(b)!, undefined, { sensitivity: 'base' }) || String(a).localeCompare(String(b)),
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
  facets(): OutputFacets {
    type Count = { value: string; count: number };
    const live = (all: string, trashed: string): Count[] => {
      const counts = new Map((this.reader().prepare(all).all() as Count[]).map((c) => [c.value, c.count]));
      for (const t of this.reader().prepare(trashed).all() as Count[]) counts.set(t.value, (counts.get(t.value) ?? 0) - t.count);
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
    const trash = this.reader().prepare('SELECT count(*) FROM outputs WHERE deleted_at IS NOT NULL').pluck().get() as number;
    const people = new Map(column('person_id').map((c) => [Number(c.value), c.count]));
    const collections = new Map(
      live(
        'SELECT collection_id AS value, count(*) AS count FROM collection_items GROUP BY collection_id',
        'SELECT ci.collection_id AS value, count(*) AS count FROM collection_items ci JOIN outputs o ON o.id = ci.output_id WHERE o.deleted_at IS NOT NULL GROUP BY ci.collection_id',
      ).map((c) => [Number(c.value), c.count]),
    );
    return {
      total: (this.reader().prepare('SELECT count(*) FROM outputs').pluck().get() as number) - trash,
      trash,
      picks: this.reader().prepare("SELECT count(*) FROM outputs WHERE deleted_at IS NULL AND flag = 'pick'").pluck().get() as number,
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
      people: (this.reader().prepare('SELECT id, name FROM people ORDER BY name COLLATE NOCASE').all() as { id: number; name: string }[]).map(
        (p) => ({
          ...p,
          count: people.get(p.id) ?? 0,
        }),
      ),
      collections: (
        this.reader().prepare('SELECT id, name FROM collections ORDER BY name COLLATE NOCASE').all() as { id: number; name: string }[]
      ).map((c) => ({
        ...c,
        count: collections.get(c.id) ?? 0,
      })),
    };
  }

  tagsOf(id: number): string[] {
    return this.db
      .prepare('SELECT t.name FROM output_tags ot JOIN tags t ON t.id = ot.tag_id WHERE ot.output_id = ? ORDER BY t.name COLLATE NOCASE')
      .pluck()
      .all(id) as string[];
  }

  /** The current review fields of the given outputs (only the fields asked for). */
  reviewStates(ids: readonly number[], fields: readonly ReviewField[]): ReviewState[] {
    const read = this.db.prepare('SELECT flag, stars, label, note FROM reviews WHERE output_id = ?');
    return ids.map((id) => {
      const row = read.get(id) as { flag: ReviewState['flag']; stars: number; label: ReviewState['label']; note: string } | undefined;
      if (!row) throw notFound(id);
      const state: ReviewState = { id };
      if (fields.includes('flag')) state.flag = row.flag;
      if (fields.includes('stars')) state.stars = row.stars;
      if (fields.includes('label')) state.label = row.label;
      if (fields.includes('note')) state.note = row.note;
      if (fields.includes('tags')) state.tags = this.tagsOf(id);
      return state;
    });
  }

  /**
   * Writes a review change for every id in one transaction and returns the fields before and after (the
   * UI's undo writes `before` back). Durable on return: see `durably`.
   */
  setReview(patch: z.output<typeof ReviewPatch>): ReviewWrite {
    const fields = (['flag', 'stars', 'label', 'note'] as const).filter((field) => patch[field] !== undefined);
    const touched: ReviewField[] = [...fields, ...(patch.addTags?.length || patch.removeTags?.length ? (['tags'] as const) : [])];
    const ids = [...new Set(patch.ids)];
    return this.durably(() => {
      const before = this.reviewStates(ids, touched);
      const now = Date.now();
      const params: Record<string, unknown> = { now };
      for (const field of fields) params[field] = patch[field];
      const sets = ['updated_at = @now', ...fields.map((field) => `${field} = @${field}`)];
      const update = this.db.prepare(`UPDATE reviews SET ${sets.join(', ')} WHERE output_id = @id`);
      const touch = this.db.prepare('UPDATE reviews SET updated_at = @now WHERE output_id = @id');
      let updated = 0;
      for (const id of ids) {
        updated += (fields.length ? update : touch).run({ ...params, id }).changes;
        for (const tag of patch.addTags ?? []) this.addTag(id, tag);
        for (const tag of patch.removeTags ?? []) this.removeTag(id, tag);
      }
      return { updated, before, after: this.reviewStates(ids, touched), savedAt: now };
    });
  }

  /** Writes exact review states (undo and redo): each state's given fields, tags as the complete list. */
  putReview(states: readonly ReviewState[], expected?: readonly ReviewState[]): ReviewWrite {
    const fieldsOf = (s: ReviewState) => (['flag', 'stars', 'label', 'note', 'tags'] as const).filter((f) => s[f] !== undefined);
    return this.durably(() => {
      // An undo from one window must not overwrite what another window decided since: the caller says what it
      // believes is there, and a difference refuses the whole write (the transaction rolls back).
      if (expected?.length) {
        const changed = expected.filter((want) => !sameReviewState(this.reviewStates([want.id], fieldsOf(want))[0]!, want)).map((s) => s.id);
        if (changed.length)
          throw new StudioError(
            'CONFLICT',
            changed.length === 1
              ? `Output ${changed[0]} was changed elsewhere (another tab or window) since this decision.`
              : `${changed.length} outputs were changed elsewhere (another tab or window) since this decision.`,
            'Nothing was overwritten: the newer decision stays. Look at the image again and decide there.',
            { changed },
          );
      }
      const now = Date.now();
      const before: ReviewState[] = [];
      const after: ReviewState[] = [];
      let updated = 0;
      for (const state of states) {
        const fields = fieldsOf(state);
        before.push(...this.reviewStates([state.id], fields));
        const columns = fields.filter((f) => f !== 'tags');
        const sets = ['updated_at = @now', ...columns.map((field) => `${field} = @${field}`)];
        const params: Record<string, unknown> = { now, id: state.id };
        for (const field of columns) params[field] = state[field];
        updated += this.db.prepare(`UPDATE reviews SET ${sets.join(', ')} WHERE output_id = @id`).run(params).changes;
        if (state.tags) {
          const wanted = new Set(state.tags.map((t) => t.toLowerCase()));
          for (const tag of this.tagsOf(state.id)) if (!wanted.has(tag.toLowerCase())) this.removeTag(state.id, tag);
          for (const tag of state.tags) this.addTag(state.id, tag);
        }
        after.push(...this.reviewStates([state.id], fields));
      }
      return { updated, before, after, savedAt: now };
    });
  }

  private addTag(outputId: number, name: string): void {
    const tag = name.trim();
    this.db.prepare('INSERT INTO tags (name) VALUES (?) ON CONFLICT (name) DO NOTHING').run(tag);
    this.db.prepare('INSERT OR IGNORE INTO output_tags (output_id, tag_id) SELECT ?, id FROM tags WHERE name = ?').run(outputId, tag);
  }

  private removeTag(outputId: number, name: string): void {
    this.db.prepare('DELETE FROM output_tags WHERE output_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)').run(outputId, name.trim());
  }

  /**
   * Runs a write in one transaction with `synchronous = FULL`: the WAL is synced to disk before the call
   * returns, so a decision the UI shows as saved survives a crash of the process and of the machine.
   * (The library's default, NORMAL, survives a process crash only.)
   */
  durably<T>(write: () => T): T {
    const previous = this.db.pragma('synchronous', { simple: true }) as number;
    this.db.pragma('synchronous = FULL');
    try {
      return this.db.transaction(write)();
    } finally {
      this.db.pragma(`synchronous = ${previous}`);
    }
  }

  /** Moves outputs to the trash; returns the ids that were not there yet. */
  trash(ids: readonly number[]): number[] {
    return this.durably(() => {
      const now = Date.now();
      const statement = this.db.prepare('UPDATE outputs SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL');
      return ids.filter((id) => statement.run(now, id).changes > 0);
    });
  }

  /** Takes outputs out of the trash; returns the ids that were in it. */
  restore(ids: readonly number[]): number[] {
    return this.durably(() => {
      const statement = this.db.prepare('UPDATE outputs SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL');
      return ids.filter((id) => statement.run(id).changes > 0);
    });
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM outputs WHERE deleted_at IS NULL').pluck().get() as number;
  }
}

/** Whether two review states agree on the fields `want` carries (tags as sets, case-insensitive). */
function sameReviewState(have: ReviewState, want: ReviewState): boolean {
  const tags = (list: readonly string[] | undefined) => [...new Set((list ?? []).map((t) => t.toLowerCase()))].sort().join('\n');
  return (
    (want.flag === undefined || (have.flag ?? null) === (want.flag ?? null)) &&
    (want.stars === undefined || have.stars === want.stars) &&
    (want.label === undefined || (have.label ?? null) === (want.label ?? null)) &&
    (want.note === undefined || have.note === want.note) &&
    (want.tags === undefined || tags(have.tags) === tags(want.tags))
  );
}
