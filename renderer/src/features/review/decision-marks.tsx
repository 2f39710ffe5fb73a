import { useTranslation } from 'react-i18next';
import type { ColorLabel, Flag } from '../../api/types';
import { RIcon } from './review-icons';

export const colorLabels: readonly ColorLabel[] = ['red', 'yellow', 'green', 'blue', 'purple'];
/** The key of each label: 6–9 as in Lightroom, V for purple (Lightroom has none). */
export const labelKey: Record<ColorLabel, string> = { red: '6', yellow: '7', green: '8', blue: '9', purple: 'V' };

export function StarRow({ stars, size = 12 }: { stars: number; size?: number }) {
  const { t } = useTranslation();
  return (
    <span className="star-row" role="img" aria-label={t('review.starsLabel', { count: stars })}>
      {Array.from({ length: 5 }, (_, i) => (
        <span key={i} className={i < stars ? 'star on' : 'star'}>
          <RIcon name="star" size={size} filled={i < stars} />
        </span>
      ))}
    </span>
  );
}

export function LabelDot({ label }: { label: ColorLabel }) {
  const { t } = useTranslation();
  return <span className={`label-dot label-${label}`} role="img" aria-label={t(`review.labels.${label}`)} />;
}

export function FlagBadge({ flag }: { flag: Flag | null }) {
  const { t } = useTranslation();
  if (!flag) return null;
  return (
    <span className={`flag-badge flag-${flag}`} role="img" aria-label={t(`review.flags.${flag}`)}>
      <RIcon name={flag === 'pick' ? 'pick' : 'reject'} size={13} filled={flag === 'pick'} />
    </span>
  );
}

/** Clickable flag, stars and colour label: the same decisions as the keys, for the mouse. */
export function ReviewControls({
  flag,
  stars,
  label,
  onFlag,
  onStars,
  onLabel,
  compact = false,
}: {
  flag: Flag | null;
  stars: number;
  label: ColorLabel | null;
  onFlag: (flag: Flag | null) => void;
  onStars: (stars: number) => void;
  onLabel: (label: ColorLabel | null) => void;
  compact?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <div className={compact ? 'review-controls compact' : 'review-controls'}>
      <div className="control-group" role="group" aria-label={t('review.flag')}>
        <button
          type="button"
          className={flag === 'pick' ? 'mark-button on pick' : 'mark-button'}
          aria-pressed={flag === 'pick'}
          title={t('review.keys.pick')}
          onClick={() => onFlag(flag === 'pick' ? null : 'pick')}
        >
          <RIcon name="pick" size={15} filled={flag === 'pick'} />
          {!compact && <span>{t('review.flags.pick')}</span>}
        </button>
        <button
          type="button"
          className={flag === 'reject' ? 'mark-button on reject' : 'mark-button'}
          aria-pressed={flag === 'reject'}
          title={t('review.keys.reject')}
          onClick={() => onFlag(flag === 'reject' ? null : 'reject')}
        >
          <RIcon name="reject" size={15} />
          {!compact && <span>{t('review.flags.reject')}</span>}
        </button>
      </div>
      <div className="control-group stars" role="group" aria-label={t('review.stars')}>
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            className={n <= stars ? 'star-button on' : 'star-button'}
            aria-pressed={n <= stars}
            aria-label={t('review.setStars', { count: n })}
            title={t('review.setStars', { count: n })}
            onClick={() => onStars(stars === n ? 0 : n)}
          >
            <RIcon name="star" size={16} filled={n <= stars} />
          </button>
        ))}
      </div>
      <div className="control-group labels" role="group" aria-label={t('review.label')}>
        {colorLabels.map((l) => (
          <button
            key={l}
            type="button"
            className={label === l ? `label-button label-${l} on` : `label-button label-${l}`}
            aria-pressed={label === l}
            aria-label={t(`review.labels.${l}`)}
            title={`${t(`review.labels.${l}`)} (${labelKey[l]})`}
            onClick={() => onLabel(label === l ? null : l)}
          />
        ))}
      </div>
    </div>
  );
}
