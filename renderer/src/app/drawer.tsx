import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Job } from '../api/types';
import { jobTitle } from '../features/jobs/job-title';

interface DrawerState {
  open: boolean;
  setOpen(open: boolean): void;
  toggle(): void;
  /** The job a page just started: said in a notice by the Jobs button, the drawer stays as the user left it. */
  started: Job | null;
  announce(job: Job): void;
  dismiss(): void;
}

const DrawerContext = createContext<DrawerState | null>(null);

/** How long the "started" notice stays when nothing else happens (it is a courtesy: the badge keeps the count). */
const NOTICE_MS = 8000;

/**
 * Whether the jobs drawer is open. Starting a job does not open it (on a laptop it squeezes the page to two
 * columns): the page announces the job, and the notice offers to show it.
 */
export function JobsDrawerProvider({ children }: { children: ReactNode }) {
  const [open, setOpenState] = useState(false);
  const [started, setStarted] = useState<Job | null>(null);
  const setOpen = useCallback((next: boolean) => {
    setOpenState(next);
    if (next) setStarted(null);
  }, []);
  const toggle = useCallback(() => setOpen(!open), [open, setOpen]);
  const announce = useCallback((job: Job) => setStarted(job), []);
  const dismiss = useCallback(() => setStarted(null), []);
  useEffect(() => {
    if (!started) return;
    const timer = setTimeout(() => setStarted(null), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [started]);
  const value = useMemo(() => ({ open, setOpen, toggle, started, announce, dismiss }), [open, setOpen, toggle, started, announce, dismiss]);
  return <DrawerContext.Provider value={value}>{children}</DrawerContext.Provider>;
}

export function useJobsDrawer(): DrawerState {
  const state = useContext(DrawerContext);
  if (!state) throw new Error('useJobsDrawer outside JobsDrawerProvider');
  return state;
}

/** "Export picks started" with a way to follow it, by the Jobs button. */
export function JobStartedNotice() {
  const { t } = useTranslation();
  const drawer = useJobsDrawer();
  return (
    <div className="job-started" aria-live="polite" data-testid="job-started">
      {drawer.started && !drawer.open && (
        <>
          <span>{t('header.jobStarted', { title: jobTitle(t, drawer.started) })}</span>
          <button type="button" className="button small" onClick={() => drawer.setOpen(true)}>
            {t('header.showJobs')}
          </button>
          <button type="button" className="button small icon-button" aria-label={t('header.dismiss')} onClick={drawer.dismiss}>
            ×
          </button>
        </>
      )}
    </div>
  );
}
