import type { TFunction } from 'i18next';
import type { Job } from '../../api/types';

const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Numbers and sizes in the UI's locale. */
export interface SummaryFormat {
  number(n: number): string;
  megabytes(bytes: number): string;
}

/**
 * What a finished job did, in the user's words: what an import brought in, what emptying the trash deleted
 * and freed, what an export wrote. Undefined for jobs without a result worth a line.
 */
export function jobSummary(t: TFunction, job: Pick<Job, 'kind' | 'status' | 'result'>, format: SummaryFormat): string | undefined {
  if (job.status !== 'done' || !job.result || typeof job.result !== 'object') return undefined;
  const r = job.result as Record<string, unknown>;
  const failed = Array.isArray(r.failed) ? r.failed.length : 0;
  switch (job.kind) {
    case 'catalog.import':
      if (typeof r.imported !== 'number') return undefined;
      return t('jobs.importSummary', { count: r.imported, duplicates: count(r.duplicates), failed });
    case 'catalog.emptyTrash': {
      if (typeof r.outputs !== 'number') return undefined;
      const line = t('jobs.emptyTrashSummary', { count: r.outputs, formatted: format.number(r.outputs), size: format.megabytes(count(r.bytes)) });
      return count(r.kept) ? `${line} · ${t('jobs.emptyTrashKept', { count: count(r.kept), formatted: format.number(count(r.kept)) })}` : line;
    }
    case 'review.export':
      if (typeof r.exported !== 'number') return undefined;
      return t('jobs.exportSummary', {
        count: r.exported,
        formatted: format.number(r.exported),
        already: format.number(count(r.alreadyThere)),
        failed: format.number(failed),
      });
    default:
      return undefined;
  }
}
