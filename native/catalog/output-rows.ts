import type { ColorLabel, OutputSummary, Review } from '../api/schemas';

// How an output row reads back: the columns a summary selects and their mapping to the contract's types.

/** An outputs row joined with its review, as the queries select it. */
export interface OutputRow {
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

export const summaryColumns = `o.id, o.kind, o.object_hash, o.thumb_hash, o.width, o.height, o.duration_ms, o.source, o.generator,
  o.person_id, o.prompt, o.seed, o.model, o.template, o.batch_id, o.original_name, o.created_at, o.deleted_at,
  r.flag, r.stars, r.label, r.note, r.updated_at AS review_updated_at, o.likeness`;

export function toReview(row: Pick<OutputRow, 'flag' | 'stars' | 'label' | 'note' | 'review_updated_at'>): Review {
  return { flag: row.flag, stars: row.stars ?? 0, label: row.label, note: row.note ?? '', updatedAt: row.review_updated_at };
}

export function toSummary(row: OutputRow): OutputSummary {
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
