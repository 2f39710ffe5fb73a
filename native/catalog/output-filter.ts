import { type z } from 'zod';
import type { OutputFilter, OutputSort } from '../api/schemas';

export type ParsedOutputFilter = z.output<typeof OutputFilter>;

export interface FilterSql {
  /** Conditions on `outputs o` (ANDed); never empty (the trash condition is always there). */
  where: string[];
  params: Record<string, unknown>;
}

/** Han, Hiragana, Katakana and Hangul: scripts written without spaces, which unicode61 cannot split into words. */
const unspacedScript = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

/**
 * Splits what the user typed into search terms. Words become FTS5 prefix queries (`"portra"*` finds
 * "portrait"); terms in CJK scripts are matched as substrings of the indexed text instead.
 */
export function searchTerms(text: string): { words: string[]; substrings: string[] } {
  const words: string[] = [];
  const substrings: string[] = [];
  for (const term of text.split(/\s+/)) {
    if (!term) continue;
    if (unspacedScript.test(term)) substrings.push(term.toLowerCase());
    // A term without any letter or digit (",", "--") would be an empty FTS5 phrase: skip it.
    else if (/[\p{L}\p{N}]/u.test(term)) words.push(`"${term.replace(/"/g, '""')}"*`);
  }
  return { words, substrings };
}

/**
 * The WHERE clause for a filter over `outputs o`. Review fields are read from the copies on outputs (kept
 * in step by triggers), so every filter is a condition on one table and can use its indexes.
 */
export interface FilterOptions {
  /** A table of the ids the text's words match (column `id`), read once for several statements, and whether they are few. */
  matches?: { table: string; few: boolean };
  /**
   * Filters on linked rows (a LoRA, a tag, a collection) that match many outputs: tested per output by its key (a
   * probe along the order's index) instead of gathered and sorted. 140,000 outputs with one LoRA took 180 ms to sort.
   */
  probe?: { lora?: boolean; tag?: boolean; collectionId?: boolean };
}

export function filterSql(filter: ParsedOutputFilter, options: FilterOptions = {}): FilterSql {
  const where = [filter.trash ? 'o.deleted_at IS NOT NULL' : 'o.deleted_at IS NULL'];
  const params: Record<string, unknown> = {};
  const equal = (column: string, key: keyof ParsedOutputFilter) => {
    const value = filter[key];
    if (value === undefined) return;
    where.push(`${column} = @${key}`);
    params[key] = value;
  };
  if (filter.flag === 'none') where.push('o.flag IS NULL');
  else equal('o.flag', 'flag');
  if (filter.minStars) {
    where.push('o.stars >= @minStars');
    params.minStars = filter.minStars;
  }
  if (filter.label === 'none') where.push('o.label IS NULL');
  else equal('o.label', 'label');
  equal('o.person_id', 'personId');
  equal('o.model', 'model');
  equal('o.template', 'template');
  equal('o.provider', 'provider');
  equal('o.batch_id', 'batchId');
  equal('o.generator', 'generator');
  equal('o.kind', 'kind');
  if (filter.from !== undefined) {
    where.push('o.created_at >= @from');
    params.from = filter.from;
  }
  if (filter.to !== undefined) {
    where.push('o.created_at < @to');
    params.to = filter.to;
  }
  if (filter.ids !== undefined) {
    where.push('o.id IN (SELECT value FROM json_each(@ids))');
    params.ids = JSON.stringify(filter.ids);
  }
  const probe = options.probe ?? {};
  if (filter.lora !== undefined) {
    where.push(
      probe.lora
        ? 'EXISTS (SELECT 1 FROM output_loras l WHERE l.output_id = o.id AND l.name = @lora)'
        : 'o.id IN (SELECT output_id FROM output_loras WHERE name = @lora)',
    );
    params.lora = filter.lora;
  }
  if (filter.tag !== undefined) {
    where.push(
      probe.tag
        ? 'EXISTS (SELECT 1 FROM output_tags ot WHERE ot.output_id = o.id AND ot.tag_id = (SELECT id FROM tags WHERE name = @tag))'
        : 'o.id IN (SELECT ot.output_id FROM output_tags ot JOIN tags t ON t.id = ot.tag_id WHERE t.name = @tag)',
    );
    params.tag = filter.tag.trim();
  }
  if (filter.collectionId !== undefined) {
    where.push(
      probe.collectionId
        ? 'EXISTS (SELECT 1 FROM collection_items ci WHERE ci.collection_id = @collectionId AND ci.output_id = o.id)'
        : 'o.id IN (SELECT output_id FROM collection_items WHERE collection_id = @collectionId)',
    );
    params.collectionId = filter.collectionId;
  }
  if (filter.text?.trim()) {
    const { words, substrings } = searchTerms(filter.text);
    if (words.length && options.matches) {
      // The search's matches, already read into a table keyed by id (see output-lists): few are looked up and
      // sorted; many are probed by id along the order's index.
      const { table, few } = options.matches;
      where.push(few ? `o.id IN ${table}` : `EXISTS (SELECT 1 FROM ${table} m WHERE m.id = o.id)`);
    } else if (words.length) {
      where.push('o.id IN (SELECT rowid FROM outputs_fts WHERE outputs_fts MATCH @fts)');
      params.fts = words.join(' ');
    }
    substrings.forEach((term, i) => {
      where.push(`o.id IN (SELECT rowid FROM outputs_fts WHERE instr(lower(prompt || ' ' || tags || ' ' || note || ' ' || meta), @sub${i}) > 0)`);
      params[`sub${i}`] = term;
    });
  }
  if (filter.minLikeness !== undefined) {
    where.push('o.likeness >= @minLikeness');
    params.minLikeness = filter.minLikeness;
  }
  if (filter.keepers) {
    // The score at the top quarter's edge among the scored outputs of this same view (every other condition).
    const view = [...where, 'o.likeness IS NOT NULL'].join(' AND ');
    where.push(
      `o.flag IS NULL AND o.likeness >= (SELECT o.likeness FROM outputs o WHERE ${view} ORDER BY o.likeness DESC LIMIT 1
        OFFSET (SELECT max(0, (count(*) + 3) / 4 - 1) FROM outputs o WHERE ${view}))`,
    );
  }
  return { where, params };
}

export const sortSql: Record<z.output<typeof OutputSort>, string> = {
  newest: 'o.created_at DESC, o.id DESC',
  oldest: 'o.created_at ASC, o.id ASC',
  stars: 'o.stars DESC, o.created_at DESC, o.id DESC',
  seed: 'o.seed IS NULL, o.seed ASC, o.id ASC',
  // NULL sorts lowest in SQLite: unscored outputs come last, and the index serves the order.
  likeness: 'o.likeness DESC, o.created_at DESC, o.id DESC',
};
