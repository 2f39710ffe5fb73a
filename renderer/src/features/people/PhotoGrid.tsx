import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import { useFormat } from '../../app/format';
import { useReasonText, useVetErrorText, verdictKey, type VerdictKey } from './reasons';
import type { Photo } from './types';

export const filterKeys = ['all', 'accepted', 'review', 'rejected', 'unvetted'] as const;
export type FilterKey = (typeof filterKeys)[number];

export function countVerdicts(photos: readonly Photo[]): Record<FilterKey, number> {
  const counts: Record<FilterKey, number> = { all: photos.length, accepted: 0, review: 0, rejected: 0, unvetted: 0 };
  for (const photo of photos) counts[verdictKey(photo.verdict)]++;
  return counts;
}

export function VerdictBadge({ verdict, byHand }: { verdict: VerdictKey; byHand?: boolean }) {
  const { t } = useTranslation();
  return (
    <span className={`verdict-badge verdict-${verdict}`}>
      {t(`people.verdicts.${verdict}`)}
      {byHand && <span className="verdict-by-hand"> · {t('people.byHand')}</span>}
    </span>
  );
}

export function FilterBar({ counts, value, onChange }: { counts: Record<FilterKey, number>; value: FilterKey; onChange: (f: FilterKey) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <div className="photo-filters" role="group" aria-label={t('people.filters.label')}>
      {filterKeys
        .filter((key) => key === 'all' || key === value || counts[key] > 0)
        .map((key) => (
          <button key={key} type="button" className={`verdict-filter filter-${key}`} aria-pressed={value === key} onClick={() => onChange(key)}>
            {t(`people.filters.${key}`)} <span className="verdict-filter-count">{format.number(counts[key])}</span>
          </button>
        ))}
    </div>
  );
}

/** The main reason shown on a tile: the first that decided the verdict, else the first note. */
function headline(photo: Photo) {
  return photo.reasons.find((r) => r.severity !== 'info') ?? photo.reasons[0];
}

export function PhotoGrid({
  photos,
  selectedId,
  onSelect,
  label,
}: {
  photos: readonly Photo[];
  selectedId: number | null;
  onSelect: (id: number) => void;
  label: string;
}) {
  const { t } = useTranslation();
  const reasonText = useReasonText();
  const vetErrorText = useVetErrorText();
  if (!photos.length) return <p className="muted photo-grid-empty">{t('people.grid.empty')}</p>;
  return (
    <ul className="photo-grid" aria-label={label}>
      {photos.map((photo) => {
        const reason = headline(photo);
        const verdict = verdictKey(photo.verdict);
        return (
          <li key={photo.id}>
            <button
              type="button"
              className={`photo-tile verdict-edge-${verdict}${photo.id === selectedId ? ' selected' : ''}`}
              aria-pressed={photo.id === selectedId}
              data-testid="photo-tile"
              data-name={photo.originalName}
              onClick={() => onSelect(photo.id)}
            >
              <span className="photo-tile-image">
                {photo.thumbHash && <img src={studio.mediaUrl(photo.thumbHash)} alt="" loading="lazy" decoding="async" />}
                <VerdictBadge verdict={verdict} byHand={Boolean(photo.override)} />
              </span>
              <span className="photo-tile-text">
                <span className="photo-tile-name">{photo.originalName}</span>
                <span className="photo-tile-reason">
                  {photo.override
                    ? photo.override.reason
                    : reason
                      ? reasonText(reason)
                      : photo.vetError
                        ? vetErrorText(photo.vetError).message
                        : '\u00a0'}
                </span>
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
