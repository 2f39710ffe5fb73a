import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { IconName } from './icons';
import { EmptyState, PageHeader } from './page-elements';

/** A page whose feature comes later: what it will do, and what the user can do now. Nothing fake. */
export function UpcomingPage({ section, icon, nextHref }: { section: string; icon: IconName; nextHref: string }) {
  const { t } = useTranslation();
  return (
    <div className="page">
      <PageHeader title={t(`nav.${section}`)} subtitle={t(`${section}.subtitle`)} />
      <EmptyState
        icon={icon}
        title={t(`${section}.emptyTitle`)}
        action={
          <Link href={nextHref} className="button">
            {t(`${section}.nextAction`)}
          </Link>
        }
      >
        <p>{t(`${section}.emptyBody`)}</p>
        <p className="muted">{t('common.laterVersion')}</p>
      </EmptyState>
    </div>
  );
}
