import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { UNKNOWN_LICENSE } from '../../../../native/api/namespaces/models';
import { DownloadFailed } from './download-failed';
import { studio } from '../../api';
import { queryKeys } from '../../app/query';
import { useFormat } from '../../app/format';
import { ErrorNotice, PageHeader, Spinner } from '../../app/page-elements';
import { ConfirmInline } from '../../components/ConfirmInline';
import { latestJob } from '../jobs/latest-job';
import { isLive, upsertJob, useJobs } from '../jobs/jobs-data';
import { generateKeys, useLoras, useModels, type LoraInfo, type ModelInfo } from '../generate/generate-data';
import '../../styles/models.css';
import { InstallFromFile } from '../../components/install-from-file';
import { jobMessage } from '../jobs/job-message';
import { licenseName, modelName } from './model-words';

const families = ['sd15', 'sd21', 'sd-turbo', 'sdxl', 'sdxl-turbo'] as const;

function formatBytes(bytes: number | null, number: (n: number) => string): string {
  if (!bytes) return '—';
  if (bytes >= 1e9) return `${number(Math.round(bytes / 1e8) / 10)} GB`;
  if (bytes >= 1e6) return `${number(Math.round(bytes / 1e6))} MB`;
  return `${number(Math.max(1, Math.round(bytes / 1e3)))} kB`;
}

export function ModelsPage() {
  const { t } = useTranslation();
  const models = useModels();
  const diffusion = models.data?.filter((m) => m.kind === 'diffusion') ?? [];
  // Face detection, restoration, colour, upscaling, animation and lip sync (Restore & Animate, People).
  const others = models.data?.filter((m) => m.kind !== 'diffusion' && m.source === 'registry') ?? [];
  return (
    <div className="page models-page">
      <PageHeader title={t('nav.models')} subtitle={t('models.subtitle')} />
      {models.isPending && <Spinner label={t('common.loading')} />}
      <ErrorNotice error={models.error} />
      {models.data && (
        <section aria-labelledby="models-diffusion">
          <h2 id="models-diffusion" className="section-title">
            {t('models.diffusionTitle')}
          </h2>
          <ModelTable models={diffusion} secondColumn={t('models.family')} />
        </section>
      )}
      <div className="models-columns">
        <AddFolderForm />
        <LorasSection />
      </div>
      {others.length > 0 && (
        <section aria-labelledby="models-other" className="models-other">
          <h2 id="models-other" className="section-title">
            {t('models.otherTitle')}
          </h2>
          <ModelTable models={others} secondColumn={t('models.use')} />
        </section>
      )}
      <LikenessModelSection />
      <ProvidersSection />
    </div>
  );
}

/** Which face-recognition model scores likeness: the built-in one works offline; downloads are stronger. */
function LikenessModelSection() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const models = useQuery({ queryKey: ['likeness', 'models'], queryFn: () => studio.api.likeness.listModels() });
  const choose = useMutation({
    mutationFn: (id: string) => studio.api.likeness.setModel({ id }),
    onSuccess: (list) => client.setQueryData(['likeness', 'models'], list),
  });
  if (!models.data) return null;
  return (
    <section aria-labelledby="models-likeness" className="models-likeness" data-testid="likeness-models">
      <h2 id="models-likeness" className="section-title">
        {t('models.likeness.title')}
      </h2>
      <p className="field-help">{t('models.likeness.help')}</p>
      <ul className="likeness-model-list">
        {models.data.map((m) => (
          <li key={m.id} data-model-id={m.id}>
            <label>
              <input
                type="radio"
                name="likeness-model"
                checked={m.active}
                disabled={!m.installed || choose.isPending}
                onChange={() => choose.mutate(m.id)}
              />
              <span className="model-name">{modelName(t, m)}</span>
            </label>
            <span className="muted small-text">
              {m.builtIn ? t('models.likeness.builtIn') : m.installed ? t('models.likeness.installed') : t('models.likeness.download')} ·{' '}
              {t('models.likeness.numbers', { dims: m.dims })} · {licenseName(t, m, m.license.name)}
            </span>
          </li>
        ))}
      </ul>
      <ErrorNotice error={choose.error} />
    </section>
  );
}

/** A table of models; the second column says what each is for (its family for diffusion models). */
function ModelTable({ models, secondColumn }: { models: ModelInfo[]; secondColumn: string }) {
  const { t } = useTranslation();
  return (
    <table className="table models-table">
      <thead>
        <tr>
          <th scope="col">{t('models.name')}</th>
          <th scope="col">{secondColumn}</th>
          <th scope="col" className="num">
            {t('models.size')}
          </th>
          <th scope="col">{t('models.license')}</th>
          <th scope="col">{t('models.state')}</th>
          <th scope="col">
            <span className="visually-hidden">{t('common.actions')}</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {models.map((model) => (
          <ModelRow key={model.id} model={model} />
        ))}
      </tbody>
    </table>
  );
}

function ModelRow({ model }: { model: ModelInfo }) {
  const { t, i18n } = useTranslation();
  const format = useFormat();
  const client = useQueryClient();
  const jobs = useJobs();
  const [confirming, setConfirming] = useState(false);
  // The running download, else the latest one: a download that failed keeps its reason on this row until the next try.
  const job =
    jobs.data?.find((j) => j.id === model.downloadJobId) ??
    latestJob(jobs.data, (j) => j.kind === 'models.download' && (j.input as { id?: string }).id === model.id);
  const downloading = job !== undefined && isLive(job);
  const refresh = () => void client.invalidateQueries({ queryKey: generateKeys.models });
  const download = useMutation({
    mutationFn: () => studio.api.models.download({ id: model.id }),
    onSuccess: (started) => {
      upsertJob(client, started);
      refresh();
    },
  });
  const cancel = useMutation({ mutationFn: () => studio.api.jobs.cancel({ id: job!.id }), onSuccess: (j) => (upsertJob(client, j), refresh()) });
  const checks = jobs.data?.filter((j) => j.kind === 'models.verify' && (j.input as { id?: string }).id === model.id) ?? [];
  const checking = checks.find(isLive);
  // A check that ends writes its report beside the model: read the row again to show it.
  const lastCheck = latestJob(checks, () => true);
  const lastCheckEnded = lastCheck !== undefined && !isLive(lastCheck);
  useEffect(() => {
    if (lastCheckEnded) refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per check that ends
  }, [lastCheck?.id, lastCheckEnded]);
  const verify = useMutation({ mutationFn: () => studio.api.models.verify({ id: model.id }), onSuccess: (started) => upsertJob(client, started) });
  const remove = useMutation({ mutationFn: () => studio.api.models.remove({ id: model.id }), onSuccess: () => (setConfirming(false), refresh()) });
  const commercial = model.license.commercialUse;
  const name = model.source === 'registry' ? modelName(t, model) : model.name;
  const description = model.translations[i18n.resolvedLanguage ?? 'en']?.description ?? model.description;
  return (
    <tr data-testid="model-row" data-model-id={model.id}>
      <th scope="row">
        <span className="model-name">{name}</span>
        {description && <span className="model-description">{description}</span>}
        {model.runsOn && (
          <span className="model-description" data-testid="runs-on">
            {t('models.runsOnOnly', { providers: model.runsOn.map((p) => t(`models.providerNames.${p}`, { defaultValue: p })).join(' / ') })}
          </span>
        )}
        {model.source === 'local' && <span className="model-description mono">{model.folder}</span>}
      </th>
      <td>
        {model.family
          ? t(`models.families.${model.family}`, { defaultValue: model.family })
          : model.kind !== 'diffusion'
            ? t(`models.kinds.${model.kind}`, { defaultValue: model.kind })
            : '—'}
      </td>
      <td className="num">
        {model.size && !model.sizeExact ? '≈ ' : ''}
        {formatBytes(model.size, format.number)}
      </td>
      <td>
        <span className="license-name">
          {model.license.name === UNKNOWN_LICENSE ? t('models.licenseOfFolder') : licenseName(t, model, model.license.name)}
        </span>
        <span className={commercial === false ? 'license-badge warning' : commercial ? 'license-badge ok' : 'license-badge'}>
          {commercial === false ? t('models.nonCommercial') : commercial ? t('models.commercial') : t('models.licenseUnknown')}
        </span>
      </td>
      <td>
        {downloading ? (
          <div className="download-state">
            <div
              className="progress"
              role="progressbar"
              aria-label={t('models.downloadNamed', { name })}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={Math.round(job.progress * 100)}
            >
              <div className="progress-fill" style={{ width: `${job.progress * 100}%` }} />
            </div>
            <span className="small-text muted">{jobMessage(t, job) ?? t('models.downloading')}</span>
          </div>
        ) : (
          <span className={`state-chip state-${model.state}`}>
            {model.source === 'local' && model.state === 'installed' ? t('models.local') : t(`models.states.${model.state}`)}
          </span>
        )}
        {job?.status === 'failed' && job.error && model.state !== 'installed' && <DownloadFailed error={job.error} />}
        {model.verified && !checking && (
          <span className={`small-text ${model.verified.ok ? 'muted' : 'warning-text'}`} data-testid="model-verified" title={model.verified.summary}>
            {model.verified.ok
              ? t('models.verifiedOk', { date: format.dateTime(model.verified.at) })
              : t('models.verifiedFailed', { summary: model.verified.summary })}
          </span>
        )}
        {checking && <span className="small-text muted">{jobMessage(t, checking) ?? t('models.checking')}</span>}
      </td>
      <td className="row-actions">
        {downloading && (
          <button type="button" className="button small" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {t('models.cancelDownload')}
          </button>
        )}
        {!downloading && model.source === 'registry' && model.state !== 'installed' && (
          <button
            type="button"
            className="button small primary"
            onClick={() => download.mutate()}
            disabled={download.isPending}
            aria-label={t('models.downloadNamed', { name })}
          >
            {model.state === 'incomplete' ? t('models.resume') : t('models.download')}
            {model.size ? ` · ${model.sizeExact ? '' : '≈ '}${formatBytes(model.size, format.number)}` : ''}
          </button>
        )}
        {!downloading && model.source === 'registry' && model.state !== 'installed' && <InstallFromFile modelId={model.id} onInstalled={refresh} />}
        {!downloading && model.source === 'registry' && model.state === 'installed' && (
          <button
            type="button"
            className="button small"
            onClick={() => verify.mutate()}
            disabled={verify.isPending || checking !== undefined}
            aria-label={t('models.checkNamed', { name })}
          >
            {t('models.check')}
          </button>
        )}
        {!downloading &&
          (model.source === 'local' || model.state !== 'missing') &&
          (confirming ? (
            <ConfirmInline
              question={model.source === 'local' ? t('models.confirmRemoveLocal') : t('models.confirmRemoveDownloaded')}
              confirmLabel={t('models.remove')}
              pending={remove.isPending}
              onConfirm={() => remove.mutate()}
              onKeep={() => setConfirming(false)}
            />
          ) : (
            <button type="button" className="button small" onClick={() => setConfirming(true)} aria-label={t('models.removeNamed', { name })}>
              {t('models.remove')}
            </button>
          ))}
        <ErrorNotice error={download.error ?? remove.error ?? cancel.error ?? verify.error} />
      </td>
    </tr>
  );
}

function AddFolderForm() {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const [path, setPath] = useState('');
  const [name, setName] = useState('');
  const [family, setFamily] = useState('');
  const add = useMutation({
    mutationFn: () =>
      studio.api.models.addFolder({ path, name: name.trim() || undefined, family: (family || undefined) as (typeof families)[number] | undefined }),
    onSuccess: () => {
      setPath('');
      setName('');
      void client.invalidateQueries({ queryKey: generateKeys.models });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  const pick = studio.pickFolder;
  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        {t('models.addFolderTitle')}
      </h2>
      <p className="field-help">{t('models.addFolderHelp')}</p>
      <div className="field">
        <label htmlFor={`${id}-path`}>{t('models.folder')}</label>
        <div className="field-row">
          <input
            id={`${id}-path`}
            className="grow mono"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder={t('models.folderPlaceholder')}
            spellCheck={false}
            autoComplete="off"
          />
          {pick && (
            <button type="button" className="button" onClick={() => void pick().then((chosen) => chosen && setPath(chosen))}>
              {t('models.choose')}
            </button>
          )}
        </div>
      </div>
      <div className="field-row">
        <div className="field grow">
          <label htmlFor={`${id}-name`}>{t('models.displayName')}</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={`${id}-family`}>{t('models.family')}</label>
          <select id={`${id}-family`} value={family} onChange={(e) => setFamily(e.target.value)}>
            <option value="">{t('models.familyAuto')}</option>
            {families.map((f) => (
              <option key={f} value={f}>
                {t(`models.families.${f}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={!path.trim() || add.isPending}>
          {add.isPending ? t('models.adding') : t('models.add')}
        </button>
        {add.data && (
          <span className="muted" role="status">
            {t('models.added', { name: add.data.name })}
          </span>
        )}
      </div>
      <ErrorNotice error={add.error} />
    </form>
  );
}

function LorasSection() {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const loras = useLoras();
  const people = useQuery({ queryKey: queryKeys.people, queryFn: () => studio.api.people.list() });
  const [path, setPath] = useState('');
  const [personId, setPersonId] = useState('');
  const add = useMutation({
    mutationFn: () => studio.api.models.addLora({ path, personId: personId ? Number(personId) : null }),
    onSuccess: () => {
      setPath('');
      void client.invalidateQueries({ queryKey: generateKeys.loras });
    },
  });
  const remove = useMutation({
    mutationFn: (lora: LoraInfo) => studio.api.models.removeLora({ id: lora.id }),
    onSuccess: () => void client.invalidateQueries({ queryKey: generateKeys.loras }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <section className="card form" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="card-title">
        {t('models.lorasTitle')}
      </h2>
      {loras.data?.length === 0 && <p className="muted">{t('models.lorasEmpty')}</p>}
      <ul className="lora-library">
        {loras.data?.map((lora) => {
          const owner = people.data?.find((p) => p.id === lora.personId);
          return (
            <li key={lora.id}>
              <span className="model-name">{lora.name}</span>
              <span className="small-text muted">
                {[t('models.modules', { count: lora.modules }), lora.baseModel && t('models.forBase', { base: lora.baseModel }), owner?.name]
                  .filter(Boolean)
                  .join(' · ')}
              </span>
              <button
                type="button"
                className="button small"
                onClick={() => remove.mutate(lora)}
                aria-label={t('models.removeNamed', { name: lora.name })}
              >
                {t('models.remove')}
              </button>
            </li>
          );
        })}
      </ul>
      <form onSubmit={submit} noValidate className="form">
        <h3 className="small-title">{t('models.addLoraTitle')}</h3>
        <div className="field">
          <label htmlFor={`${id}-file`}>{t('models.loraFile')}</label>
          <input
            id={`${id}-file`}
            className="mono"
            value={path}
            onChange={(e) => setPath(e.target.value)}
            placeholder={t('models.loraFilePlaceholder')}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-person`}>{t('models.loraPerson')}</label>
          <select id={`${id}-person`} value={personId} onChange={(e) => setPersonId(e.target.value)}>
            <option value="">{t('models.noPerson')}</option>
            {people.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <button type="submit" className="button" disabled={!path.trim() || add.isPending}>
            {t('models.addLora')}
          </button>
        </div>
        <ErrorNotice error={add.error ?? remove.error} />
      </form>
    </section>
  );
}

function ProvidersSection() {
  const { t } = useTranslation();
  const doctor = useMutation({ mutationFn: () => studio.api.system.doctor() });
  const cuda = doctor.data?.cuda;
  return (
    <section className="card providers-card">
      <div className="providers-head">
        <div>
          <h2 className="card-title">{t('models.providersTitle')}</h2>
          <p className="field-help">{t('models.providersHelp')}</p>
        </div>
        <button type="button" className="button" onClick={() => doctor.mutate()} disabled={doctor.isPending}>
          {doctor.isPending ? t('models.checking') : t('models.checkProviders')}
        </button>
      </div>
      {doctor.data && (
        <ul className="provider-list">
          {doctor.data.providers.map((p) => (
            <li key={p.name} className={p.status === 'ok' ? 'provider ok' : 'provider error'}>
              <strong className="mono">{p.name}</strong> <span>{p.status === 'ok' ? t('models.providerOk', { ms: p.millis ?? 0 }) : p.error}</span>
            </li>
          ))}
          {cuda && (
            <li className="provider">
              {cuda.installed
                ? cuda.missingLibraries.length
                  ? t('models.cudaMissing', { libraries: cuda.missingLibraries.join(', ') })
                  : t('models.cudaReady')
                : t('models.cudaNotInstalled')}
            </li>
          )}
        </ul>
      )}
      <ErrorNotice error={doctor.error} />
    </section>
  );
}
