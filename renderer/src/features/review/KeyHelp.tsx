import { useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useShowModal } from '../../components/ModalDialog';
import { keyGroups } from './key-groups';
import { RIcon } from './review-icons';

export function KeyHelp({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const dialog = useRef<HTMLDialogElement>(null);
  useShowModal(dialog);
  return (
    <dialog
      ref={dialog}
      className="dialog key-help"
      aria-label={t('review.help.title')}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => event.target === dialog.current && onClose()}
    >
      <header className="dialog-header">
        <h2>{t('review.help.title')}</h2>
        <button type="button" className="icon-button" aria-label={t('common.close')} onClick={onClose}>
          <RIcon name="close" size={16} />
        </button>
      </header>
      <div className="dialog-body key-help-body">
        {keyGroups.map((group) => (
          <section key={group.title}>
            <h3 className="section-title">{t(`review.help.${group.title}`)}</h3>
            <dl>
              {group.keys.map(([key, what]) => (
                <div key={what} className="key-row">
                  <dt>
                    <kbd>{key}</kbd>
                  </dt>
                  <dd>{t(`review.help.keys.${what}`)}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </dialog>
  );
}
