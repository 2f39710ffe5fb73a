import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { OutputDetail } from '../../api/types';
import { useFormat } from '../../app/format';
import { Icon } from '../../app/icons';
import { queryKeys } from '../../app/query';
import { ErrorNotice, Spinner } from '../../app/ui';
import { outputName } from './OutputGrid';

function Field({ label, children, mono, wide }: { label: string; children: ReactNode; mono?: boolean; wide?: boolean }) {
  const empty = children === null || children === undefined || children === '';
  return (
    <div className={wide ? 'detail-field wide' : 'detail-field'}>
      <dt>{label}</dt>
      <dd className={[mono ? 'mono' : '', empty ? 'muted' : ''].join(' ').trim() || undefined}>{empty ? '—' : children}</dd>
    </div>
  );
}

function Provenance({ output }: { output: OutputDetail }) {
  const { t } = useTranslation();
  const format = useFormat();
  const loras = output.loras.map((l) => (l.weight === null ? l.name : `${l.name} (${l.weight})`)).join(', ');
  return (
    <dl className="detail-fields">
      <Field label={t('detail.prompt')} wide>
        {output.prompt}
      </Field>
      <Field label={t('detail.negativePrompt')} wide>
        {output.negativePrompt}
      </Field>
      <Field label={t('detail.seed')} mono>
        {output.seed}
      </Field>
      <Field label={t('detail.steps')}>{output.steps}</Field>
      <Field label={t('detail.scheduler')}>{output.scheduler}</Field>
      <Field label={t('detail.guidance')}>{output.guidance}</Field>
      <Field label={t('detail.model')} wide>
        {output.model && (
          <>
            {output.model}
            {output.modelHash && <span className="muted mono"> {output.modelHash.slice(0, 10)}</span>}
          </>
        )}
      </Field>
      {loras && (
        <Field label={t('detail.loras')} wide>
          {loras}
        </Field>
      )}
      <Field label={t('detail.generator')}>{output.generator}</Field>
      <Field label={t('detail.dimensions')}>{t('review.dimensions', { width: output.width, height: output.height })}</Field>
      <Field label={t('detail.created')}>{format.dateTime(output.createdAt)}</Field>
      <Field label={t('detail.originalPath')} mono wide>
        {output.originalPath}
      </Field>
    </dl>
  );
}

export function OutputDetailPanel({ id, onClose }: { id: number; onClose: () => void }) {
  const { t } = useTranslation();
  const closeButton = useRef<HTMLButtonElement>(null);
  const { data, error, isPending } = useQuery({ queryKey: queryKeys.output(id), queryFn: () => studio.api.catalog.getOutput({ id }) });

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape' && !document.querySelector('dialog[open]')) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const name = data ? outputName(data, t('review.untitled', { id })) : '';
  return (
    <aside className="detail-panel" aria-label={t('detail.label')} data-testid="output-detail">
      <header className="detail-header">
        <h2 className="detail-title" title={name}>
          {name}
        </h2>
        <button ref={closeButton} type="button" className="icon-button" aria-label={t('detail.close')} title={t('detail.close')} onClick={onClose}>
          <Icon name="close" size={16} />
        </button>
      </header>
      <div className="detail-body">
        {isPending && <Spinner label={t('common.loading')} />}
        <ErrorNotice error={error} />
        {data && (
          <>
            <div className="detail-image">
              {data.kind === 'video' ? (
                <video
                  key={data.hash}
                  src={studio.mediaUrl(data.hash)}
                  poster={data.thumbHash ? studio.mediaUrl(data.thumbHash) : undefined}
                  controls
                  playsInline
                  aria-label={name}
                />
              ) : (
                <img src={studio.mediaUrl(data.hash)} alt={name} />
              )}
            </div>
            <Provenance output={data} />
          </>
        )}
      </div>
    </aside>
  );
}
