import { z } from 'zod';
import { ScoreRequest, type ScoreOutcome } from '../api/namespaces/likeness';
import { progressText } from '../api/progress-keys';
import { filterSql } from '../catalog/output-filter';
import type { Catalog } from '../catalog/catalog';
import { toStudioError } from '../core/errors';
import { defineJob } from '../jobs/define';
import type { IdentityProfile } from './profile';
import { likenessTools, parseReference, profileFor, referenceKey, referenceName, scoreImage, storedScore, type LikenessReference } from './score';
import { scoreClip } from './clips';

export const ScoreJobInput = ScoreRequest.and(z.object({ personName: z.string().default('') }));

interface Candidate {
  id: number;
  kind: 'image' | 'video';
  hash: string;
  personId: number | null;
  /** The person an earlier score was made against (outputs of other tools scored against a chosen person). */
  scoredPersonId: number | null;
  /** The reference of an earlier score ('person:<id>' or 'original:<hash>'). */
  scoredReference: string | null;
  source: string;
  provenance: string;
  originalName: string | null;
}

/** The outputs a request names: ids, a filter, (with just a person) that person's outputs, or those already scored. */
function candidatesOf(catalog: Catalog, input: z.output<typeof ScoreJobInput>): Candidate[] {
  const columns =
    'o.id, o.kind, o.object_hash AS hash, o.person_id AS personId, l.person_id AS scoredPersonId, l.reference AS scoredReference, o.source, o.provenance, o.original_name AS originalName';
  const from = 'FROM outputs o LEFT JOIN output_likeness l ON l.output_id = o.id';
  if (input.rescore) {
    const person = input.personId === undefined ? '' : ' AND l.person_id = @personId';
    return catalog.db
      .prepare(`SELECT ${columns} ${from} WHERE o.deleted_at IS NULL AND l.output_id IS NOT NULL${person} ORDER BY o.id`)
      .all({ personId: input.personId ?? null }) as Candidate[];
  }
  if (input.ids) {
    return catalog.db
      .prepare(`SELECT ${columns} ${from} WHERE o.id IN (SELECT value FROM json_each(?)) ORDER BY o.id`)
      .all(JSON.stringify(input.ids)) as Candidate[];
  }
  const filter = input.filter ?? (input.personId !== undefined ? { personId: input.personId } : {});
  const { where, params } = filterSql(filter);
  return catalog.db.prepare(`SELECT ${columns} ${from} WHERE ${where.join(' AND ')} ORDER BY o.id`).all(params) as Candidate[];
}

/**
 * What an output is compared with: the person asked for; when rescoring, what it was scored against before;
 * for a restoration or an animated clip, the photo it came from; else its own person, or the person an earlier
 * score chose.
 */
export function referenceOf(
  output: Pick<Candidate, 'personId' | 'scoredPersonId' | 'scoredReference' | 'source' | 'provenance'>,
  request: { personId?: number; referenceIds?: number[]; rescore?: boolean },
): LikenessReference | null {
  if (request.personId !== undefined) return { kind: 'person', personId: request.personId };
  if (request.referenceIds?.length) return { kind: 'outputs', ids: request.referenceIds };
  if (request.rescore && output.scoredReference) {
    const stored = parseReference(output.scoredReference);
    if (stored) return stored;
  }
  if (output.source === 'restore' || output.source === 'animate') {
    const hash = (JSON.parse(output.provenance) as { source?: { hash?: string } }).source?.hash;
    if (hash) return { kind: 'original', hash };
  }
  if (output.personId !== null) return { kind: 'person', personId: output.personId };
  if (output.scoredPersonId !== null) return { kind: 'person', personId: output.scoredPersonId };
  return null;
}

/**
 * Scores outputs against their reference, skipping those already scored against the current profile and
 * model (so a rerun after a crash, or after new photos were accepted, does only what is stale). Resumable.
 */
export const likenessScoreJob = defineJob({
  kind: 'likeness.score',
  resource: 'cpu',
  resumable: true,
  input: ScoreJobInput,
  title: (input: z.output<typeof ScoreJobInput>) =>
    input.personName
      ? `Score likeness to ${input.personName}`
      : input.referenceIds
        ? `Score likeness to ${input.referenceIds.length} reference picture${input.referenceIds.length > 1 ? 's' : ''}`
        : input.ids
          ? `Score likeness of ${input.ids.length} outputs`
          : 'Score likeness',
  async run(input, { catalog, signal, progress, emit }): Promise<ScoreOutcome> {
    progress({ fraction: 0, ...progressText('likeness.preparing') });
    const tools = await likenessTools(catalog);
    const outcome: ScoreOutcome = { scored: 0, upToDate: 0, noFace: 0, noReference: 0, failed: [], model: tools.embedder.spec.id };
    const candidates = candidatesOf(catalog, input);
    const profiles = new Map<string, IdentityProfile | null>();
    const changed: number[] = [];
    const flush = (personId: number | null) => {
      if (changed.length) emit('likeness:changed', { ids: changed.splice(0), personId });
    };
    let lastEmit = Date.now();
    for (const [index, output] of candidates.entries()) {
      signal.throwIfAborted();
      const reference = referenceOf(output, input);
      if (!reference) {
        outcome.noReference++;
        continue;
      }
      try {
        // One profile per reference for the whole job (an original photo that cannot be read fails its outputs only).
        const key = referenceName(reference);
        if (!profiles.has(key)) profiles.set(key, await profileFor(catalog, reference, tools, signal));
        const profile = profiles.get(key)!;
        if (!profile) {
          outcome.noReference++;
          continue;
        }
        const existing = storedScore(catalog, output.id);
        if (!input.force && existing && existing.referenceKey === referenceKey(reference, profile)) {
          outcome.upToDate++;
          continue;
        }
        const score =
          output.kind === 'video'
            ? await scoreClip(catalog, output, reference, profile, tools, signal)
            : await scoreImage(catalog, { id: output.id, hash: output.hash, name: output.originalName }, reference, profile, tools);
        if (score.verdict === 'no-face') outcome.noFace++;
        else outcome.scored++;
        changed.push(output.id);
      } catch (error) {
        if (signal.aborted) throw error;
        const e = toStudioError(error);
        if (e.code === 'DISK_FULL') throw e;
        outcome.failed.push({ id: output.id, reason: e.message });
      }
      progress({ done: index + 1, total: candidates.length, ...progressText('likeness.scoring', { done: index + 1, total: candidates.length }) });
      if (Date.now() - lastEmit > 500) {
        lastEmit = Date.now();
        flush(input.personId ?? null);
      }
    }
    flush(input.personId ?? null);
    return outcome;
  },
});
