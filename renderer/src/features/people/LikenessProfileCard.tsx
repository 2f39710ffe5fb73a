import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { Person } from '../../api/types';
import { ErrorNotice } from '../../app/page-elements';
import { upsertJob } from '../jobs/jobs-data';
import { LikenessBadge, useLikenessProfile } from '../review/likeness';

/**
 * What "looks like the person" is measured against: the accepted photos' faces (of the latest frozen version),
 * the ones left out as unlike the rest, and a button that scores the person's outputs.
 */
export function LikenessProfileCard({ person }: { person: Person }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const profile = useLikenessProfile(person.id);
  const score = useMutation({
    mutationFn: () => studio.api.likeness.score({ personId: person.id }),
    onSuccess: (job) => upsertJob(client, job),
  });
  const data = profile.data;
  if (!data) return null;
  return (
    <section className="card likeness-profile" aria-label={t('people.likeness.title')} data-testid="likeness-profile">
      <h2 className="card-title">{t('people.likeness.title')}</h2>
      <p className="field-help">
        {data.version === null
          ? t('people.likeness.working', { count: data.members.length, model: data.modelName })
          : t('people.likeness.version', { count: data.members.length, version: data.version, model: data.modelName })}
        {data.pending > 0 && <> {t('people.likeness.pending', { count: data.pending })}</>}
      </p>
      {data.members.length > 0 && (
        <ul className="likeness-references">
          {data.members.slice(0, 8).map((m, i) => (
            <li key={m.hash} title={i === 0 ? t('people.likeness.best', { name: m.name }) : m.name}>
              <img src={studio.mediaUrl(m.hash)} alt={m.name} loading="lazy" />
              <LikenessBadge score={m.likeness} />
            </li>
          ))}
        </ul>
      )}
      {data.outliers.length > 0 && (
        <p className="likeness-outliers" data-testid="likeness-outliers">
          {t('people.likeness.outliers', { names: data.outliers.map((o) => o.name).join(', '), count: data.outliers.length })}
        </p>
      )}
      <button type="button" className="button small" onClick={() => score.mutate()} disabled={score.isPending}>
        {t('people.likeness.scoreOutputs')}
      </button>
      <ErrorNotice error={score.error} />
    </section>
  );
}
