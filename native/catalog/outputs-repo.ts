import { type z } from 'zod';
import { StudioError } from '../api/errors';
import type {
  OutputDetail,
  OutputFacets,
  OutputIds,
  OutputIdsQuery,
  OutputPage,
  OutputQuery,
  OutputSummary,
  ReviewPatch,
  ReviewState,
  ReviewWrite,
} from '../api/schemas';
import { listOutputs, outputFacets, outputIds } from './output-lists';
import { summaryColumns, toSummary, type OutputRow } from './output-rows';
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
    return listOutputs(this.reader(), query);
  }

  /** Every matching id in display order, with group boundaries (output-lists.ts `outputIds`). */
  ids(query: ParsedOutputIdsQuery): OutputIds {
    return outputIds(this.reader(), query);
  }

  /** The values each filter can take, with how many live outputs have them. */
  facets(): OutputFacets {
    return outputFacets(this.reader());
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
