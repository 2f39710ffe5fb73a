import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';

/** Before and after on top of each other; the slider reveals the after image from the left. */
export function CompareSlider({ before, after, testId }: { before: string; after: string; testId?: string }) {
  const { t } = useTranslation();
  const id = useId();
  const [position, setPosition] = useState(50);
  return (
    <figure className="restore-compare" data-testid={testId}>
      <div className="restore-compare-frame">
        <img src={before} alt={t('restore.before')} draggable={false} />
        <img
          src={after}
          alt={t('restore.after')}
          draggable={false}
          className="restore-compare-after"
          style={{ clipPath: `inset(0 ${100 - position}% 0 0)` }}
        />
        <span className="restore-compare-line" style={{ left: `${position}%` }} aria-hidden="true" />
        <span className="restore-compare-tag restore-compare-tag-after">{t('restore.after')}</span>
        <span className="restore-compare-tag restore-compare-tag-before">{t('restore.before')}</span>
      </div>
      <label className="visually-hidden" htmlFor={id}>
        {t('restore.compare')}
      </label>
      <input id={id} type="range" min={0} max={100} value={position} onChange={(e) => setPosition(Number(e.target.value))} />
    </figure>
  );
}
