// The preview-then-render flow that Reels and Restore & Animate share: two buttons that start a job each,
// the jobs followed through the jobs cache, and their progress with a cancel button.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../api';
import type { Job } from '../api/types';
import { ErrorNotice } from '../app/page-elements';
import { isLive, upsertJob, useFollowedJob } from '../features/jobs/jobs-data';
import { jobMessage } from '../features/jobs/job-message';
import { useDraft } from '../app/draft';

export type RenderQuality = 'final' | 'preview';

/** Starts preview and final jobs through `startJob` and follows the latest of each; `reset` forgets both (new input). */
export function usePreviewAndRender<Result>(page: string, startJob: (quality: RenderQuality) => Promise<Job>) {
  const client = useQueryClient();
  // Kept with the page's draft: a job that runs while the user looks elsewhere, or reloads, is still its job.
  const [previewJobId, setPreviewJobId] = useDraft<number | null>(`${page}.previewJob`, null);
  const [renderJobId, setRenderJobId] = useDraft<number | null>(`${page}.renderJob`, null);
  const start = useMutation({
    mutationFn: startJob,
    onSuccess: (job, quality) => {
      upsertJob(client, job);
      if (quality === 'preview') setPreviewJobId(job.id);
      else setRenderJobId(job.id);
    },
  });
  const cancel = (jobId: number) => void studio.api.jobs.cancel({ id: jobId }).then((job) => upsertJob(client, job));
  const reset = () => {
    setPreviewJobId(null);
    setRenderJobId(null);
  };
  const previewJob = useFollowedJob(previewJobId);
  const renderJob = useFollowedJob(renderJobId);
  const previewResult = previewJob?.status === 'done' ? (previewJob.result as Result) : undefined;
  const renderResult = renderJob?.status === 'done' ? (renderJob.result as Result) : undefined;
  return { start, cancel, reset, previewJob, renderJob, previewResult, renderResult };
}

/** The Preview and Render buttons: each waits while its own job runs. */
export function PreviewRenderButtons({
  ready,
  flow,
  previewLabel,
  renderLabel,
  renderIcon,
}: {
  ready: boolean;
  flow: Pick<ReturnType<typeof usePreviewAndRender>, 'start' | 'previewJob' | 'renderJob'>;
  previewLabel: string;
  renderLabel: string;
  renderIcon: ReactNode;
}) {
  const { start, previewJob, renderJob } = flow;
  return (
    <div className="form-actions">
      <button
        type="button"
        className="button"
        disabled={!ready || start.isPending || (previewJob && isLive(previewJob))}
        onClick={() => start.mutate('preview')}
      >
        {previewLabel}
      </button>
      <button
        type="button"
        className="button primary"
        disabled={!ready || start.isPending || (renderJob && isLive(renderJob))}
        onClick={() => start.mutate('final')}
      >
        {renderIcon}
        <span>{renderLabel}</span>
      </button>
    </div>
  );
}

/**
 * A started job: progress bar, message and cancel while it runs; a note when cancelled; the error when it failed.
 * `area` is the locale area whose `cancel`, `cancelled` and `failed` strings it shows.
 */
export function JobProgress({
  job,
  label,
  area,
  onCancel,
  testId,
}: {
  job: Job;
  label: string;
  area: string;
  onCancel: () => void;
  testId?: string;
}) {
  const { t } = useTranslation();
  if (isLive(job)) {
    return (
      <div className="reel-status" role="status" data-testid={testId}>
        <div className="reel-status-row">
          <span>{label}</span>
          <span className="muted">{jobMessage(t, job) ?? ''}</span>
          <button type="button" className="button small" onClick={onCancel}>
            {t(`${area}.cancel`)}
          </button>
        </div>
        <div className="progress" aria-hidden="true">
          <div className="progress-fill" style={{ width: `${Math.round(job.progress * 100)}%` }} />
        </div>
      </div>
    );
  }
  if (job.status === 'cancelled') return <p className="muted">{t(`${area}.cancelled`)}</p>;
  if (job.status !== 'done')
    return <ErrorNotice title={t(`${area}.failed`)} error={job.error ?? { message: jobMessage(t, job) ?? t(`jobs.status.${job.status}`) }} />;
  return null;
}
