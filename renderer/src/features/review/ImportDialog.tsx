import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import { queryKeys } from '../../app/query';
import { ErrorNotice, Spinner } from '../../app/page-elements';
import { ModalDialog } from '../../components/ModalDialog';
import { useJobStarted } from '../jobs/jobs-data';
import { FolderBrowser } from './FolderBrowser';

export function ImportDialog({ onClose, onStarted }: { onClose: () => void; onStarted?: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const started = useJobStarted();
  const desktop = studio.pickFolder !== undefined;
  // null: the field shows the folder being browsed; a string: what the user typed.
  const [typed, setTyped] = useState<string | null>(null);
  const [browsePath, setBrowsePath] = useState<string | undefined>(undefined);
  const [browseError, setBrowseError] = useState<unknown>(null);
  const [recursive, setRecursive] = useState(true);

  const browseQuery = (target: string | undefined) => ({
    queryKey: queryKeys.browse(target),
    queryFn: () => studio.api.system.browse(target ? { path: target } : {}),
    staleTime: 5_000,
  });
  const listing = useQuery({ ...browseQuery(browsePath), enabled: !desktop });
  const path = typed ?? listing.data?.path ?? '';

  // Opens a folder only once it could be listed: a bad path leaves the last good listing in place.
  const go = async (target: string) => {
    try {
      await client.fetchQuery(browseQuery(target));
      setBrowsePath(target);
      setTyped(null);
      setBrowseError(null);
    } catch (error) {
      setBrowseError(error);
    }
  };

  const start = useMutation({
    mutationFn: () => studio.api.catalog.import({ path: path.trim(), recursive }),
    onSuccess: (job) => {
      started(job);
      onStarted?.();
      onClose();
    },
  });

  const pick = useMutation({
    mutationFn: async () => (await studio.pickFolder?.()) ?? null,
    onSuccess: (picked) => picked && setTyped(picked),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };

  const browseTyped = () => {
    const target = path.trim();
    if (target) void go(target);
  };

  return (
    <ModalDialog title={t('import.title')} className="import-dialog" onClose={onClose} onSubmit={submit}>
      <div className="dialog-body">
        <p className="muted">{t('import.intro')}</p>
        <div className="field">
          <label htmlFor={`${id}-path`}>{t('import.folder')}</label>
          <div className="field-row">
            <input
              id={`${id}-path`}
              className="mono grow"
              value={path}
              autoFocus
              spellCheck={false}
              autoComplete="off"
              placeholder={t('import.pathPlaceholder')}
              onChange={(e) => setTyped(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !desktop) {
                  e.preventDefault();
                  browseTyped();
                }
              }}
            />
            {desktop ? (
              <button type="button" className="button" onClick={() => pick.mutate()} disabled={pick.isPending}>
                {t('import.choose')}
              </button>
            ) : (
              <button type="button" className="button" onClick={browseTyped}>
                {t('import.go')}
              </button>
            )}
          </div>
          {!desktop && <p className="field-help">{t('import.pathHelp')}</p>}
        </div>

        {!desktop && (
          <>
            {listing.isPending && <Spinner label={t('common.loading')} />}
            <ErrorNotice error={browseError ?? listing.error} />
            {listing.data && <FolderBrowser listing={listing.data} onOpen={(target) => void go(target)} />}
          </>
        )}
        <ErrorNotice error={pick.error} />

        <label className="checkbox">
          <input type="checkbox" checked={recursive} onChange={(e) => setRecursive(e.target.checked)} />
          <span>{t('import.recursive')}</span>
        </label>
        <ErrorNotice error={start.error} title={t('import.failed')} />
      </div>
      <footer className="dialog-footer">
        <button type="button" className="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="button primary" disabled={start.isPending || !path.trim()}>
          {t('import.start')}
        </button>
      </footer>
    </ModalDialog>
  );
}
