import { useMutation, useQueryClient } from '@tanstack/react-query';
import { memo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { OutputFacets, OutputFilter } from '../../api/types';
import { useFormat } from '../../app/format';
import { queryKeys } from '../../app/query';
import { ErrorNotice } from '../../app/page-elements';
import { RIcon, type ReviewIconName } from './review-icons';

export type Source = { kind: 'all' } | { kind: 'picks' } | { kind: 'trash' } | { kind: 'collection'; id: number };

export function sourceOf(filter: OutputFilter): Source {
  if (filter.trash) return { kind: 'trash' };
  if (filter.collectionId !== undefined) return { kind: 'collection', id: filter.collectionId };
  return { kind: 'all' };
}

function RailItem({
  icon,
  label,
  count,
  active,
  onClick,
  testId,
}: {
  icon: ReviewIconName;
  label: string;
  count?: number;
  active: boolean;
  onClick: () => void;
  testId?: string;
}) {
  const format = useFormat();
  return (
    <li>
      <button
        type="button"
        className={active ? 'rail-item active' : 'rail-item'}
        aria-current={active || undefined}
        onClick={onClick}
        data-testid={testId}
      >
        <RIcon name={icon} size={15} />
        <span className="rail-label">{label}</span>
        {count !== undefined && <span className="rail-count">{format.number(count)}</span>}
      </button>
    </li>
  );
}

/** Where the grid looks: the whole library, picks, the trash or a collection (Lightroom's Catalog and Collections panels). */
export const LibraryRail = memo(function LibraryRail({
  filter,
  facets,
  onSource,
  onEmptyTrash,
}: {
  filter: OutputFilter;
  facets: OutputFacets | undefined;
  onSource: (change: Partial<OutputFilter>) => void;
  onEmptyTrash: () => void;
}) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [naming, setNaming] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const [confirmEmpty, setConfirmEmpty] = useState(false);
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: (collection: string) => studio.api.catalog.createCollection({ name: collection }),
    onSuccess: (collection) => {
      void client.invalidateQueries({ queryKey: queryKeys.outputs });
      onSource({ collectionId: collection.id, trash: undefined });
    },
  });
  const remove = useMutation({
    mutationFn: (id: number) => studio.api.catalog.removeCollection({ id }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: queryKeys.outputs });
      onSource({ collectionId: undefined });
    },
  });
  const source = sourceOf(filter);
  const picksOnly = source.kind === 'all' && filter.flag === 'pick';
  const submit = () => {
    if (name.trim()) create.mutate(name.trim());
    setName('');
    setNaming(false);
  };
  return (
    <nav className="library-rail" aria-label={t('review.library')}>
      <h2 className="rail-title">{t('review.library')}</h2>
      <ul className="rail-list">
        <RailItem
          icon="grid"
          label={t('review.sources.all')}
          count={facets?.total}
          active={source.kind === 'all' && !picksOnly}
          onClick={() => onSource({ trash: undefined, collectionId: undefined, flag: undefined })}
          testId="source-all"
        />
        <RailItem
          icon="pick"
          label={t('review.sources.picks')}
          count={facets?.picks}
          active={picksOnly}
          onClick={() => onSource({ trash: undefined, collectionId: undefined, flag: 'pick' })}
          testId="source-picks"
        />
        <RailItem
          icon="trash"
          label={t('review.sources.trash')}
          count={facets?.trash}
          active={source.kind === 'trash'}
          onClick={() => onSource({ trash: true, collectionId: undefined, flag: undefined })}
          testId="source-trash"
        />
      </ul>
      {source.kind === 'trash' && (facets?.trash ?? 0) > 0 && (
        <button
          type="button"
          className={confirmEmpty ? 'button small danger rail-action confirm' : 'button small danger rail-action'}
          onBlur={() => setConfirmEmpty(false)}
          data-testid="empty-trash"
          onClick={() => {
            if (!confirmEmpty) return setConfirmEmpty(true);
            setConfirmEmpty(false);
            onEmptyTrash();
          }}
        >
          {confirmEmpty ? t('review.emptyTrashConfirm', { count: facets?.trash ?? 0 }) : t('review.emptyTrash')}
        </button>
      )}
      <div className="rail-heading">
        <h2 className="rail-title">{t('review.collections')}</h2>
        <button
          type="button"
          className="icon-button"
          aria-label={t('review.newCollection')}
          title={t('review.newCollection')}
          onClick={() => setNaming(true)}
        >
          <RIcon name="plus" size={14} />
        </button>
      </div>
      <ul className="rail-list">
        {naming && (
          <li>
            <input
              className="rail-input"
              autoFocus
              value={name}
              aria-label={t('review.newCollectionName')}
              placeholder={t('review.newCollectionName')}
              onChange={(e) => setName(e.target.value)}
              onBlur={submit}
              onKeyDown={(e) => {
                if (e.key === 'Enter') submit();
                if (e.key === 'Escape') {
                  setName('');
                  setNaming(false);
                }
              }}
            />
          </li>
        )}
        {facets?.collections.map((c) => (
          <RailItem
            key={c.id}
            icon="collection"
            label={c.name}
            count={c.count}
            active={source.kind === 'collection' && source.id === c.id}
            onClick={() => onSource({ collectionId: c.id, trash: undefined })}
          />
        ))}
        {facets && !facets.collections.length && !naming && <li className="rail-empty muted">{t('review.noCollections')}</li>}
      </ul>
      {source.kind === 'collection' && (
        <button
          type="button"
          className={confirmRemove ? 'button small danger rail-action' : 'text-button rail-action'}
          onBlur={() => setConfirmRemove(false)}
          onClick={() => {
            if (!confirmRemove) return setConfirmRemove(true);
            setConfirmRemove(false);
            remove.mutate(source.id);
          }}
        >
          {confirmRemove ? t('review.removeCollectionConfirm') : t('review.removeCollection')}
        </button>
      )}
      <ErrorNotice error={create.error ?? remove.error} />
    </nav>
  );
});
