import { useTranslation } from 'react-i18next';
import { Link, Route, Router, Switch, useLocation, useRoute } from 'wouter';
import { navigate as hashNavigate, useHashLocation } from 'wouter/use-hash-location';
import { GeneratePage } from '../features/generate/GeneratePage';
import { HomePage, StartPage } from '../features/home/HomePage';
import { JobsDrawer } from '../features/jobs/JobsDrawer';
import { JobsPage } from '../features/jobs/JobsPage';
import { ModelsPage } from '../features/models/ModelsPage';
import { PeoplePage } from '../features/people/PeoplePage';
import { PersonPage } from '../features/people/PersonPage';
import { ReelsPage } from '../features/reels/ReelsPage';
import { RestorePage } from '../features/restore/RestorePage';
import { ReviewPage } from '../features/review/ReviewPage';
import { JobsDrawerProvider, useJobsDrawer } from './drawer';
import { Header } from './Header';
import { Icon, type IconName } from './icons';
import { moveHashQueryToSearch } from './links';
import { useLiveUpdates } from './live-updates';
import { ErrorBoundary } from './page-elements';

const sections: { path: string; key: string; icon: IconName }[] = [
  { path: '/home', key: 'home', icon: 'home' },
  { path: '/people', key: 'people', icon: 'people' },
  { path: '/generate', key: 'generate', icon: 'generate' },
  { path: '/review', key: 'review', icon: 'review' },
  { path: '/restore', key: 'restore', icon: 'restore' },
  { path: '/reels', key: 'reels', icon: 'reels' },
  { path: '/models', key: 'models', icon: 'models' },
  { path: '/jobs', key: 'jobs', icon: 'jobs' },
];

function NavItem({ path, label, icon }: { path: string; label: string; icon: IconName }) {
  const [active] = useRoute(`${path}/*?`);
  return (
    <li>
      <Link
        href={path}
        className={active ? 'nav-link active' : 'nav-link'}
        aria-current={active ? 'page' : undefined}
        title={label}
        aria-label={label}
      >
        <Icon name={icon} />
        <span>{label}</span>
      </Link>
    </li>
  );
}

function Sidebar() {
  const { t } = useTranslation();
  return (
    <nav className="sidebar" aria-label={t('nav.label')}>
      <div className="brand">
        <span className="brand-mark" aria-hidden="true" />
        <span className="brand-name">Likeness</span>
      </div>
      <ul className="nav-list">
        {sections.map((s) => (
          <NavItem key={s.path} path={s.path} label={t(`nav.${s.key}`)} icon={s.icon} />
        ))}
      </ul>
    </nav>
  );
}

function PageFailed({ error, reset }: { error: Error; reset: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="page page-failed" role="alert">
      <h1>{t('errors.pageFailed')}</h1>
      <pre className="mono">{error.message}</pre>
      <button type="button" className="button" onClick={reset}>
        {t('common.tryAgain')}
      </button>
    </div>
  );
}

function Routes() {
  const [location] = useLocation();
  return (
    // A page that crashed gets a fresh start when the user navigates away.
    <ErrorBoundary key={location} fallback={(error, reset) => <PageFailed error={error} reset={reset} />}>
      <Switch>
        <Route path="/home" component={HomePage} />
        <Route path="/people" component={PeoplePage} />
        <Route path="/people/:id" component={PersonPage} />
        <Route path="/generate" component={GeneratePage} />
        <Route path="/review" component={ReviewPage} />
        <Route path="/restore" component={RestorePage} />
        <Route path="/reels" component={ReelsPage} />
        <Route path="/models" component={ModelsPage} />
        <Route path="/jobs" component={JobsPage} />
        <Route>
          <StartPage />
        </Route>
      </Switch>
    </ErrorBoundary>
  );
}

/** On wide windows the open jobs drawer takes its own column, so side panels of the page (Review's details, a person's photo) stay in view. */
function Shell() {
  const drawer = useJobsDrawer();
  return (
    <div className={drawer.open ? 'shell drawer-open' : 'shell'}>
      <Sidebar />
      <div className="workspace">
        <Header />
        <main className="content" id="main">
          <Routes />
        </main>
      </div>
      <JobsDrawer />
    </div>
  );
}

/**
 * Keeps link queries where the router reads them: now, and whenever the hash changes (a link pasted into
 * the address bar): a pasted `#/reels?outputs=…` opens Reels with those photos, not the fallback page.
 */
function keepLinkQueriesInSearch(): void {
  const fix = (event?: Event) => {
    const next = moveHashQueryToSearch(window.location.href);
    if (!next) return;
    const oldURL = window.location.href;
    window.history.replaceState(window.history.state, '', next);
    if (!event) return;
    // The router hears of the new search (replaceState) and the new path (hashchange) in this same call, so React
    // renders them together: a browser-dispatched hashchange lets React render in between, and the page still
    // shown (Review) would take the other page's query as its own.
    event.stopImmediatePropagation();
    window.dispatchEvent(new HashChangeEvent('hashchange', { oldURL, newURL: next }));
  };
  fix();
  window.addEventListener('hashchange', fix, { capture: true });
}
keepLinkQueriesInSearch();

/**
 * Hash routing whose links drop the query of the page before (`?from=` on Generate, `?outputs=` on Reels):
 * wouter keeps `location.search` across navigations without one, so "Generate" in the sidebar would
 * otherwise fill the form again from the image reused an hour ago.
 */
const navigateFresh: typeof hashNavigate = (to, options) => hashNavigate(to.includes('?') ? to : `${to}?`, options);
function useAppLocation(): [string, typeof hashNavigate] {
  const [location] = useHashLocation();
  // Routes match paths only: a query still in the hash (see keepLinkQueriesInSearch) must not send the page to the fallback.
  return [location.split('?')[0]!, navigateFresh];
}
useAppLocation.hrefs = (href: string) => `#${href}`;

export function App() {
  useLiveUpdates();
  return (
    <Router hook={useAppLocation}>
      <JobsDrawerProvider>
        <Shell />
      </JobsDrawerProvider>
    </Router>
  );
}
