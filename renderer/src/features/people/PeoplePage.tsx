import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { studio } from '../../api';
import type { Person } from '../../api/types';
import { useFormat } from '../../app/format';
import { queryKeys } from '../../app/query';
import { EmptyState, ErrorNotice, PageHeader, Spinner } from '../../app/page-elements';
import '../../styles/people.css';
import { PersonForm } from './PersonForm';

function PersonRow({ person, editing, onEdit }: { person: Person; editing: boolean; onEdit: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => studio.api.people.remove({ id: person.id }),
    onSuccess: () => {
      client.setQueryData<Person[]>(queryKeys.people, (list) => list?.filter((p) => p.id !== person.id));
      void client.invalidateQueries({ queryKey: queryKeys.people });
    },
  });
  return (
    <tr className={editing ? 'selected' : undefined}>
      <th scope="row" className="person-name">
        <Link href={`/people/${person.id}`} className="person-link">
          {person.name}
        </Link>
        {person.notes && <span className="person-notes">{person.notes}</span>}
      </th>
      <td>
        <code className="chip mono">{person.trigger}</code>
      </td>
      <td>{person.classWord}</td>
      <td className="num">{person.cropSize}</td>
      <td className="num">{format.number(person.photoCount)}</td>
      <td className="row-actions">
        {confirming ? (
          <>
            <span className="muted delete-confirm" data-testid="confirm-delete">
              {t('people.confirmDelete', { count: person.photoCount })}
            </span>
            <button type="button" className="button small danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
              {t('common.delete')}
            </button>
            <button type="button" className="button small" onClick={() => setConfirming(false)}>
              {t('common.keep')}
            </button>
          </>
        ) : (
          <>
            <button type="button" className="button small" aria-label={t('people.editNamed', { name: person.name })} onClick={onEdit}>
              {t('common.edit')}
            </button>
            <button
              type="button"
              className="button small"
              aria-label={t('people.deleteNamed', { name: person.name })}
              onClick={() => setConfirming(true)}
            >
              {t('common.delete')}
            </button>
          </>
        )}
        {remove.error && <ErrorNotice error={remove.error} />}
      </td>
    </tr>
  );
}

export function PeoplePage() {
  const { t } = useTranslation();
  const { data, error, isPending } = useQuery({ queryKey: queryKeys.people, queryFn: () => studio.api.people.list() });
  const [editingId, setEditingId] = useState<number | null>(null);
  const editing = data?.find((p) => p.id === editingId);

  return (
    <div className="page">
      <PageHeader title={t('nav.people')} subtitle={t('people.subtitle')} />
      <div className="split">
        <section className="split-main" aria-label={t('people.listLabel')}>
          {isPending && <Spinner label={t('common.loading')} />}
          <ErrorNotice error={error} />
          {data && data.length === 0 && (
            <EmptyState icon="people" title={t('people.emptyTitle')}>
              <p>{t('people.emptyBody')}</p>
            </EmptyState>
          )}
          {data && data.length > 0 && (
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">{t('people.name')}</th>
                  <th scope="col">{t('people.trigger')}</th>
                  <th scope="col">{t('people.classWord')}</th>
                  <th scope="col" className="num">
                    {t('people.cropSize')}
                  </th>
                  <th scope="col" className="num">
                    {t('people.photos')}
                  </th>
                  <th scope="col">
                    <span className="visually-hidden">{t('common.actions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.map((person) => (
                  <PersonRow key={person.id} person={person} editing={person.id === editingId} onEdit={() => setEditingId(person.id)} />
                ))}
              </tbody>
            </table>
          )}
        </section>
        <aside className="split-side">
          {editing ? <PersonForm key={editing.id} person={editing} onDone={() => setEditingId(null)} /> : <PersonForm key="new" />}
        </aside>
      </div>
    </div>
  );
}
