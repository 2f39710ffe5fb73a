import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { Person } from '../../api/types';
import { useFormat } from '../../app/format';
import { queryKeys } from '../../app/query';
import { ErrorNotice } from '../../app/page-elements';
import { ModalDialog } from '../../components/ModalDialog';
import { FolderBrowser } from '../review/FolderBrowser';
import { isLive, useJobStarted, useJobs } from '../jobs/jobs-data';
import { latestJob } from '../jobs/latest-job';
import { ShowInFolder } from '../jobs/ShowInFolder';
import { peopleKeys, useLoras, useTrainer, useVersions } from './people-data';
import type { DatasetExportResult, SampleSet, TrainerSettings } from './types';
import { cropSizes, planRepeats } from './types';

/** Where this version was last exported, with its training plan and a way to open the folder. */
function LastExport({ personId, version }: { personId: number; version: number }) {
  const { t } = useTranslation();
  const jobs = useJobs();
  const last = latestJob(jobs.data, (j) => {
    const input = j.input as { personId?: number; version?: number };
    return j.kind === 'people.export' && input.personId === personId && input.version === version;
  });
  if (!last) return null;
  if (isLive(last)) return <span className="small-text muted">{t('people.export.running')}</span>;
  if (last.status !== 'done' || !last.result) return null;
  const result = last.result as DatasetExportResult;
  return (
    <div className="last-export small-text" data-testid="last-export">
      <span>{t('people.export.done', { folder: result.zip ?? result.folder })}</span>
      {result.format === 'kohya' && (
        <span className="muted">
          {t('people.export.plan', {
            images: result.images,
            repeats: result.repeats,
            epochs: result.epochs,
            batch: result.batchSize,
            steps: result.steps,
          })}
        </span>
      )}
      <ShowInFolder jobId={last.id} label={t('people.export.showFolder')} />
    </div>
  );
}

function DatasetExportDialog({ person, version, onClose }: { person: Person; version: SampleSet; onClose: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const startJob = useJobStarted();
  // In the browser the studio's own folders are browsed here (as Import does); the desktop app has its folder picker.
  const desktop = Boolean(studio.pickFolder);
  const [browsePath, setBrowsePath] = useState<string | undefined>(undefined);
  const listing = useQuery({
    queryKey: queryKeys.browse(browsePath),
    queryFn: () => studio.api.system.browse(browsePath ? { path: browsePath } : {}),
    staleTime: 60_000,
  });
  const [format, setFormat] = useState<'kohya' | 'diffusers'>('kohya');
  const [typed, setTyped] = useState<string | null>(null);
  const [zip, setZip] = useState(false);
  const [targetSteps, setTargetSteps] = useState(1500);
  const [epochs, setEpochs] = useState(10);
  const [batchSize, setBatchSize] = useState(1);
  const slug = person.name.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-|-$/g, '') || 'person';
  // Until the user browses somewhere: a folder of its own under "Likeness exports" in their home folder.
  const base = listing.data ? (browsePath === undefined ? `${listing.data.path}/Likeness exports` : listing.data.path) : '';
  const suggested = base ? `${base}/${slug}-v${version.version}-${format}` : '';
  const out = typed ?? suggested;
  // Read-only until the suggestion arrives: typing before it would have it land under the cursor, mid-word.
  const awaitingSuggestion = typed === null && listing.isPending;
  const plan = planRepeats(version.itemCount, { targetSteps, epochs, batchSize });
  const start = useMutation({
    mutationFn: () =>
      studio.api.people.export({ personId: person.id, version: version.version, format, out: out.trim(), zip, targetSteps, epochs, batchSize }),
    onSuccess: (job) => {
      startJob(job);
      onClose();
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    start.mutate();
  };
  const number = (value: number, set: (n: number) => void, label: string, key: string) => (
    <div className="field">
      <label htmlFor={`${id}-${key}`}>{label}</label>
      <input id={`${id}-${key}`} type="number" min={1} value={value} onChange={(e) => set(Math.max(1, Math.round(Number(e.target.value) || 1)))} />
    </div>
  );
  return (
    <ModalDialog title={t('people.export.title', { version: version.version })} onClose={onClose}>
      {() => (
        <form onSubmit={submit} className="dialog-form">
          <div className="dialog-body">
            <fieldset className="field export-formats">
              <legend>{t('people.export.format')}</legend>
              {(['kohya', 'diffusers'] as const).map((f) => (
                <label key={f} className="radio-card">
                  <input type="radio" name={`${id}-format`} value={f} checked={format === f} onChange={() => setFormat(f)} />
                  <span>
                    <strong>{t(`people.export.${f}`)}</strong>
                    <span className="muted small-text">{t(`people.export.${f}Help`)}</span>
                  </span>
                </label>
              ))}
            </fieldset>
            <div className="field">
              <label htmlFor={`${id}-out`}>{t('people.export.folder')}</label>
              <div className="field-row">
                <input
                  id={`${id}-out`}
                  className="mono"
                  value={out}
                  spellCheck={false}
                  autoComplete="off"
                  readOnly={awaitingSuggestion}
                  aria-busy={awaitingSuggestion}
                  onChange={(e) => setTyped(e.target.value)}
                />
                {studio.pickFolder && (
                  <button
                    type="button"
                    className="button"
                    onClick={() => void studio.pickFolder?.().then((picked) => picked && setTyped(`${picked}/${slug}-v${version.version}-${format}`))}
                  >
                    {t('import.choose')}
                  </button>
                )}
              </div>
              <p className="field-help">{t('people.export.folderHelp')}</p>
            </div>
            {!desktop && listing.data && (
              <FolderBrowser
                listing={listing.data}
                onOpen={(target) => {
                  setBrowsePath(target);
                  setTyped(null);
                }}
              />
            )}
            <ErrorNotice error={listing.error} />
            {format === 'kohya' && (
              <>
                <div className="training-field-grid">
                  {number(targetSteps, setTargetSteps, t('people.export.steps'), 'steps')}
                  {number(epochs, setEpochs, t('people.export.epochs'), 'epochs')}
                  {number(batchSize, setBatchSize, t('people.export.batch'), 'batch')}
                </div>
                <p className="small-text" data-testid="export-plan">
                  {t('people.export.plan', { images: version.itemCount, repeats: plan.repeats, epochs, batch: batchSize, steps: plan.steps })}
                </p>
              </>
            )}
            <label className="checkbox">
              <input type="checkbox" checked={zip} onChange={(e) => setZip(e.target.checked)} />
              <span>{t('people.export.zip')}</span>
            </label>
            <ErrorNotice error={start.error} />
          </div>
          <footer className="dialog-footer">
            <button type="button" className="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
            <button type="submit" className="button primary" disabled={start.isPending || !out.trim()}>
              {t('people.export.start')}
            </button>
          </footer>
        </form>
      )}
    </ModalDialog>
  );
}

/** A kohya sd-scripts LoRA run: the user fills in the base model; the rest comes from the version. */
const kohyaExample: Pick<TrainerSettings, 'program' | 'args'> = {
  program: 'accelerate',
  args: [
    'launch',
    '--num_cpu_threads_per_process=1',
    'train_network.py',
    '--pretrained_model_name_or_path=/path/to/base-model.safetensors',
    '--train_data_dir={dataset}',
    '--output_dir={output_dir}',
    '--output_name={output_name}',
    '--resolution={resolution},{resolution}',
    '--caption_extension=.txt',
    '--network_module=networks.lora',
    '--network_dim=16',
    '--network_alpha=8',
    '--learning_rate=1e-4',
    '--max_train_epochs={epochs}',
    '--train_batch_size={batch_size}',
    '--mixed_precision=fp16',
    '--save_model_as=safetensors',
  ],
};

function TrainerDialog({ person, version, onClose }: { person: Person; version: SampleSet | undefined; onClose: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const startJob = useJobStarted();
  const trainer = useTrainer();
  const [draft, setDraft] = useState<TrainerSettings | null>(null);
  const current = draft ?? (trainer.data ? { ...trainer.data } : null);
  const edit = (patch: Partial<TrainerSettings>) => current && setDraft({ ...current, ...patch });
  const save = useMutation({
    mutationFn: async (andTrain: boolean) => {
      const status = await studio.api.people.setTrainer(current!);
      client.setQueryData(peopleKeys.trainer, status);
      if (!andTrain || !version) return null;
      return studio.api.people.train({ personId: person.id, version: version.version });
    },
    onSuccess: (job) => {
      if (job) {
        startJob(job);
        onClose();
      }
    },
  });
  return (
    <ModalDialog title={t('people.train.title')} onClose={onClose}>
      {() =>
        current && (
          <form
            className="dialog-form"
            onSubmit={(event) => {
              event.preventDefault();
              save.mutate(true);
            }}
          >
            <div className="dialog-body">
              <p className="muted">{t('people.train.help')}</p>
              {trainer.data?.problemCode && (
                <p className="notice trainer-problem">
                  {t(`people.train.problems.${trainer.data.problemCode}`, { program: trainer.data.program, cwd: trainer.data.cwd })}
                </p>
              )}
              <div>
                <button type="button" className="button small" onClick={() => edit(kohyaExample)}>
                  {t('people.train.example')}
                </button>
              </div>
              <div className="field">
                <label htmlFor={`${id}-program`}>{t('people.train.program')}</label>
                <input
                  id={`${id}-program`}
                  className="mono"
                  value={current.program}
                  spellCheck={false}
                  onChange={(e) => edit({ program: e.target.value })}
                />
                <p className="field-help">{t('people.train.programHelp')}</p>
              </div>
              <div className="field">
                <label htmlFor={`${id}-args`}>{t('people.train.args')}</label>
                <textarea
                  id={`${id}-args`}
                  className="mono"
                  rows={7}
                  spellCheck={false}
                  value={current.args.join('\n')}
                  onChange={(e) => edit({ args: e.target.value.split('\n') })}
                />
                <p className="field-help">{t('people.train.argsHelp')}</p>
              </div>
              <div className="field">
                <label htmlFor={`${id}-cwd`}>{t('people.train.cwd')}</label>
                <input id={`${id}-cwd`} className="mono" value={current.cwd} spellCheck={false} onChange={(e) => edit({ cwd: e.target.value })} />
                <p className="field-help">{t('people.train.cwdHelp')}</p>
              </div>
              <div className="training-field-grid">
                <div className="field">
                  <label htmlFor={`${id}-family`}>{t('people.train.family')}</label>
                  <input id={`${id}-family`} value={current.family} placeholder="sd15, sdxl…" onChange={(e) => edit({ family: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-steps`}>{t('people.export.steps')}</label>
                  <input
                    id={`${id}-steps`}
                    type="number"
                    min={1}
                    value={current.targetSteps}
                    onChange={(e) => edit({ targetSteps: Math.max(1, Number(e.target.value) || 1) })}
                  />
                </div>
                <div className="field">
                  <label htmlFor={`${id}-epochs`}>{t('people.export.epochs')}</label>
                  <input
                    id={`${id}-epochs`}
                    type="number"
                    min={1}
                    value={current.epochs}
                    onChange={(e) => edit({ epochs: Math.max(1, Number(e.target.value) || 1) })}
                  />
                </div>
              </div>
              <ErrorNotice error={save.error} />
            </div>
            <footer className="dialog-footer">
              <button type="button" className="button" disabled={save.isPending} onClick={() => save.mutate(false)}>
                {t('people.train.save')}
              </button>
              {version && (
                <button type="submit" className="button primary" disabled={save.isPending || !current.program.trim()}>
                  {t('people.train.saveAndTrain')}
                </button>
              )}
            </footer>
          </form>
        )
      }
    </ModalDialog>
  );
}

function SettingsCard({ person }: { person: Person }) {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const update = useMutation({
    mutationFn: (patch: { cropSize?: 512 | 768 | 1024; cropPadding?: 'shift' | 'mirror' }) => studio.api.people.update({ id: person.id, ...patch }),
    onSuccess: (saved) => {
      client.setQueryData(peopleKeys.person(person.id), saved);
      void client.invalidateQueries({ queryKey: queryKeys.people });
    },
  });
  return (
    <section className="card side-card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        {t('people.page.settings')}
      </h2>
      <div className="field">
        <label htmlFor={`${id}-size`}>{t('people.cropSize')}</label>
        <select
          id={`${id}-size`}
          value={person.cropSize}
          disabled={update.isPending}
          onChange={(e) => update.mutate({ cropSize: Number(e.target.value) as 512 | 768 | 1024 })}
        >
          {cropSizes.map((size) => (
            <option key={size} value={size}>
              {t(`people.cropSizes.${size}`)}
            </option>
          ))}
        </select>
        <p className="field-help">{t('people.cropSizeHelp')}</p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-padding`}>{t('people.cropPadding')}</label>
        <select
          id={`${id}-padding`}
          value={person.cropPadding}
          disabled={update.isPending}
          onChange={(e) => update.mutate({ cropPadding: e.target.value as 'shift' | 'mirror' })}
        >
          {(['shift', 'mirror'] as const).map((p) => (
            <option key={p} value={p}>
              {t(`people.cropPaddings.${p}`)}
            </option>
          ))}
        </select>
      </div>
      <ErrorNotice error={update.error} />
    </section>
  );
}

/** Fewer accepted photos than this and a LoRA trained on them often looks less like the person (10–30 is usual). */
const FEW_PHOTOS = 10;

/** The side panel when no photo is selected: settings, versions (freeze, export, train) and trained LoRAs. */
export function TrainingPanel({ person, acceptedCount }: { person: Person; acceptedCount: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const client = useQueryClient();
  const versions = useVersions(person.id);
  const loras = useLoras(person.id);
  const trainer = useTrainer();
  const startJob = useJobStarted();
  const [note, setNote] = useState('');
  const [exporting, setExporting] = useState<SampleSet | null>(null);
  const [trainerFor, setTrainerFor] = useState<{ version: SampleSet | undefined } | null>(null);
  const freeze = useMutation({
    mutationFn: () => studio.api.people.freeze({ personId: person.id, note }),
    onSuccess: () => {
      setNote('');
      void client.invalidateQueries({ queryKey: peopleKeys.versions(person.id) });
      void client.invalidateQueries({ queryKey: peopleKeys.photos(person.id) });
    },
  });
  const train = useMutation({
    mutationFn: (version: SampleSet) => studio.api.people.train({ personId: person.id, version: version.version }),
    onSuccess: startJob,
  });
  const onTrain = (version: SampleSet) => (trainer.data?.configured ? train.mutate(version) : setTrainerFor({ version }));

  return (
    <div className="training-panel">
      <section className="card side-card" aria-labelledby={`${id}-versions`}>
        <h2 id={`${id}-versions`} className="card-title">
          {t('people.versions.title')}
        </h2>
        <p className="muted small-text">{t('people.versions.help')}</p>
        <form
          className="freeze-form"
          onSubmit={(event) => {
            event.preventDefault();
            freeze.mutate();
          }}
        >
          <div className="field">
            <label htmlFor={`${id}-note`}>{t('people.versions.note')}</label>
            <input id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} placeholder={t('people.versions.notePlaceholder')} />
          </div>
          <p className="small-text">{t('people.versions.accepted', { count: acceptedCount })}</p>
          {acceptedCount > 0 && acceptedCount < FEW_PHOTOS && (
            <p className="small-text warning-text" data-testid="few-photos">
              {t('people.versions.fewPhotos', { count: FEW_PHOTOS })}
            </p>
          )}
          <button type="submit" className="button primary" disabled={freeze.isPending || acceptedCount === 0}>
            {t('people.versions.freeze')}
          </button>
        </form>
        <ErrorNotice error={freeze.error ?? train.error} />
        {versions.data && versions.data.length === 0 && <p className="muted">{t('people.versions.none')}</p>}
        <ul className="version-list">
          {versions.data?.map((version) => (
            <li key={version.id} className="version-row" data-testid="version-row">
              <div className="version-text">
                <strong>{t('people.versions.item', { version: version.version })}</strong>
                <span className="muted small-text">
                  {t('people.versions.itemMeta', { count: version.itemCount, size: version.cropSize, date: format.dateTime(version.createdAt) })}
                </span>
                {version.note && <span className="small-text">{version.note}</span>}
                <LastExport personId={person.id} version={version.version} />
              </div>
              <div className="version-actions">
                <button type="button" className="button small" onClick={() => setExporting(version)}>
                  {t('people.versions.export')}
                </button>
                <button type="button" className="button small" disabled={train.isPending} onClick={() => onTrain(version)}>
                  {t('people.versions.train')}
                </button>
              </div>
            </li>
          ))}
        </ul>
      </section>

      <section className="card side-card" aria-labelledby={`${id}-trainer`}>
        <div className="card-title-row">
          <h2 id={`${id}-trainer`} className="card-title">
            {t('people.train.loras')}
          </h2>
          <button type="button" className="button small" onClick={() => setTrainerFor({ version: versions.data?.[0] })}>
            {t('people.train.title')}…
          </button>
        </div>
        {trainer.data && !trainer.data.configured && <p className="muted small-text">{t('people.train.notConfigured')}</p>}
        {loras.data && loras.data.length === 0 && <p className="muted small-text">{t('people.train.noLoras')}</p>}
        <ul className="trained-lora-list">
          {loras.data?.map((lora) => (
            <li key={lora.id}>
              <strong>{lora.name}</strong>
              <span className="muted small-text">
                {/* A LoRA added by hand (Models page, `models add-lora --person`) has no version or step count. */}
                {lora.version === null || lora.version === undefined
                  ? t('people.train.loraAdded', { date: format.dateTime(lora.installedAt) })
                  : t('people.train.loraMeta', {
                      version: lora.version,
                      steps: String(lora.meta.steps ?? '–'),
                      date: format.dateTime(lora.installedAt),
                    })}
              </span>
              <code className="small-text lora-path">{lora.path}</code>
            </li>
          ))}
        </ul>
      </section>

      <SettingsCard person={person} />

      {exporting && <DatasetExportDialog person={person} version={exporting} onClose={() => setExporting(null)} />}
      {trainerFor && <TrainerDialog person={person} version={trainerFor.version} onClose={() => setTrainerFor(null)} />}
    </div>
  );
}
