import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorNotice } from '../../app/page-elements';
import type { FarmStatus, FarmWorker } from '../../api/types';
import { useConfigureFarm, useFarmStatus } from './farm-data';

/** The Jobs page's farm section: the address, each worker as it last reported itself, the queue. */
export function FarmPanel() {
  const { t } = useTranslation();
  const status = useFarmStatus();
  const configure = useConfigureFarm();
  const data = status.data;
  return (
    <section className="card farm-panel" aria-labelledby="farm-title" data-testid="farm-panel">
      <header className="farm-header">
        <h2 id="farm-title">{t('jobs.farm.title')}</h2>
        {data?.configured && (
          <span className="farm-address mono" data-testid="farm-url">
            {data.url}
            {data.source === 'flag' && <span className="muted"> · {t('jobs.farm.fromFlag')}</span>}
          </span>
        )}
        {data?.configured && data.source === 'library' && (
          <button type="button" className="button small" disabled={configure.isPending} onClick={() => configure.mutate(null)}>
            {t('jobs.farm.disconnect')}
          </button>
        )}
      </header>
      <ErrorNotice error={status.error ?? configure.error} />
      {data && !data.configured && <FarmSetup onSubmit={(url) => configure.mutate(url)} pending={configure.isPending} />}
      {data?.configured && <FarmState status={data} askedAt={status.dataUpdatedAt} />}
    </section>
  );
}

function FarmSetup({ onSubmit, pending }: { onSubmit: (url: string) => void; pending: boolean }) {
  const { t } = useTranslation();
  const id = useId();
  const [url, setUrl] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (url.trim()) onSubmit(url.trim());
  };
  return (
    <form className="farm-setup" onSubmit={submit}>
      <p className="muted">{t('jobs.farm.notSet')}</p>
      <div className="field-row">
        <label htmlFor={`${id}-url`} className="visually-hidden">
          {t('jobs.farm.address')}
        </label>
        <input
          id={`${id}-url`}
          className="grow mono"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="redis://:PASSWORD@HOST:6379"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
        <button type="submit" className="button" disabled={pending || !url.trim()}>
          {pending ? t('jobs.farm.connecting') : t('jobs.farm.connect')}
        </button>
      </div>
      <p className="field-help">{t('jobs.farm.setupHelp')}</p>
    </form>
  );
}

function FarmState({ status, askedAt }: { status: FarmStatus; askedAt: number }) {
  const { t } = useTranslation();
  if (!status.reachable)
    return (
      <p className="farm-unreachable" role="status">
        {t('jobs.farm.unreachable', { reason: status.error ?? '' })}
        {status.hint && <span className="notice-hint"> {status.hint}</span>}
      </p>
    );
  return (
    <>
      <p className="muted" data-testid="farm-queue">
        {t('jobs.farm.queue', { waiting: status.waiting, active: status.active })}
      </p>
      {status.workers.length === 0 ? (
        <p className="muted">{t('jobs.farm.noWorkers')}</p>
      ) : (
        <table className="farm-workers" data-testid="farm-workers">
          <thead>
            <tr>
              <th scope="col">{t('jobs.farm.host')}</th>
              <th scope="col">{t('jobs.farm.gpu')}</th>
              <th scope="col">{t('jobs.farm.provider')}</th>
              <th scope="col">{t('jobs.farm.current')}</th>
              <th scope="col">{t('jobs.farm.done')}</th>
              <th scope="col">{t('jobs.farm.lastSeen')}</th>
            </tr>
          </thead>
          <tbody>
            {status.workers.map((worker) => (
              <WorkerRow key={worker.id} worker={worker} askedAt={askedAt} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** `askedAt`: when the status was read (it is read every 2 s), the moment "last seen" counts back from. */
function WorkerRow({ worker, askedAt }: { worker: FarmWorker; askedAt: number }) {
  const { t } = useTranslation();
  const seconds = Math.max(0, Math.round((askedAt - worker.lastSeenAt) / 1000));
  return (
    <tr className={worker.online ? 'online' : 'offline'} data-testid="farm-worker">
      <td>
        <span className="farm-dot" aria-hidden="true" /> {worker.host}
        <span className="visually-hidden">{worker.online ? t('jobs.farm.online') : t('jobs.farm.offline')}</span>
      </td>
      <td>{worker.gpu ?? t('jobs.farm.noGpu')}</td>
      <td>{worker.provider ?? '—'}</td>
      <td data-testid="farm-worker-current">
        {worker.current.length
          ? worker.current.map((c) => t('jobs.farm.making', { index: c.index + 1, step: c.step, steps: c.steps })).join(', ')
          : t('jobs.farm.idle')}
      </td>
      <td className="num">{worker.failed ? t('jobs.farm.doneFailed', { done: worker.done, failed: worker.failed }) : worker.done}</td>
      <td>{t('jobs.farm.secondsAgo', { count: seconds })}</td>
    </tr>
  );
}
