import { useTranslation } from 'react-i18next';
import { EmptyState, ErrorNotice, PageHeader, Spinner } from '../../app/page-elements';
import { isLive, JOBS_LIMIT, useJobs } from './jobs-data';
import { FarmPanel } from './FarmPanel';
import { JobRow } from './JobRow';

export function JobsPage() {
  const { t } = useTranslation();
  const { data, error, isPending } = useJobs();
  const live = data?.filter(isLive).length ?? 0;
  return (
    <div className="page">
      <PageHeader title={t('nav.jobs')} subtitle={data ? t('jobs.pageSubtitle', { count: data.length, live, limit: JOBS_LIMIT }) : undefined} />
      {isPending && <Spinner label={t('common.loading')} />}
      <ErrorNotice error={error} />
      <FarmPanel />
      {data && data.length === 0 && (
        <EmptyState icon="jobs" title={t('jobs.emptyTitle')}>
          <p>{t('jobs.emptyBody')}</p>
        </EmptyState>
      )}
      {data && data.length > 0 && (
        <ul className="job-list job-list-page">
          {data.map((job) => (
            <JobRow key={job.id} job={job} />
          ))}
        </ul>
      )}
    </div>
  );
}
