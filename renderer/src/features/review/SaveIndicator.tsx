import { useTranslation } from 'react-i18next';
import { useFormat } from '../../app/format';
import type { SaveStatus } from './decisions';
import { RIcon } from './review-icons';

/** Whether the decisions made on this page are saved: saving, saved at a time, or failed (with the reason and Dismiss). */
export function SaveIndicator({ status, onDismiss }: { status: SaveStatus; onDismiss: () => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const text =
    status.state === 'saving'
      ? t('review.save.saving')
      : status.state === 'saved'
        ? t('review.save.saved', { time: status.savedAt ? format.time(status.savedAt) : '' })
        : status.state === 'error'
          ? t('review.save.error')
          : t('review.save.idle');
  const detail = status.state === 'error' && status.error ? ((status.error as { message?: string }).message ?? String(status.error)) : undefined;
  return (
    <span
      className={`save-status ${status.state}`}
      role="status"
      aria-live="polite"
      data-testid="save-status"
      data-state={status.state}
      data-saved={status.saved}
      data-pending={status.pending}
      title={detail}
    >
      <RIcon name={status.state === 'error' ? 'alert' : status.state === 'saving' ? 'refresh' : 'check'} size={14} />
      <span>{text}</span>
      {status.state === 'error' && (
        <button type="button" className="text-button" onClick={onDismiss} title={detail}>
          {t('review.save.dismiss')}
        </button>
      )}
    </span>
  );
}
