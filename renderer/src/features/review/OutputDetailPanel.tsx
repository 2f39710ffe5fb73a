import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { memo, useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { studio } from '../../api';
import type { OutputDetail } from '../../api/types';
import { useFormat } from '../../app/format';
import { queryKeys } from '../../app/query';
import { ErrorNotice, Spinner } from '../../app/page-elements';
import { madeWith } from '../restore/made-with';
import type { DecisionHandlers } from './Loupe';
import { LikenessSection, ScoreAgainstPerson } from './likeness';
import { ReviewControls } from './decision-marks';
import { outputName } from './OutputGrid';
import { RIcon } from './review-icons';
import { reviewKeys, useReviewServices } from './review-data';
import { useSummary } from './summaries';

function Field({ label, children, mono, wide, copy }: { label: string; children: ReactNode; mono?: boolean; wide?: boolean; copy?: string | null }) {
  const { t } = useTranslation();
  const empty = children === null || children === undefined || children === '';
  return (
    <div className={wide ? 'detail-field wide' : 'detail-field'}>
      <dt>
        {label}
        {copy && (
          <button
            type="button"
            className="copy-button"
            aria-label={t('detail.copy', { what: label })}
            title={t('detail.copy', { what: label })}
            onClick={() => void navigator.clipboard?.writeText(copy)}
          >
            <RIcon name="copy" size={12} />
          </button>
        )}
      </dt>
      <dd className={[mono ? 'mono' : '', empty ? 'muted' : ''].join(' ').trim() || undefined}>{empty ? '—' : children}</dd>
    </div>
  );
}

function Provenance({ output }: { output: OutputDetail }) {
  const { t } = useTranslation();
  const format = useFormat();
  const loras = output.loras.map((l) => (l.weight === null ? l.name : `${l.name} (${l.weight})`)).join(', ');
  const timings = output.timings ? Object.entries(output.timings).map(([k, v]) => `${k.replace(/Ms$/, '')} ${format.number(Math.round(v))} ms`) : [];
  // Reels, restorations and animated clips say what they were made with (an animation's seed is one of its
  // settings); they and plain photos have no generation settings, whose fields would all read "—".
  const made = madeWith(t, output);
  const generated = !made && (output.prompt !== null || output.seed !== null || output.steps !== null || output.loras.length > 0);
  return (
    <dl className="detail-fields" data-testid="provenance">
      <Field label={t('detail.source')}>{t(`detail.sources.${output.source}`, { defaultValue: output.source })}</Field>
      {made?.map((field) => (
        <Field key={field.label} label={field.label} wide>
          {field.value}
        </Field>
      ))}
      {generated && (
        <>
          <Field label={t('detail.prompt')} wide copy={output.prompt}>
            {output.prompt}
          </Field>
          <Field label={t('detail.negativePrompt')} wide>
            {output.negativePrompt}
          </Field>
          <Field label={t('detail.seed')} mono copy={output.seed === null ? null : String(output.seed)}>
            {output.seed}
          </Field>
          <Field label={t('detail.steps')}>{output.steps}</Field>
          <Field label={t('detail.scheduler')}>{output.scheduler}</Field>
          <Field label={t('detail.guidance')}>{output.guidance}</Field>
        </>
      )}
      {(generated || output.model) && (
        <Field label={t('detail.model')} wide>
          {output.model && (
            <>
              {output.model}
              {output.modelHash && <span className="muted mono"> {output.modelHash.slice(0, 10)}</span>}
            </>
          )}
        </Field>
      )}
      {generated && (
        <Field label={t('detail.loras')} wide>
          {loras}
        </Field>
      )}
      <Field label={t('detail.dimensions')}>{t('review.dimensions', { width: output.width, height: output.height })}</Field>
      {output.durationMs !== null && (
        <Field label={t('detail.duration')}>{t('detail.seconds', { seconds: (output.durationMs / 1000).toFixed(1) })}</Field>
      )}
      {(generated || output.provider) && <Field label={t('detail.provider')}>{output.provider}</Field>}
      {output.template && !made && <Field label={t('detail.template')}>{output.template}</Field>}
      {output.batchId && (
        <Field label={t('detail.batch')} mono>
          {output.batchId}
        </Field>
      )}
      {timings.length > 0 && (
        <Field label={t('detail.timings')} wide>
          {timings.join(' · ')}
        </Field>
      )}
      {output.generator && <Field label={t('detail.generator')}>{output.generator}</Field>}
      <Field label={t('detail.appVersion')}>{output.appVersion}</Field>
      <Field label={t('detail.created')}>{format.dateTime(output.createdAt)}</Field>
      {output.originalPath && (
        <Field label={t('detail.originalPath')} mono wide>
          {output.originalPath}
        </Field>
      )}
    </dl>
  );
}

/** A note, written when the field loses focus or on Ctrl/Cmd+Enter (undoable like any decision). */
function NoteEditor({ id, note }: { id: number; note: string }) {
  const { t } = useTranslation();
  const { decisions } = useReviewServices();
  const [text, setText] = useState(note);
  const field = useId();
  // Another output, or the note changed elsewhere (undo): show that.
  const [shown, setShown] = useState({ id, note });
  if (shown.id !== id || shown.note !== note) {
    setShown({ id, note });
    setText(note);
  }
  const save = () => {
    if (text !== note) void decisions.apply({ ids: [id], note: text }, t('review.undo.note')).catch(() => undefined);
  };
  return (
    <div className="field">
      <label htmlFor={field}>{t('detail.note')}</label>
      <textarea
        id={field}
        rows={2}
        value={text}
        placeholder={t('detail.notePlaceholder')}
        onChange={(e) => setText(e.target.value)}
        onBlur={save}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) (e.target as HTMLTextAreaElement).blur();
          if (e.key === 'Escape') {
            setText(note);
            (e.target as HTMLTextAreaElement).blur();
          }
        }}
      />
    </div>
  );
}

function TagEditor({ ids, tags }: { ids: number[]; tags: readonly string[] }) {
  const { t } = useTranslation();
  const { decisions } = useReviewServices();
  const [text, setText] = useState('');
  const field = useId();
  const add = () => {
    const names = text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!names.length) return;
    setText('');
    void decisions.apply({ ids, addTags: names }, t('review.undo.tag', { tag: names.join(', ') })).catch(() => undefined);
  };
  return (
    <div className="field">
      <label htmlFor={field}>{t('detail.tags')}</label>
      {tags.length > 0 && (
        <ul className="chip-list" aria-label={t('detail.tags')}>
          {tags.map((tag) => (
            <li key={tag} className="chip tag-chip">
              <span>{tag}</span>
              <button
                type="button"
                aria-label={t('detail.removeTag', { tag })}
                title={t('detail.removeTag', { tag })}
                onClick={() => void decisions.apply({ ids, removeTags: [tag] }, t('review.undo.untag', { tag })).catch(() => undefined)}
              >
                <RIcon name="close" size={11} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={field}
        value={text}
        placeholder={t('detail.tagPlaceholder')}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            add();
          }
        }}
        onBlur={add}
      />
    </div>
  );
}

function CollectionPicker({ ids, current }: { ids: number[]; current: readonly { id: number; name: string }[] }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const collections = useQuery({ queryKey: reviewKeys.collections, queryFn: () => studio.api.catalog.listCollections() });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: queryKeys.outputs });
    for (const id of ids) void client.invalidateQueries({ queryKey: queryKeys.output(id) });
  };
  const add = useMutation({
    mutationFn: async (target: number | { name: string }) => {
      const id = typeof target === 'number' ? target : (await studio.api.catalog.createCollection(target)).id;
      return studio.api.catalog.addToCollection({ id, ids });
    },
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (id: number) => studio.api.catalog.removeFromCollection({ id, ids }), onSuccess: refresh });
  const field = useId();
  const [naming, setNaming] = useState(false);
  const [name, setName] = useState('');
  const create = () => {
    if (name.trim()) add.mutate({ name: name.trim() });
    setName('');
    setNaming(false);
  };
  return (
    <div className="field">
      <label htmlFor={field}>{t('detail.collections')}</label>
      {current.length > 0 && (
        <ul className="chip-list">
          {current.map((c) => (
            <li key={c.id} className="chip">
              <RIcon name="collection" size={12} />
              <span>{c.name}</span>
              <button type="button" aria-label={t('detail.removeFromCollection', { name: c.name })} onClick={() => remove.mutate(c.id)}>
                <RIcon name="close" size={11} />
              </button>
            </li>
          ))}
        </ul>
      )}
      {naming ? (
        <input
          id={field}
          autoFocus
          value={name}
          placeholder={t('detail.newCollectionName')}
          onChange={(e) => setName(e.target.value)}
          onBlur={create}
          onKeyDown={(e) => {
            if (e.key === 'Enter') create();
            if (e.key === 'Escape') {
              setName('');
              setNaming(false);
            }
          }}
        />
      ) : (
        <select
          id={field}
          value=""
          onChange={(e) => {
            const value = e.target.value;
            if (value === 'new') setNaming(true);
            else if (value) add.mutate(Number(value));
          }}
        >
          <option value="">{t('detail.addToCollection')}</option>
          {collections.data
            ?.filter((c) => !current.some((x) => x.id === c.id))
            .map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          <option value="new">{t('detail.newCollection')}</option>
        </select>
      )}
      <ErrorNotice error={add.error ?? remove.error} />
    </div>
  );
}

function SingleOutput({
  id,
  showImage,
  decisions,
  onTrash,
  onRestore,
}: {
  id: number;
  showImage: boolean;
  decisions: DecisionHandlers;
  onTrash: () => void;
  onRestore: () => void;
}) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const { store } = useReviewServices();
  const summary = useSummary(store, id);
  const { data, error, isPending } = useQuery({ queryKey: queryKeys.output(id), queryFn: () => studio.api.catalog.getOutput({ id }) });
  const name = data ? outputName(data, t('review.untitled', { id })) : '';
  const review = summary?.review ?? data?.review;
  return (
    <>
      {isPending && <Spinner label={t('common.loading')} />}
      <ErrorNotice error={error} />
      {data && (
        <>
          <h2 className="detail-title" title={name}>
            {name}
          </h2>
          {showImage && (
            <div className="detail-image">
              {data.kind === 'video' ? (
                <video src={studio.mediaUrl(data.hash)} poster={data.thumbHash ? studio.mediaUrl(data.thumbHash) : undefined} controls muted />
              ) : (
                <img src={studio.mediaUrl(data.hash)} alt={name} />
              )}
            </div>
          )}
          {review && <ReviewControls flag={review.flag} stars={review.stars} label={review.label} {...decisions} />}
          <div className="detail-actions">
            {/* Only images with a prompt have settings Generate can take over (not reels, restorations or plain photos). */}
            {data.kind === 'image' && data.prompt ? (
              <button
                type="button"
                className="button small"
                data-testid="reuse-settings"
                onClick={() => navigate(`/generate?from=${id}`)}
                title={t('detail.reuseHelp')}
              >
                <RIcon name="reuse" size={14} />
                <span>{t('detail.reuse')}</span>
              </button>
            ) : null}
            {data.deletedAt === null ? (
              <button type="button" className="button small" onClick={onTrash}>
                <RIcon name="trash" size={14} />
                <span>{t('review.trash')}</span>
              </button>
            ) : (
              <button type="button" className="button small" onClick={onRestore}>
                <RIcon name="restore" size={14} />
                <span>{t('review.restore')}</span>
              </button>
            )}
          </div>
          <LikenessSection output={data} />
          <NoteEditor id={id} note={review?.note ?? data.review.note} />
          <TagEditor ids={[id]} tags={data.tags} />
          <CollectionPicker ids={[id]} current={data.collections} />
          <h3 className="section-title">{t('detail.provenance')}</h3>
          <Provenance output={data} />
        </>
      )}
    </>
  );
}

function ManyOutputs({
  ids,
  decisions,
  onTrash,
  onCompare,
}: {
  ids: number[];
  decisions: DecisionHandlers;
  onTrash: () => void;
  onCompare: () => void;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  return (
    <>
      <h2 className="detail-title">{t('review.selected', { count: ids.length, formatted: format.number(ids.length) })}</h2>
      <p className="muted small-text">{t('review.batchHelp')}</p>
      <ReviewControls flag={null} stars={0} label={null} {...decisions} />
      <div className="detail-actions">
        {ids.length >= 2 && ids.length <= 4 && (
          <button type="button" className="button small" onClick={onCompare}>
            <span>{t('review.compare')}</span>
          </button>
        )}
        <button type="button" className="button small" onClick={onTrash}>
          <RIcon name="trash" size={14} />
          <span>{t('review.trash')}</span>
        </button>
      </div>
      <ScoreAgainstPerson ids={ids} />
      <TagEditor ids={ids} tags={[]} />
      <CollectionPicker ids={ids} current={[]} />
    </>
  );
}

/**
 * The right-hand panel: decisions, note, tags, collections and the provenance of one output, or batch actions for a
 * selection. Memoised: the review page re-renders on every move in the loupe, the panel only when what it shows changes.
 */
export const OutputDetailPanel = memo(function OutputDetailPanel({
  ids,
  showImage,
  onClose,
  decisions,
  onTrash,
  onRestore,
  onCompare,
}: {
  ids: number[];
  showImage: boolean;
  onClose: () => void;
  decisions: DecisionHandlers;
  onTrash: () => void;
  onRestore: () => void;
  onCompare: () => void;
}) {
  const { t } = useTranslation();
  return (
    <aside className="detail-panel" aria-label={t('detail.label')} data-testid="output-detail">
      <header className="detail-header">
        <span className="detail-heading">{t('detail.label')}</span>
        <button type="button" className="icon-button" aria-label={t('detail.close')} title={`${t('detail.close')} (I)`} onClick={onClose}>
          <RIcon name="close" size={16} />
        </button>
      </header>
      <div className="detail-body">
        {ids.length === 0 && <p className="muted">{t('detail.nothingSelected')}</p>}
        {ids.length === 1 && (
          <SingleOutput key={ids[0]} id={ids[0]!} showImage={showImage} decisions={decisions} onTrash={onTrash} onRestore={onRestore} />
        )}
        {ids.length > 1 && <ManyOutputs ids={ids} decisions={decisions} onTrash={onTrash} onCompare={onCompare} />}
      </div>
    </aside>
  );
});
