import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { OutputExportFormat, OutputExportRequest, OutputExportResult } from '../../api/types';
import { useFormat } from '../../app/format';
import { readStorage, writeStorage } from '../../app/i18n';
import { queryKeys } from '../../app/query';
import { ErrorNotice } from '../../app/page-elements';
import { ModalDialog } from '../../components/ModalDialog';
import { useJobStarted } from '../jobs/jobs-data';
import { localDateStamp, suggestedExportFolder } from './export-folder';
import { FolderBrowser } from './FolderBrowser';
import { RIcon } from './review-icons';

type Scope = 'picks' | 'selection' | 'view';
const LAST_FOLDER = 'likeness.export.folder';

/** Export: which outputs, where, as what; a job with progress and cancel in the jobs panel. */
export function ExportDialog({
  picks,
  selection,
  view,
  viewTotal,
  onClose,
}: {
  picks: number;
  selection: readonly number[];
  /** The view's ids loaded so far, of `viewTotal`: exporting the view waits until they are all there. */
  view: readonly number[];
  viewTotal: number;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const started = useJobStarted();
  const desktop = studio.pickFolder !== undefined;
  const [scope, setScope] = useState<Scope>(selection.length > 1 ? 'selection' : 'picks');
  // null: the field shows the folder being browsed; a string: what the user typed or picked.
  const [typed, setPath] = useState<string | null>(() => readStorage(LAST_FOLDER));
  const [browsePath, setBrowsePath] = useState<string | undefined>(() => readStorage(LAST_FOLDER) ?? undefined);
  const [fileFormat, setFileFormat] = useState<OutputExportFormat>('original');
  const [size, setSize] = useState('');
  const [quality, setQuality] = useState(92);
  const [xmp, setXmp] = useState(true);
  const [contactSheet, setContactSheet] = useState(false);

  const listing = useQuery({
    queryKey: queryKeys.browse(browsePath),
    queryFn: () => studio.api.system.browse(browsePath ? { path: browsePath } : {}),
    enabled: !desktop,
    retry: false,
  });

  // Until the user browses somewhere, propose a new dated folder rather than the home folder itself.
  const browsed = listing.data?.path;
  const path =
    typed ??
    (browsed !== undefined && browsePath === undefined
      ? suggestedExportFolder(browsed, t('review.export.newFolderName', { date: localDateStamp(new Date()) }))
      : (browsed ?? ''));
  // Read-only until the browsed folder arrives: typing before it would have it land under the cursor, mid-word.
  const awaitingSuggestion = typed === null && !desktop && listing.isPending;
  const counts: Record<Scope, number> = { picks, selection: selection.length, view: viewTotal };
  const ready: Record<Scope, boolean> = { picks: true, selection: true, view: view.length === viewTotal };
  const start = useMutation({
    mutationFn: () => {
      const request: OutputExportRequest = {
        outDir: path.trim(),
        format: fileFormat,
        quality,
        xmp,
        contactSheet,
        ...(size.trim() ? { size: Number(size) } : {}),
        ...(scope === 'picks' ? { filter: { flag: 'pick' } } : { ids: [...(scope === 'selection' ? selection : view)] }),
      };
      return studio.api.review.export(request);
    },
    onSuccess: (job) => {
      writeStorage(LAST_FOLDER, path.trim());
      started(job);
      onClose();
    },
  });
  const pick = useMutation({ mutationFn: async () => (await studio.pickFolder?.()) ?? null, onSuccess: (picked) => picked && setPath(picked) });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };

  return (
    <ModalDialog title={t('review.export.title')} className="export-dialog" onClose={onClose} onSubmit={submit}>
      <div className="dialog-body">
        <fieldset className="radio-group">
          <legend>{t('review.export.what')}</legend>
          {(['picks', 'selection', 'view'] as const).map((s) => (
            <label key={s} className="checkbox">
              <input type="radio" name={`${id}-scope`} checked={scope === s} disabled={!counts[s] || !ready[s]} onChange={() => setScope(s)} />
              <span>{t(`review.export.scope.${s}`, { count: counts[s], formatted: format.number(counts[s]) })}</span>
            </label>
          ))}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-path`}>{t('review.export.folder')}</label>
          <div className="field-row">
            <input
              id={`${id}-path`}
              className="mono grow"
              value={path}
              spellCheck={false}
              readOnly={awaitingSuggestion}
              aria-busy={awaitingSuggestion}
              placeholder={t('review.export.folderPlaceholder')}
              onChange={(e) => setPath(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !desktop) {
                  e.preventDefault();
                  setBrowsePath(path.trim() || undefined);
                }
              }}
            />
            {desktop && (
              <button type="button" className="button" onClick={() => pick.mutate()}>
                {t('import.choose')}
              </button>
            )}
          </div>
          {!desktop && <p className="field-help">{t('review.export.folderHelp')}</p>}
        </div>
        {!desktop && listing.data && (
          <FolderBrowser
            listing={listing.data}
            onOpen={(target) => {
              setBrowsePath(target);
              setPath(null);
            }}
          />
        )}
        <div className="field-grid">
          <div className="field">
            <label htmlFor={`${id}-format`}>{t('review.export.format')}</label>
            <select id={`${id}-format`} value={fileFormat} onChange={(e) => setFileFormat(e.target.value as OutputExportFormat)}>
              <option value="original">{t('review.export.formats.original')}</option>
              <option value="jpeg">{t('review.export.formats.jpeg')}</option>
              <option value="png">{t('review.export.formats.png')}</option>
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-size`}>{t('review.export.size')}</label>
            <input
              id={`${id}-size`}
              type="number"
              min={64}
              max={16384}
              step={1}
              value={size}
              placeholder={t('review.export.fullSize')}
              onChange={(e) => setSize(e.target.value)}
            />
          </div>
          {fileFormat === 'jpeg' && (
            <div className="field">
              <label htmlFor={`${id}-quality`}>{t('review.export.quality', { quality })}</label>
              <input id={`${id}-quality`} type="range" min={60} max={100} value={quality} onChange={(e) => setQuality(Number(e.target.value))} />
            </div>
          )}
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={xmp} onChange={(e) => setXmp(e.target.checked)} />
          <span>{t('review.export.xmp')}</span>
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={contactSheet} onChange={(e) => setContactSheet(e.target.checked)} />
          <span>{t('review.export.contactSheet')}</span>
        </label>
        <p className="field-help">{t('review.export.metadataHelp')}</p>
        <ErrorNotice error={start.error ?? pick.error} title={t('review.export.failed')} />
      </div>
      <footer className="dialog-footer">
        <button type="button" className="button" onClick={onClose}>
          {t('common.cancel')}
        </button>
        <button type="submit" className="button primary" disabled={start.isPending || !path.trim() || !counts[scope] || !ready[scope]}>
          {t('review.export.start')}
        </button>
      </footer>
    </ModalDialog>
  );
}

/** Where the files of the last export from this page went (the export runs as a job; the jobs panel shows its progress). */
export function ExportNotice() {
  const { t } = useTranslation();
  const format = useFormat();
  const [exported, setExported] = useState<OutputExportResult | null>(null);
  useEffect(
    () =>
      studio.subscribe((event) => {
        if (event.type === 'job:finished' && event.payload.kind === 'review.export' && event.payload.status === 'done') {
          setExported(event.payload.result as OutputExportResult);
        }
      }),
    [],
  );
  if (!exported) return null;
  return (
    <div className="notice export-notice" role="status" data-testid="export-notice">
      <p>
        {t('review.exportDone', { count: exported.exported, formatted: format.number(exported.exported), folder: exported.outDir })}
        {exported.alreadyThere > 0 &&
          ` ${t('review.exportAlreadyThere', { count: exported.alreadyThere, formatted: format.number(exported.alreadyThere) })}`}
        {exported.failed.length > 0 && ` ${t('review.exportFailed', { count: exported.failed.length })}`}
      </p>
      <button type="button" className="icon-button" aria-label={t('common.close')} onClick={() => setExported(null)}>
        <RIcon name="close" size={14} />
      </button>
    </div>
  );
}
