import { useTranslation } from 'react-i18next';

/** An inline "are you sure" for removing something: the question, the (danger) button that does it, and Keep. */
export function ConfirmInline({
  question,
  confirmLabel,
  pending,
  onConfirm,
  onKeep,
  smallText = true,
}: {
  question: string;
  confirmLabel: string;
  /** While the removal runs (the button waits). */
  pending: boolean;
  onConfirm: () => void;
  onKeep: () => void;
  smallText?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      <span className={smallText ? 'muted small-text' : 'muted'}>{question}</span>
      <button type="button" className="button small danger" disabled={pending} onClick={onConfirm}>
        {confirmLabel}
      </button>
      <button type="button" className="button small" onClick={onKeep}>
        {t('common.keep')}
      </button>
    </>
  );
}
