import { useQueries, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { studio } from '../../api';
import type { Job } from '../../api/types';
import { reviewLink } from '../../app/links';
import { queryKeys } from '../../app/query';
import { ErrorNotice } from '../../app/page-elements';
import { CancelJob, JobProgressBar } from '../jobs/JobRow';
import { isLive, useJobs } from '../jobs/jobs-data';
import { usePreviews, type GenerateResult, type Preview } from './generate-data';
import { jobMessage } from '../jobs/job-message';

const SHOWN_JOBS = 8;
const SHOWN_RESULTS = 12;

/** The generation batches: progress, the live preview, and the finished images. */
export function GenerateQueue() {
  const { t } = useTranslation();
  const jobs = useJobs();
  const previews = usePreviews();
  const batches = (jobs.data ?? []).filter((job) => job.kind === 'generate').slice(0, SHOWN_JOBS);
  return (
    <aside className="generate-queue" aria-label={t('generate.queue')}>
      <h2 className="card-title">{t('generate.queue')}</h2>
      {batches.length === 0 && <p className="muted">{t('generate.queueEmpty')}</p>}
      <ul className="batch-list">
        {batches.map((job) => (
          <BatchRow key={job.id} job={job} preview={previews.get(job.id)} />
        ))}
      </ul>
    </aside>
  );
}

function BatchRow({ job, preview }: { job: Job; preview: Preview | undefined }) {
  const { t } = useTranslation();
  const live = isLive(job);
  const message = jobMessage(t, job);
  const result = job.result as GenerateResult | null;
  const input = job.input as { request?: { count?: number; templates?: string[] }; batchId?: string } | null;
  const request = input?.request;
  const total = (request?.count ?? 1) * Math.max(1, request?.templates?.length ?? 0);
  const title = request ? t('generate.batchTitle', { count: total }) : job.title;
  // A batch that was cancelled, failed or interrupted keeps the images it had finished: say how many, and show them.
  const stopped = !live && !result && input?.batchId !== undefined;
  const made = useQuery({
    queryKey: [...queryKeys.outputs, 'batch', input?.batchId],
    queryFn: () => studio.api.catalog.listOutputs({ batchId: input!.batchId!, sort: 'oldest', limit: SHOWN_RESULTS }),
    enabled: stopped,
  });
  // The batch's own outputs in Review (batches queued before batch ids existed: the outputs themselves).
  const reviewHref = input?.batchId ? reviewLink({ batchId: input.batchId }) : result ? reviewLink({ outputIds: result.outputs }) : '/review';
  const outputs = useQueries({
    queries: (result?.outputs ?? [])
      .slice(0, SHOWN_RESULTS)
      .map((id) => ({ queryKey: queryKeys.output(id), queryFn: () => studio.api.catalog.getOutput({ id }) })),
  });
  return (
    <li className={`batch status-${job.status}`} data-testid="generate-batch" data-status={job.status}>
      <div className="job-head">
        <span className="job-title">{title}</span>
        <span className={`status-chip status-${job.status}`}>{t(`jobs.status.${job.status}`)}</span>
      </div>
      {live && (
        <>
          <JobProgressBar job={job} label={title} />
          {message && <p className="job-message small-text">{message}</p>}
        </>
      )}
      {live && preview && (
        <figure className="batch-preview">
          <img src={preview.image} alt={t('generate.preview', { title })} data-testid="generate-preview" />
          <figcaption className="small-text muted">{t('generate.step', { step: preview.step, steps: preview.steps })}</figcaption>
        </figure>
      )}
      {result && (
        <>
          <p className="small-text muted">
            {t('generate.resultSummary', {
              count: result.outputs.length,
              provider: result.provider,
              seconds: result.secondsPerImage.toFixed(result.secondsPerImage < 10 ? 2 : 1),
            })}
          </p>
          {/* One line per provider (every part of the model falls back the same way). */}
          {result.fallbacks
            .filter((f, i, all) => all.findIndex((g) => g.provider === f.provider) === i)
            .map((f) => (
              // The provider's own error is long (a source path, a C++ signature) and the same batch after batch:
              // one line says what happened, the error itself opens on demand.
              <details key={f.provider} className="small-text warning-text fallback" data-testid="fallback">
                <summary>{t(f.remembered ? 'generate.fallbackRemembered' : 'generate.fallback', { provider: f.provider })}</summary>
                <p className="fallback-reason">{f.reason}</p>
              </details>
            ))}
          {Object.entries(result.loraUnmatched)
            .filter(([, keys]) => keys.length > 0)
            .map(([lora, keys]) => (
              <p key={lora} className="small-text warning-text" title={keys.join('\n')}>
                {t('generate.unmatched', { count: keys.length, lora })}
              </p>
            ))}
          <div className="batch-results" aria-label={t('generate.results')}>
            {outputs.map((query, i) =>
              query.data ? (
                <img
                  key={`output-${query.data.id}`}
                  src={studio.mediaUrl(query.data.thumbHash ?? query.data.hash)}
                  alt={query.data.prompt ?? ''}
                  title={`seed ${query.data.seed}`}
                  loading="lazy"
                />
              ) : (
                <span key={`pending-${i}`} className="result-placeholder" />
              ),
            )}
          </div>
          <Link href={reviewHref} className="text-link small-text" data-testid="open-in-review">
            {t('generate.openReview')}
          </Link>
        </>
      )}
      {stopped && made.data && (
        <>
          <p className="small-text muted" data-testid="batch-made">
            {made.data.total === 0 ? t('generate.stoppedNone') : t('generate.stoppedMade', { count: made.data.total, total })}
          </p>
          {made.data.total > 0 && (
            <>
              <div className="batch-results" aria-label={t('generate.results')}>
                {made.data.items.map((output) => (
                  <img
                    key={`output-${output.id}`}
                    src={studio.mediaUrl(output.thumbHash ?? output.hash)}
                    alt={output.prompt ?? ''}
                    title={`seed ${output.seed}`}
                    loading="lazy"
                  />
                ))}
              </div>
              <Link href={reviewHref} className="text-link small-text" data-testid="open-in-review">
                {t('generate.openReview')}
              </Link>
            </>
          )}
        </>
      )}
      {job.error && <ErrorNotice error={job.error} />}
      <CancelJob job={job} title={title} />
    </li>
  );
}
