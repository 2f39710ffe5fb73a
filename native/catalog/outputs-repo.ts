import { type z } from 'zod';
import { StudioError } from '../api/errors';
import type { ColorLabel, OutputDetail, OutputPage, OutputQuery, OutputSummary, Review, ReviewPatch } from '../api/schemas';

export type ParsedOutputQuery = z.output<typeof OutputQuery>;
import type { Db } from './sqlite';

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
  flag: 'pick' | 'reject' | null;
  stars: number | null;
  label: ColorLabel | null;
  note: string | null;
  review_updated_at: number | null;
}

const summaryColumns = `o.id, o.kind, o.object_hash, o.thumb_hash, o.width, o.height, o.duration_ms, o.source, o.generator,
  o.person_id, o.prompt, o.seed, o.model, o.original_name, o.created_at,
  r.flag, r.stars, r.label, r.note, r.updated_at AS review_updated_at`;

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
    originalName: row.original_name,
    createdAt: row.created_at,
    review: toReview(row),
  };
}

const sortOrder: Record<ParsedOutputQuery['sort'], string> = {
  newest: 'o.created_at DESC, o.id DESC',
  oldest: 'o.created_at ASC, o.id ASC',
  stars: 'r.stars DESC, o.created_at DESC, o.id DESC',
  seed: 'o.seed IS NULL, o.seed ASC, o.id ASC',
};

export class OutputsRepository {
  constructor(private readonly db: Db) {}

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

  summary(id: number): OutputSummary {
    const row = this.db.prepare(`SELECT ${summaryColumns} FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE o.id = ?`).get(id) as
      OutputRow | undefined;
    if (!row) throw new StudioError('NOT_FOUND', `No output with id ${id}.`, 'It may have been deleted; reload the page.');
    return toSummary(row);
  }

  get(id: number): OutputDetail {
    const row = this.db
      .prepare(
        `SELECT o.*, r.flag, r.stars, r.label, r.note, r.updated_at AS review_updated_at FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE o.id = ?`,
      )
      .get(id) as OutputRow | undefined;
    if (!row) throw new StudioError('NOT_FOUND', `No output with id ${id}.`, 'It may have been deleted; reload the page.');
    const tags = this.db
      .prepare('SELECT t.name FROM output_tags ot JOIN tags t ON t.id = ot.tag_id WHERE ot.output_id = ? ORDER BY t.name')
      .pluck()
      .all(id) as string[];
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
      batchId: row.batch_id,
      template: row.template,
      jobId: row.job_id,
      originalPath: row.original_path,
      provenance: JSON.parse(row.provenance) as Record<string, unknown>,
      tags,
    };
  }

  list(query: ParsedOutputQuery): OutputPage {
    const where = ['o.deleted_at IS NULL'];
    // Filters that compare a column with the query's value; each applies only when the value is set.
    const equalities: [keyof ParsedOutputQuery, string, string][] = [
      ['minStars', 'r.stars', '>='],
      ['label', 'r.label', '='],
      ['personId', 'o.person_id', '='],
      ['kind', 'o.kind', '='],
    ];
    const params: Record<string, unknown> = {};
    for (const [key, column, operator] of equalities) {
      if (query[key] === undefined || query[key] === 0) continue;
      where.push(`${column} ${operator} @${key}`);
      params[key] = query[key];
    }
    if (query.flag === 'none') where.push('r.flag IS NULL');
    else if (query.flag) {
      where.push('r.flag = @flag');
      params.flag = query.flag;
    }
    const from = `FROM outputs o JOIN reviews r ON r.output_id = o.id WHERE ${where.join(' AND ')}`;
    const total = this.db.prepare(`SELECT count(*) ${from}`).pluck().get(params) as number;
    const rows = this.db
      .prepare(`SELECT ${summaryColumns} ${from} ORDER BY ${sortOrder[query.sort]} LIMIT @limit OFFSET @offset`)
      .all({ ...params, limit: query.limit, offset: query.offset }) as OutputRow[];
    return { items: rows.map(toSummary), total };
  }

  /** Writes the given review fields for every id in one transaction (each decision is durable at once). */
  setReview(patch: z.output<typeof ReviewPatch>): number {
    const fields = (['flag', 'stars', 'label', 'note'] as const).filter((field) => patch[field] !== undefined);
    const params: Record<string, unknown> = { now: Date.now() };
    for (const field of fields) params[field] = patch[field];
    const sets = ['updated_at = @now', ...fields.map((field) => `${field} = @${field}`)];
    const statement = this.db.prepare(`UPDATE reviews SET ${sets.join(', ')} WHERE output_id = @id`);
    return this.db.transaction(() => patch.ids.reduce((n, id) => n + statement.run({ ...params, id }).changes, 0))();
  }

  count(): number {
    return this.db.prepare('SELECT count(*) FROM outputs WHERE deleted_at IS NULL').pluck().get() as number;
  }
}
