import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { useJobsDrawer } from '../../app/drawer';
import { Icon } from '../../app/icons';
import { ErrorNotice, Spinner } from '../../app/page-elements';
import { isLive, useJobs } from './jobs-data';
import { JobRow } from './JobRow';

const RECENT = 8;

/**
 * A non-modal panel at the right: live jobs with progress and Cancel, then the last finished ones. Beside the page
 * on wide windows, over it on narrow ones; Escape closes it.
 */
export function JobsDrawer() {
  const { t } = useTranslation();
  const drawer = useJobsDrawer();
  const { data, error, isPending } = useJobs();
  const panel = useRef<HTMLElement>(null);

  // Escape closes the drawer first (before the page sees it, as the top layer), except while a dialog is open
  // or the user is typing in a field of the page.
  useEffect(() => {
    if (!drawer.open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented || event.isComposing || document.querySelector('dialog[open]')) return;
      const target = event.target instanceof HTMLElement ? event.target : null;
      const inside = Boolean(target && panel.current?.contains(target));
      if (!inside && target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
      event.preventDefault();
      drawer.setOpen(false);
      if (inside) document.querySelector<HTMLElement>('[aria-controls="jobs-drawer"]')?.focus();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [drawer]);

  if (!drawer.open) return null;
  const live = data?.filter(isLive) ?? [];
  const recent = data?.filter((j) => !isLive(j)).slice(0, RECENT) ?? [];

  return (
    <aside id="jobs-drawer" className="drawer" aria-label={t('jobs.drawerTitle')} data-testid="jobs-drawer" ref={panel}>
      <header className="drawer-header">
        <h2>{t('jobs.drawerTitle')}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label={t('jobs.closeDrawer')}
          title={t('jobs.closeDrawer')}
          onClick={() => drawer.setOpen(false)}
        >
          <Icon name="close" size={16} />
        </button>
      </header>
      <div className="drawer-body">
        {isPending && <Spinner label={t('common.loading')} />}
        <ErrorNotice error={error} />
        {data && (
          <>
            <section aria-labelledby="drawer-live">
              <h3 id="drawer-live" className="section-title">
                {t('jobs.live')}
              </h3>
              {live.length ? (
                <ul className="job-list">
                  {live.map((job) => (
                    <JobRow key={job.id} job={job} />
                  ))}
                </ul>
              ) : (
                <p className="muted small-text">{t('jobs.noneLive')}</p>
              )}
            </section>
            <section aria-labelledby="drawer-recent">
              <h3 id="drawer-recent" className="section-title">
                {t('jobs.recent')}
              </h3>
              {recent.length ? (
                <ul className="job-list">
                  {recent.map((job) => (
                    <JobRow key={job.id} job={job} />
                  ))}
                </ul>
              ) : (
                <p className="muted small-text">{t('jobs.noneRecent')}</p>
              )}
            </section>
          </>
        )}
      </div>
      <footer className="drawer-footer">
        <Link href="/jobs" className="text-link" onClick={() => drawer.setOpen(false)}>
          {t('jobs.allJobs')}
        </Link>
      </footer>
    </aside>
  );
}
