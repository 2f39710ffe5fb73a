import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { Icon } from '../../app/icons';
import { reviewLink } from '../../app/links';
import { translateWarning } from '../reels/engine-warnings';
import { CompareSlider } from './CompareSlider';
import type { ProcessResult } from './restore-data';

// What a preview or a render of Restore & Animate made: before and after, the clip, and where to go next.

/** One line per provider that could not be used (each model that tried it says the same). */
function fallbackSummary(fallbacks: ProcessResult['fallbacks']): { provider: string; models: string[]; reason: string }[] {
  const byProvider = new Map<string, { provider: string; models: string[]; reason: string }>();
  for (const f of fallbacks) {
    const entry = byProvider.get(f.provider) ?? { provider: f.provider, models: [], reason: f.reason };
    if (!entry.models.includes(f.model)) entry.models.push(f.model);
    byProvider.set(f.provider, entry);
  }
  return [...byProvider.values()];
}

/** Review showing just what this run made (the restored still, the animated clip). */
function restoredInReview(result: ProcessResult): string {
  const ids = [result.still?.outputId, result.video?.outputId].filter((v): v is number => typeof v === 'number');
  return ids.length ? reviewLink({ outputIds: ids }) : '/review';
}

/** onnxruntime's reasons can run to a source path and a stack of calls: the last sentence says it. */
function shorten(reason: string): string {
  const last = reason.split(/:\s+(?=[A-Z])/).at(-1) ?? reason;
  return last.length > 140 ? `${last.slice(0, 139)}…` : last;
}

/** A preview: the restored still against the photo, the clip playing muted. */
export function RestorePreview({ photo, result }: { photo: OutputSummary; result: ProcessResult }) {
  const { t } = useTranslation();
  return (
    <div className="restore-result" data-testid="restore-preview">
      {result.still && (
        <CompareSlider before={studio.mediaUrl(photo.hash)} after={studio.mediaUrl(result.still.hash)} testId="restore-preview-compare" />
      )}
      {result.video && <video key={result.video.hash} src={studio.mediaUrl(result.video.hash)} controls playsInline loop muted autoPlay />}
      <p className="field-help">{t('restore.previewReady')}</p>
    </div>
  );
}

/** A finished render: before and after, the clip, the providers it ran on and any fallback, Open in Review and Make a reel. */
export function RestoreResult({ photo, result }: { photo: OutputSummary; result: ProcessResult }) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const makeReel = () => {
    const ids = [photo.id, result.still?.outputId, result.video?.outputId].filter((v): v is number => typeof v === 'number');
    navigate(`/reels?outputs=${ids.join(',')}&template=${ids.length >= 3 ? 'memories' : 'before-after'}`);
  };
  return (
    <div className="restore-result" role="status" data-testid="restore-done">
      {result.still && <CompareSlider before={studio.mediaUrl(photo.hash)} after={studio.mediaUrl(result.still.hash)} testId="restore-compare" />}
      {result.video && <video key={result.video.hash} src={studio.mediaUrl(result.video.hash)} controls playsInline data-testid="restore-clip" />}
      <p>
        <strong>{t('restore.done')}</strong>{' '}
        <span className="muted">{t('restore.ranOn', { providers: [...new Set(Object.values(result.providers))].join(', ') })}</span>
      </p>
      {fallbackSummary(result.fallbacks).map((f) => (
        <p key={f.provider} className="field-help warning-text" title={f.reason}>
          {t('restore.fallback', { provider: f.provider, models: f.models.join(', '), reason: shorten(f.reason) })}
        </p>
      ))}
      {result.warnings.map((w) => (
        <p key={w} className="field-help">
          {translateWarning(t, w)}
        </p>
      ))}
      <div className="form-actions">
        <Link href={restoredInReview(result)} className="button small" data-testid="open-in-review">
          {t('restore.openInReview')}
        </Link>
        <button type="button" className="button small" onClick={makeReel}>
          <Icon name="reels" size={14} />
          <span>{t('restore.makeReel')}</span>
        </button>
      </div>
    </div>
  );
}
