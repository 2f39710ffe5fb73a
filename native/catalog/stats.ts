import { FEW_REVIEWED } from '../api/namespaces/review';
import { filterSql, type ParsedOutputFilter } from './output-filter';
import type { ReadableDb } from './sqlite';

export type StatsDimension = 'template' | 'model' | 'lora' | 'scheduler' | 'steps' | 'guidance' | 'person' | 'provider' | 'likeness';

export interface KeepRateRow {
  /** The template, model, LoRA, … (as text); null for outputs without one. */
  value: string | null;
  /** A person's name for the person dimension; otherwise the value. */
  label: string | null;
  outputs: number;
  /** Flagged (pick or reject) or given stars. */
  reviewed: number;
  picks: number;
  rejects: number;
  /** Given at least one star. */
  rated: number;
  /** Mean stars of the rated ones. */
  avgStars: number | null;
  /** Four stars or more. */
  excellent: number;
  /** picks ÷ reviewed. */
  keepRate: number | null;
  /**
   * The lower bound of the 95 % Wilson interval of the keep rate: what the rate is at least, given how few
   * were reviewed. Rows are ranked by it, those with fewer than FEW_REVIEWED reviewed after the rest: the bound
   * alone still puts "2 of 2" (0.34) above "40 of 100" (0.31).
   */
  keepRateLow: number | null;
}

const column: Record<Exclude<StatsDimension, 'lora'>, string> = {
  template: 'o.template',
  model: 'o.model',
  scheduler: 'o.scheduler',
  steps: 'o.steps',
  guidance: 'o.guidance',
  person: 'o.person_id',
  provider: 'o.provider',
  // Bands of the calibrated 0–100 likeness: 75 and 25 are every model's "same" and "different" lines.
  likeness: "CASE WHEN o.likeness IS NULL THEN NULL WHEN o.likeness >= 75 THEN 'same' WHEN o.likeness > 25 THEN 'unsure' ELSE 'different' END",
};

/** How well the likeness score predicted this user's own decisions, over the scored outputs they flagged. */
export interface LikenessPrediction {
  /** Flagged outputs with a score: picks and rejects. */
  picks: number;
  rejects: number;
  /** Picks among the top quarter by likeness of all scored outputs in the view, and their share of all picks. */
  picksInTopQuarter: number;
  topQuarterShare: number | null;
  /**
   * ROC AUC of the score for pick vs reject: the chance that a random pick scored higher than a random reject
   * (0.5 is no better than chance; ties count half). Null without both picks and rejects.
   */
  auc: number | null;
}

export function likenessPrediction(db: ReadableDb, filter: ParsedOutputFilter): LikenessPrediction {
  const { where, params } = filterSql(filter);
  const scored = db
    .prepare(
      `SELECT o.likeness AS score, o.flag AS flag FROM outputs o WHERE ${where.join(' AND ')} AND o.likeness IS NOT NULL ORDER BY o.likeness DESC`,
    )
    .all(params) as { score: number; flag: 'pick' | 'reject' | null }[];
  // The top quarter ends at the score of its last place, ties included (as the "likely keepers" filter cuts it).
  const edge = scored.length ? scored[Math.ceil(scored.length / 4) - 1]!.score : Infinity;
  const picks = scored.filter((s) => s.flag === 'pick');
  const rejects = scored.filter((s) => s.flag === 'reject');
  const picksInTopQuarter = picks.filter((s) => s.score >= edge).length;
  // Mann–Whitney U over ranks (ascending, ties averaged): linear after the sort, whatever the library size.
  let auc: number | null = null;
  if (picks.length && rejects.length) {
    const flagged = [...picks, ...rejects].sort((a, b) => a.score - b.score);
    let rankSum = 0;
    for (let i = 0; i < flagged.length;) {
      let j = i;
      while (j < flagged.length && flagged[j]!.score === flagged[i]!.score) j++;
      const rank = (i + 1 + j) / 2;
      for (let k = i; k < j; k++) if (flagged[k]!.flag === 'pick') rankSum += rank;
      i = j;
    }
    auc = (rankSum - (picks.length * (picks.length + 1)) / 2) / (picks.length * rejects.length);
  }
  return {
    picks: picks.length,
    rejects: rejects.length,
    picksInTopQuarter,
    topQuarterShare: picks.length ? picksInTopQuarter / picks.length : null,
    auc: auc === null ? null : Math.round(auc * 1000) / 1000,
  };
}

export function wilsonLowerBound(successes: number, trials: number, z = 1.96): number | null {
  if (trials === 0) return null;
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.max(0, (centre - margin) / (1 + z2 / trials));
}

/** Keep-rate statistics per value of one recipe dimension, over the outputs a filter selects. */
export function keepRates(db: ReadableDb, by: StatsDimension, filter: ParsedOutputFilter): KeepRateRow[] {
  const { where, params } = filterSql(filter);
  const value = by === 'lora' ? 'l.name' : column[by];
  const join = by === 'lora' ? 'LEFT JOIN output_loras l ON l.output_id = o.id' : '';
  const rows = db
    .prepare(
      `SELECT ${value} AS value, count(*) AS outputs,
         -- Reviewed: picked, rejected, starred or colour-labelled (a label is a decision too).
         sum(o.flag IS NOT NULL OR o.stars > 0 OR o.label IS NOT NULL) AS reviewed,
         sum(o.flag = 'pick') AS picks, sum(o.flag = 'reject') AS rejects,
         sum(o.stars > 0) AS rated, avg(nullif(o.stars, 0)) AS avgStars, sum(o.stars >= 4) AS excellent
       FROM outputs o ${join} WHERE ${where.join(' AND ')} GROUP BY ${value}`,
    )
    .all(params) as Omit<KeepRateRow, 'label' | 'keepRate' | 'keepRateLow'>[];
  const names =
    by === 'person'
      ? new Map((db.prepare('SELECT id, name FROM people').all() as { id: number; name: string }[]).map((p) => [String(p.id), p.name]))
      : undefined;
  return rows
    .map((row) => {
      const text = row.value === null ? null : String(row.value);
      return {
        ...row,
        value: text,
        label: text === null ? null : (names?.get(text) ?? text),
        picks: row.picks ?? 0,
        rejects: row.rejects ?? 0,
        reviewed: row.reviewed ?? 0,
        rated: row.rated ?? 0,
        excellent: row.excellent ?? 0,
        avgStars: row.avgStars === null ? null : Math.round(row.avgStars * 100) / 100,
        keepRate: row.reviewed ? row.picks / row.reviewed : null,
        keepRateLow: wilsonLowerBound(row.picks ?? 0, row.reviewed ?? 0),
      };
    })
    .sort(
      (a, b) =>
        Number(b.reviewed >= FEW_REVIEWED) - Number(a.reviewed >= FEW_REVIEWED) ||
        (b.keepRateLow ?? -1) - (a.keepRateLow ?? -1) ||
        b.outputs - a.outputs,
    );
}
