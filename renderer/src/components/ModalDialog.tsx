import { useEffect, useId, useRef, type FormEvent, type ReactNode, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../app/icons';

/** Shows the <dialog> modally while the component is mounted (focus trap, backdrop, Escape) and closes it on unmount. */
export function useShowModal(dialog: RefObject<HTMLDialogElement | null>): void {
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, [dialog]);
}

/**
 * A modal dialog with a titled header and a close button. Escape asks `onClose` rather than closing it behind
 * React's back. With `onSubmit` the content is a form (Enter submits); `children` may take the title's id to
 * label a section with it.
 */
export function ModalDialog({
  title,
  className,
  onClose,
  onSubmit,
  children,
}: {
  title: string;
  className?: string;
  onClose: () => void;
  onSubmit?: (event: FormEvent) => void;
  children: ReactNode | ((titleId: string) => ReactNode);
}) {
  const { t } = useTranslation();
  const titleId = `${useId()}-title`;
  const dialog = useRef<HTMLDialogElement>(null);
  useShowModal(dialog);
  const content = (
    <>
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="icon-button" aria-label={t('common.close')} title={t('common.close')} onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </header>
      {typeof children === 'function' ? children(titleId) : children}
    </>
  );
  return (
    <dialog
      ref={dialog}
      className={className ? `dialog ${className}` : 'dialog'}
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {onSubmit ? (
        <form onSubmit={onSubmit} className="dialog-form">
          {content}
        </form>
      ) : (
        <div className="dialog-form">{content}</div>
      )}
    </dialog>
  );
}
