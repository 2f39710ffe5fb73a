import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import type { PortraitModelState } from '../../../../native/api/namespaces/portrait';
import { studio } from '../../api';
import { useFormat } from '../../app/format';
import { ErrorNotice } from '../../app/page-elements';
import { InstallFromFile } from '../../components/install-from-file';
import { useModels } from '../generate/generate-data';
import { jobMessage } from '../jobs/job-message';
import { isLive, upsertJob, useFollowedJob, useJobs } from '../jobs/jobs-data';
import { DownloadFailed } from '../models/download-failed';
import { licenseName, modelName } from '../models/model-words';
import { portraitKeys } from './restore-data';

// The models of Restore & Animate's steps: pickers that say what is missing or not allowed, downloads where they are.

/** A model that is not installed: what it is, and a download that shows its progress (a job, like on the Models page). */
function ModelDownload({ model }: { model: PortraitModelState }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const [jobId, setJobId] = useState<number | null>(null);
  const job = useFollowedJob(jobId);
  const start = useMutation({
    mutationFn: () => studio.api.models.download({ id: model.id }),
    onSuccess: (started) => {
      upsertJob(client, started);
      setJobId(started.id);
    },
  });
  const finished = job?.status === 'done';
  useEffect(() => {
    if (!finished) return;
    void client.invalidateQueries({ queryKey: portraitKeys.status });
    // A face detector just installed: look for the faces again.
    if (model.kind === 'face-detector') void client.invalidateQueries({ queryKey: ['portrait', 'inspect'] });
  }, [finished, client, model.kind]);
  return (
    <div className="field-help warning-text restore-download" data-testid="model-download">
      <span>{t('restore.modelMissing', { name: modelName(t, model) })}</span>{' '}
      {job && isLive(job) ? (
        <span className="muted">{jobMessage(t, job) ?? t('restore.downloading')}</span>
      ) : (
        <button type="button" className="button small" disabled={start.isPending} onClick={() => start.mutate()}>
          {t('restore.download')}
        </button>
      )}{' '}
      <Link href="/models" className="text-link">
        {t('restore.openModels')}
      </Link>
      {!(job && isLive(job)) && (
        <InstallFromFile modelId={model.id} onInstalled={() => void client.invalidateQueries({ queryKey: portraitKeys.status })} />
      )}
      <ErrorNotice error={start.error} />
      {job?.status === 'failed' && job.error && <DownloadFailed error={job.error} />}
    </div>
  );
}

/** "Download what this needs (≈ N GB)": every model the chosen steps lack, started at once (each a job). */
export function DownloadAll({ ids }: { ids: string[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const client = useQueryClient();
  const registry = useModels();
  const jobs = useJobs();
  const downloading = (id: string) => jobs.data?.some((j) => j.kind === 'models.download' && isLive(j) && (j.input as { id?: string }).id === id);
  const wanted = ids.filter((id) => !downloading(id));
  const bytes = ids.reduce((n, id) => n + (registry.data?.find((m) => m.id === id)?.size ?? 0), 0);
  const start = useMutation({
    mutationFn: () => Promise.all(wanted.map((id) => studio.api.models.download({ id }))),
    onSuccess: (started) => started.forEach((job) => upsertJob(client, job)),
  });
  return (
    <div className="restore-download-all">
      <button
        type="button"
        className="button small primary"
        data-testid="download-all"
        disabled={!wanted.length || start.isPending}
        onClick={() => start.mutate()}
      >
        {wanted.length ? t('restore.downloadAll', { size: bytes ? `≈ ${format.megabytes(bytes)}` : '' }) : t('restore.downloadingAll')}
      </button>
      <ErrorNotice error={start.error} />
    </div>
  );
}

/** A model picker: every model of the kind, marked when not installed or not allowed by its licence. */
export function ModelSelect({
  label,
  models,
  value,
  onChange,
}: {
  label: string;
  models: PortraitModelState[];
  value: string;
  onChange: (id: string) => void;
}) {
  const { t } = useTranslation();
  const id = useId();
  const chosen = models.find((m) => m.id === value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {modelName(t, m)}
            {!m.commercialUse ? ` · ${t('restore.nonCommercialShort')}` : ''}
            {!m.installed ? ` · ${t('restore.notInstalled')}` : ''}
          </option>
        ))}
      </select>
      {chosen && !chosen.installed && <ModelDownload model={chosen} />}
      {chosen?.installed && !chosen.usable && (
        <p className="field-help warning-text">
          {t('restore.modelNonCommercial', { name: modelName(t, chosen), license: licenseName(t, chosen, chosen.license) })}
        </p>
      )}
    </div>
  );
}

/** The download of the one model a step needs (no choice to make), shown while it is missing. */
export function MissingModel({ models, id }: { models: readonly PortraitModelState[] | undefined; id: string }) {
  const model = models?.find((m) => m.id === id);
  return model && !model.installed ? <ModelDownload model={model} /> : null;
}

/** A step's on/off switch, titled; the step's settings show below it while it is on. */
export function StepHeader({
  id,
  title,
  checked,
  onChange,
  testId,
}: {
  id: string;
  title: string;
  checked: boolean;
  onChange: (on: boolean) => void;
  testId: string;
}) {
  return (
    <label className="checkbox restore-step-toggle" data-testid={testId}>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} aria-describedby={id} />
      <span className="restore-step-title">{title}</span>
    </label>
  );
}
