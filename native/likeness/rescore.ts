import type { Catalog } from '../catalog/catalog';
import type { JobQueue } from '../jobs/queue';
import { activeEmbedderId, embedderSpec } from './embedders';
import { personProfile } from './profile';
import { referenceKey } from './score';
import { likenessScoreJob } from './score-job';

/**
 * Scores of a person's outputs made against another profile than the current one (new accepted photos, a
 * new frozen version, another model): cheap, from stored embeddings, so it runs where the change happened.
 */
export function hasStaleScores(catalog: Catalog, personId: number): boolean {
  const keys = catalog.db.prepare('SELECT DISTINCT reference_key FROM output_likeness WHERE person_id = ?').pluck().all(personId) as string[];
  if (!keys.length) return false;
  const { profile, missing } = personProfile(catalog, personId, embedderSpec(activeEmbedderId(catalog)));
  if (missing.length || !profile) return true;
  const current = referenceKey({ kind: 'person', personId }, profile);
  return keys.some((key) => key !== current);
}

/** A rescoring job for the person (or for everything) that has not started yet: it will see the change too. */
function rescoreWaiting(catalog: Catalog, personId?: number): boolean {
  return catalog.jobs.live().some((job) => {
    if (job.kind !== likenessScoreJob.kind || job.status !== 'queued') return false;
    const input = job.input as { rescore?: boolean; personId?: number } | null;
    return Boolean(input?.rescore) && (input?.personId === undefined || input.personId === personId);
  });
}

/** Queues rescoring of what went stale for the person (or, without one, of every scored output). */
export function rescoreIfStale(catalog: Catalog, jobs: JobQueue, personId?: number): void {
  if (rescoreWaiting(catalog, personId)) return;
  if (personId !== undefined) {
    if (!hasStaleScores(catalog, personId)) return;
    jobs.enqueue(likenessScoreJob.kind, { personId, rescore: true, personName: catalog.people.get(personId).name });
    return;
  }
  const any = catalog.db.prepare('SELECT 1 FROM output_likeness LIMIT 1').pluck().get();
  if (any) jobs.enqueue(likenessScoreJob.kind, { rescore: true });
}

/** Rescoring is a follow-up: a failure to queue it (the studio closing) must not fail what triggered it. */
export function rescoreQuietly(catalog: Catalog, jobs: JobQueue, personId?: number): void {
  try {
    rescoreIfStale(catalog, jobs, personId);
  } catch {
    // Stale scores stay visible with their reference; the next change or a manual "Score" brings them up to date.
  }
}
