import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { studio } from '../../api';
import type { Job } from '../../api/types';
import { Icon } from '../../app/icons';
import { EmptyState, ErrorNotice, PageHeader, Spinner } from '../../app/page-elements';
import { HiddenFileInput } from '../../components/HiddenFileInput';
import { upsertJob, useJobs } from '../jobs/jobs-data';
import '../../styles/people.css';
import { useDetectorMissing, usePerson, usePhotos } from './people-data';
import { PhotoDetail } from './PhotoDetail';
import { countVerdicts, FilterBar, PhotoGrid, type FilterKey } from './PhotoGrid';
import { useRejectedFileText, useVetErrorText, verdictKey } from './reasons';
import { LikenessProfileCard } from './LikenessProfileCard';
import { TrainingPanel } from './TrainingPanel';
import { MAX_UPLOAD_BYTES, type PeopleImportResult } from './types';
import { droppedFiles, uploadFiles, type UploadProgress } from './uploads';
import { jobMessage } from '../jobs/job-message';

/** What the last import of this page left to say: files not imported (with why) and vetting that could not run. */
function ImportReport({ job, onDismiss }: { job: Job; onDismiss: () => void }) {
  const { t } = useTranslation();
  const rejectedText = useRejectedFileText();
  const vetErrorText = useVetErrorText();
  if (job.status === 'queued' || job.status === 'running') return null;
  if (job.status !== 'done') return <ErrorNotice error={job.error ?? { message: jobMessage(t, job) ?? t(`jobs.status.${job.status}`) }} />;
  const result = job.result as PeopleImportResult;
  return (
    <div className="notice import-report" role="status" data-testid="import-report">
      <div className="import-report-head">
        <strong>{t('people.imported.title')}</strong>
        <span>{t('people.imported.summary', { imported: result.imported, duplicates: result.duplicates, rejected: result.rejected.length })}</span>
        <button type="button" className="button small" onClick={onDismiss}>
          {t('people.imported.dismiss')}
        </button>
      </div>
      {result.rejected.length > 0 && (
        <>
          <p className="import-report-label">{t('people.imported.notImported')}</p>
          <ul className="rejected-files">
            {result.rejected.map((file) => {
              const { reason, hint } = rejectedText(file);
              return (
                <li key={file.path}>
                  <strong>{file.name}</strong>: {reason} {hint && <span className="muted">{hint}</span>}
                </li>
              );
            })}
          </ul>
        </>
      )}
      {result.vetting.status === 'skipped' && result.vetting.error && (
        <ErrorNotice error={vetErrorText(result.vetting.error)} title={t('people.imported.notVetted')} />
      )}
    </div>
  );
}

export function PersonPage({ params }: { params: { id: string } }) {
  const personId = Number(params.id);
  const { t } = useTranslation();
  const client = useQueryClient();
  const person = usePerson(personId);
  const photos = usePhotos(personId);
  const jobs = useJobs();
  const [filter, setFilter] = useState<FilterKey>('all');
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const [upload, setUpload] = useState<UploadProgress | null>(null);
  const [tooLarge, setTooLarge] = useState<string[]>([]);
  const [importJobId, setImportJobId] = useState<number | null>(null);
  const detectorMissing = useDetectorMissing();
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);

  // The page shows an import's progress and report itself; the drawer stays shut (it would take the photos'
  // columns), and the Jobs button's badge counts the job.
  const started = (job: Job) => upsertJob(client, job);
  const send = useMutation({
    mutationFn: async (files: File[]) => {
      setUpload({ file: 0, files: files.length, bytes: 0, totalBytes: 0 });
      try {
        const { uploads, tooLarge: skipped } = await uploadFiles(files, setUpload);
        setTooLarge(skipped);
        if (!uploads.length) return null;
        return await studio.api.people.import({ personId, uploads });
      } finally {
        setUpload(null);
      }
    },
    onSuccess: (job) => {
      if (!job) return;
      setImportJobId(job.id);
      started(job);
    },
  });
  const revet = useMutation({ mutationFn: () => studio.api.people.vet({ personId, force: true }), onSuccess: started });

  const add = (files: File[]) => {
    if (files.length) send.mutate(files);
  };
  const onDrop = async (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    add(await droppedFiles(event.dataTransfer));
  };

  if (person.isPending) return <Spinner label={t('common.loading')} />;
  if (person.error || !person.data) {
    return (
      <div className="page">
        <ErrorNotice error={person.error ?? t('people.page.notFound')} />
        <Link href="/people" className="text-link">
          {t('people.back')}
        </Link>
      </div>
    );
  }
  const subject = person.data;
  const list = photos.data ?? [];
  const counts = countVerdicts(list);
  const shown = filter === 'all' ? list : list.filter((p) => verdictKey(p.verdict) === filter);
  const selected = list.find((p) => p.id === selectedId);
  const importJob = importJobId === null ? undefined : jobs.data?.find((j) => j.id === importJobId);
  // Photos wait unvetted until the face detector is installed: say so once, above the grid, with where to get it.
  const waitingForDetector = detectorMissing === true && counts.unvetted > 0;

  return (
    <div
      className={`page person-page${dragging ? ' dragging' : ''}`}
      onDragOver={(event) => {
        if (![...event.dataTransfer.types].includes('Files')) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={(event) => void onDrop(event)}
      data-testid="person-page"
    >
      <nav className="breadcrumb">
        <Link href="/people" className="text-link">
          ← {t('people.back')}
        </Link>
      </nav>
      <PageHeader
        title={subject.name}
        subtitle={t('people.page.subtitle', { trigger: subject.trigger, classWord: subject.classWord, size: subject.cropSize })}
      >
        <button type="button" className="button primary" onClick={() => filesInput.current?.click()} disabled={send.isPending}>
          <Icon name="import" size={16} />
          {t('people.page.addPhotos')}
        </button>
        <button type="button" className="button" onClick={() => folderInput.current?.click()} disabled={send.isPending}>
          <Icon name="folder" size={16} />
          {t('people.page.addFolder')}
        </button>
        <button
          type="button"
          className="button"
          title={t('people.page.revetHelp')}
          onClick={() => revet.mutate()}
          disabled={revet.isPending || !list.length}
        >
          {t('people.page.revet')}
        </button>
      </PageHeader>
      <HiddenFileInput ref={filesInput} multiple accept="image/*,.heic,.heif,.avif,.tif,.tiff" testId="add-photos-input" onFiles={add} />
      <HiddenFileInput
        ref={(element) => {
          folderInput.current = element;
          // Not in React's typings: lets the picker choose a whole folder.
          element?.setAttribute('webkitdirectory', '');
        }}
        multiple
        onFiles={add}
      />

      {upload && (
        <div className="upload-progress" role="status">
          <span>{t('people.drop.uploading', { file: Math.max(1, upload.file), files: upload.files })}</span>
          <div className="progress">
            <div className="progress-fill" style={{ width: `${upload.totalBytes ? (100 * upload.bytes) / upload.totalBytes : 0}%` }} />
          </div>
        </div>
      )}
      <ErrorNotice error={send.error ?? revet.error} title={send.error ? t('people.drop.failed') : undefined} />
      {tooLarge.length > 0 && (
        <p className="notice notice-error" role="alert">
          {t('people.drop.tooLarge', { size: MAX_UPLOAD_BYTES / 2 ** 20, names: tooLarge.join(', ') })}
        </p>
      )}
      {importJob && <ImportReport job={importJob} onDismiss={() => setImportJobId(null)} />}
      {waitingForDetector && (
        <div className="notice detector-missing" role="status" data-testid="detector-missing">
          <p>{t('people.notVetted.banner', { count: counts.unvetted })}</p>
          <p className="muted">
            <Link href="/models" className="text-link">
              {t('people.notVetted.openModels')}
            </Link>{' '}
            {t('people.notVetted.orFromFile')} <code>likeness models add yunet-n --file yunet_n_dynamic.onnx</code>
          </p>
        </div>
      )}

      <div className="person-layout">
        <section className="person-photos" aria-label={t('people.grid.label', { name: subject.name })}>
          {list.length > 0 && <FilterBar counts={counts} value={filter} onChange={setFilter} />}
          {photos.isPending && <Spinner label={t('common.loading')} />}
          <ErrorNotice error={photos.error} />
          {photos.data && list.length === 0 ? (
            <div className="drop-zone" data-testid="drop-zone">
              <EmptyState icon="import" title={t('people.drop.title')}>
                <p>{t('people.drop.body')}</p>
              </EmptyState>
            </div>
          ) : (
            <PhotoGrid photos={shown} selectedId={selectedId} onSelect={setSelectedId} label={t('people.grid.label', { name: subject.name })} />
          )}
          {dragging && (
            <div className="drop-overlay" aria-hidden="true">
              <span>{t('people.drop.release', { name: subject.name })}</span>
            </div>
          )}
        </section>
        <aside className="person-side">
          {selected ? (
            <PhotoDetail key={selected.id} photo={selected} person={subject} onClose={() => setSelectedId(null)} />
          ) : (
            <>
              <LikenessProfileCard person={subject} />
              <TrainingPanel person={subject} acceptedCount={counts.accepted} />
            </>
          )}
        </aside>
      </div>
    </div>
  );
}
