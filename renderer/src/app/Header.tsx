import { useTranslation } from 'react-i18next';
import { useJobs, isLive } from '../features/jobs/jobs-data';
import { JobStartedNotice, useJobsDrawer } from './drawer';
import { currentLanguage, languages, setLanguage, type Language } from './i18n';
import { Icon, type IconName } from './icons';
import { setTheme, themes, useThemePreference, type ThemePreference } from './theme';

const themeIcons: Record<ThemePreference, IconName> = { light: 'sun', dark: 'moon', system: 'system' };

function ThemeSwitch() {
  const { t } = useTranslation();
  const preference = useThemePreference();
  return (
    <div className="segmented" role="group" aria-label={t('header.theme')}>
      {themes.map((theme) => (
        <button
          key={theme}
          type="button"
          className="segment"
          aria-pressed={preference === theme}
          aria-label={t(`header.themes.${theme}`)}
          title={t(`header.themes.${theme}`)}
          onClick={() => setTheme(theme)}
        >
          <Icon name={themeIcons[theme]} size={16} />
        </button>
      ))}
    </div>
  );
}

function LanguageSwitch() {
  const { t } = useTranslation();
  return (
    <label className="language-switch" title={t('header.language')}>
      <Icon name="language" size={16} />
      <select aria-label={t('header.language')} value={currentLanguage()} onChange={(e) => setLanguage(e.target.value as Language)}>
        {languages.map((l) => (
          <option key={l.code} value={l.code} lang={l.code}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}

function JobsToggle() {
  const { t } = useTranslation();
  const drawer = useJobsDrawer();
  const { data } = useJobs();
  const live = data?.filter(isLive).length ?? 0;
  const label = live ? t('header.jobsLive', { count: live }) : t('header.jobs');
  return (
    <button
      type="button"
      className={drawer.open ? 'button jobs-toggle active' : 'button jobs-toggle'}
      aria-expanded={drawer.open}
      aria-controls="jobs-drawer"
      aria-label={label}
      title={label}
      onClick={drawer.toggle}
    >
      <Icon name="jobs" size={16} />
      <span>{t('header.jobs')}</span>
      {live > 0 && (
        <span className="badge" data-testid="jobs-badge" aria-hidden="true">
          {live}
        </span>
      )}
    </button>
  );
}

export function Header() {
  return (
    <header className="topbar">
      <div className="topbar-spacer" />
      <div className="topbar-tools">
        <LanguageSwitch />
        <ThemeSwitch />
        <JobStartedNotice />
        <JobsToggle />
      </div>
    </header>
  );
}
