import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import { ErrorNotice } from '../../app/page-elements';

/**
 * "Show in folder" for a finished job that left files: the system's file manager opens there, or, where none
 * opens (a server without a desktop), the path itself is shown to copy.
 */
export function ShowInFolder({ jobId, label, ariaLabel }: { jobId: number; label: string; ariaLabel?: string }) {
  const { t } = useTranslation();
  const reveal = useMutation({ mutationFn: () => studio.api.jobs.showInFolder({ id: jobId }) });
  return (
    <>
      <button type="button" className="button small" aria-label={ariaLabel} disabled={reveal.isPending} onClick={() => reveal.mutate()}>
        {label}
      </button>
      {reveal.data && (
        <p className={`small-text ${reveal.data.opened ? 'muted' : 'warning-text'}`} data-testid="revealed-path">
          {reveal.data.opened ? t('jobs.openedFolder') : t('jobs.noFileManager', { reason: reveal.data.reason })}{' '}
          <span className="mono">{reveal.data.path}</span>
        </p>
      )}
      <ErrorNotice error={reveal.error} />
    </>
  );
}
