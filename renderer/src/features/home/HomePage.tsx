import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, Redirect } from 'wouter';
import { studio } from '../../api';
import { Icon, type IconName } from '../../app/icons';
import { queryKeys } from '../../app/query';
import { PageHeader, Spinner } from '../../app/page-elements';
import { useModels } from '../generate/generate-data';
import '../../styles/home.css';
import { modelName } from '../models/model-words';

/**
 * Where a first run starts (and Home after): the three journeys people come with, each naming its first step
 * and the models it still needs, so a newcomer never lands on an empty Review wondering what to do.
 */
const journeys: { id: 'restore' | 'dataset' | 'cull'; href: string; icon: IconName; needs: string[] }[] = [
  { id: 'restore', href: '/restore', icon: 'restore', needs: ['yunet-n', 'gfpgan-1.4'] },
  { id: 'dataset', href: '/people', icon: 'people', needs: ['yunet-n'] },
  { id: 'cull', href: '/review', icon: 'review', needs: [] },
];

export function HomePage() {
  const { t } = useTranslation();
  const models = useModels();
  return (
    <div className="page home-page">
      <PageHeader title={t('home.title')} subtitle={t('home.subtitle')} />
      <ul className="journeys" aria-label={t('home.journeys')}>
        {journeys.map((journey) => {
          const missing = journey.needs
            .map((id) => models.data?.find((m) => m.id === id))
            .filter((m) => m !== undefined && m.state !== 'installed')
            .map((m) => modelName(t, m!));
          return (
            <li key={journey.id} className="journey" data-testid={`journey-${journey.id}`}>
              <Link href={journey.href} className="journey-link">
                <Icon name={journey.icon} size={28} />
                <h2>{t(`home.${journey.id}.title`)}</h2>
                <p>{t(`home.${journey.id}.body`)}</p>
                <p className="journey-next">{t('home.nextStep', { step: t(`home.${journey.id}.next`) })}</p>
              </Link>
              {missing.length > 0 && (
                <p className="field-help" data-testid="journey-needs">
                  {t('home.needs', { models: missing.join(', ') })} <Link href="/models">{t('home.openModels')}</Link>
                </p>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The first page: Home while the library is empty (a first run), Review once there is something to review. */
export function StartPage() {
  const { t } = useTranslation();
  const outputs = useQuery({ queryKey: [...queryKeys.outputs, 'any'], queryFn: () => studio.api.catalog.listOutputs({ limit: 1 }) });
  const people = useQuery({ queryKey: queryKeys.people, queryFn: () => studio.api.people.list() });
  if (outputs.isPending || people.isPending) return <Spinner label={t('common.loading')} />;
  const empty = (outputs.data?.items.length ?? 0) === 0 && (people.data?.length ?? 0) === 0;
  return <Redirect to={empty ? '/home' : '/review'} replace />;
}
