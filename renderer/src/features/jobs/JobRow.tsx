import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { jobKindsWithFiles } from '../../../../native/api/namespaces/jobs';
import { reviewLink } from '../../app/links';
import { studio } from '../../api';
import type { Job } from '../../api/types';
import { useFormat } from '../../app/format';
import { ErrorNotice } from '../../app/page-elements';
import { jobSummary } from './job-summary';
import { jobTitle } from './job-title';
import { isLive, upsertJob } from './jobs-data';
import { jobMessage } from './job-message';
import { ShowInFolder } from './ShowInFolder';

/** The user's words for a job (see job-title.ts). */
export function useJobTitle() {
  const { t } = useTranslation();
  return (job: Job): string => jobTitle(t, job);
}

/** A running job's bar (indeterminate while it waits in the queue). */
export function JobProgressBar({ job, label }: { job: Job; label: string }) {
  const queued = job.status === 'queued';
  return (
    <div
      className={queued ? 'progress indeterminate' : 'progress'}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={queued ? undefined : Math.round(job.progress * 100)}
    >
      <div className="progress-fill" style={{ width: `${queued ? 0 : job.progress * 100}%` }} />
    </div>
  );
}

/** Cancel for a job while it is live (it says so until the job stops), and why a cancel failed. */
export function CancelJob({ job, title }: { job: Job; title: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => studio.api.jobs.cancel({ id: job.id }),
    onSuccess: (updated) => upsertJob(client, updated),
  });
  return (
    <>
      {isLive(job) && (
        <div className="job-actions">
          <button
            type="button"
            className="button small"
            aria-label={t('jobs.cancelJob', { title })}
            disabled={cancel.isPending || cancel.isSuccess}
            onClick={() => cancel.mutate()}
          >
            {cancel.isPending || cancel.isSuccess ? t('jobs.cancelling') : t('jobs.cancel')}
          </button>
        </div>
      )}
      {cancel.error && <ErrorNotice error={cancel.error} />}
    </>
  );
}

/** The outputs a finished job made, when its result names them (generate, restore, reels, imports of one file). */
function resultOutputs(job: Job): number[] {
  const result = job.result as {
    outputId?: unknown;
    outputs?: unknown;
    outputIds?: unknown;
    still?: { outputId?: unknown };
    video?: { outputId?: unknown };
  } | null;
  if (!result || typeof result !== 'object') return [];
  const ids = [
    result.outputId,
    result.still?.outputId,
    result.video?.outputId,
    ...(Array.isArray(result.outputIds) ? result.outputIds : []),
    ...(Array.isArray(result.outputs) ? result.outputs.map((o: unknown) => (typeof o === 'number' ? o : (o as { id?: unknown } | null)?.id)) : []),
  ];
  return [...new Set(ids.filter((id): id is number => typeof id === 'number'))];
}

/** Open result for a job that made outputs; Retry for one that failed or was cancelled. */
function FinishedJobActions({ job, title }: { job: Job; title: string }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const retry = useMutation({ mutationFn: () => studio.api.jobs.retry({ id: job.id }), onSuccess: (started) => upsertJob(client, started) });
  const outputs = job.status === 'done' ? resultOutputs(job) : [];
  // An import's new photos are one batch (a link to 100,000 ids would not fit in a URL).
  const imported = job.status === 'done' ? (job.result as { batchId?: string; imported?: number } | null) : null;
  const importBatch = imported?.batchId && (imported.imported ?? 0) > 0 ? imported.batchId : null;
  const canRetry = job.status === 'failed' || job.status === 'cancelled';
  const hasFiles = job.status === 'done' && (jobKindsWithFiles as readonly string[]).includes(job.kind);
  if (!outputs.length && !importBatch && !canRetry && !hasFiles) return null;
  return (
    <div className="job-actions">
      {(outputs.length > 0 || importBatch) && (
        <Link
          href={importBatch ? reviewLink({ batchId: importBatch }) : reviewLink({ outputIds: outputs.slice(0, 500) })}
          className="button small"
          aria-label={t('jobs.openResultOf', { title })}
        >
          {t('jobs.openResult')}
        </Link>
      )}
      {canRetry && (
        <button
          type="button"
          className="button small"
          aria-label={t('jobs.retryJob', { title })}
          disabled={retry.isPending || retry.isSuccess}
          onClick={() => retry.mutate()}
        >
          {t('jobs.retry')}
        </button>
      )}
      {hasFiles && <ShowInFolder jobId={job.id} label={t('jobs.showInFolder')} ariaLabel={t('jobs.showInFolderOf', { title })} />}
      {retry.error && <ErrorNotice error={retry.error} />}
    </div>
  );
}

export function JobRow({ job }: { job: Job }) {
  const { t } = useTranslation();
  const format = useFormat();
  const title = useJobTitle()(job);
  const live = isLive(job);
  const counted = job.total !== null && job.total > 0;
  const summary = jobSummary(t, job, format);
  const when = job.finishedAt ?? job.startedAt ?? job.createdAt;
  const message = jobMessage(t, job);

  return (
    <li className={`job-row status-${job.status}`} data-testid="job-row" data-status={job.status} data-job-id={job.id}>
      <div className="job-head">
        <span className="job-title" title={job.title}>
          {title}
        </span>
        <span className={`status-chip status-${job.status}`}>{t(`jobs.status.${job.status}`)}</span>
      </div>

      {live && <JobProgressBar job={job} label={title} />}

      <div className="job-meta">
        {live && job.status === 'queued' && <span>{t('jobs.waiting')}</span>}
        {/* A finished job's last message is stale: its status, summary or error says more. */}
        {message && live && (
          <span className="job-message" title={message}>
            {message}
          </span>
        )}
        {counted && (
          <span className="job-count" data-testid="job-count">
            {t('jobs.count', { done: format.number(job.done ?? 0), total: format.number(job.total ?? 0) })}
          </span>
        )}
        {!live && <time dateTime={new Date(when).toISOString()}>{format.dateTime(when)}</time>}
      </div>

      {summary && <p className="job-summary">{summary}</p>}

      {job.error && <ErrorNotice error={job.error} />}

      <CancelJob job={job} title={title} />
      <FinishedJobActions job={job} title={title} />
    </li>
  );
}
