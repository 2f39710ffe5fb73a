import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation, useSearch } from 'wouter';
import type { AudioAsset, ReelRequest, ReelResult, ReelSize, ReelTemplateInfo } from '../../../../native/api/namespaces/reels';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { Icon } from '../../app/icons';
import { reviewLink } from '../../app/links';
import { ErrorNotice, PageHeader, Spinner } from '../../app/page-elements';
import { HiddenFileInput } from '../../components/HiddenFileInput';
import { JobProgress, PreviewRenderButtons, usePreviewAndRender } from '../../components/preview-render';
import { AudioField } from './AudioField';
import { translateWarning } from './engine-warnings';
import { outputName } from '../review/OutputGrid';
import { AddPhotos } from './AddPhotos';
import { LibraryPicker } from './LibraryPicker';
import { reelName } from './reel-name';
import '../../styles/reels.css';
import { useDraft } from '../../app/draft';

const sizes: ReelSize[] = ['1080x1920', '1080x1080', '1920x1080'];
const templateOrder = ['memories', 'talking', 'before-after'];

function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}

export function ReelsPage() {
  const { t } = useTranslation();
  const id = useId();
  const templates = useQuery({ queryKey: ['reels', 'templates'], queryFn: () => studio.api.reels.listTemplates(), staleTime: Infinity });
  // Opened with outputs to start from (“Make a reel” on the Restore page: ?outputs=1,2&template=before-after).
  const search = useSearch();
  const [, navigate] = useLocation();
  // A link's template wins over the draft's.
  const [templateId, setTemplateId] = useDraft('reels.template', 'memories');
  const linkedTemplate = new URLSearchParams(search).get('template');
  useEffect(() => {
    if (linkedTemplate && /^[a-z][a-z0-9-]*$/.test(linkedTemplate)) setTemplateId(linkedTemplate);
  }, [linkedTemplate, setTemplateId]);
  const [selected, setSelected] = useDraft<OutputSummary[]>('reels.selected', []);
  const [voice, setVoice] = useDraft<AudioAsset | null>('reels.voice', null);
  const [music, setMusic] = useDraft<AudioAsset | null>('reels.music', null);
  const [title, setTitle] = useDraft('reels.title', '');
  const [captionText, setCaptionText] = useDraft('reels.captionText', '');
  const [srt, setSrt] = useDraft<{ name: string; text: string } | null>('reels.srt', null);
  const [size, setSize] = useDraft<ReelSize>('reels.size', '1080x1920');
  const [seconds, setSeconds] = useDraft('reels.seconds', '');
  const [aiMark, setAiMark] = useDraft('reels.aiMark', true);
  const [labels, setLabels] = useDraft('reels.labels', ['', '']);
  const srtInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    const ids = (new URLSearchParams(search).get('outputs') ?? '')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
    if (!ids.length) return;
    void Promise.all(ids.map((outputId) => studio.api.catalog.getOutput({ id: outputId }))).then(setSelected, () => {});
    navigate('/reels?', { replace: true });
  }, [search, navigate, setSelected]);

  const template: ReelTemplateInfo | undefined = templates.data?.find((tpl) => tpl.id === templateId);
  const max = template?.visuals.max ?? 20;
  const missingVisuals = template ? Math.max(0, template.visuals.min - selected.length) : 0;
  const needsVoice = template?.voice === 'required' && !voice;
  const ready = Boolean(template) && missingVisuals === 0 && selected.length <= max && !needsVoice;

  const request = useMemo((): ReelRequest => {
    const secondsValue = Number(seconds);
    return {
      template: templateId,
      size,
      visuals: selected.map((output) => ({ outputId: output.id })),
      ...(voice && template?.voice !== 'none' ? { voice: { hash: voice.hash } } : {}),
      ...(music && template?.music !== 'none' ? { music: { hash: music.hash } } : {}),
      ...(title.trim() ? { title: title.trim() } : {}),
      ...(srt ? { captions: { srt: srt.text } } : captionText.trim() ? { captions: { text: captionText.trim() } } : {}),
      ...(seconds && Number.isFinite(secondsValue) && template?.titleStyle === 'card' ? { secondsPerVisual: secondsValue } : {}),
      aiLabel: aiMark ? 'visible' : 'metadata',
      aiLabelText: t('reels.aiMarkText'),
      ...(template?.labels ? { roleLabels: [labels[0]?.trim() || t('reels.before'), labels[1]?.trim() || t('reels.after')] } : {}),
    };
  }, [templateId, size, selected, voice, music, title, srt, captionText, seconds, aiMark, labels, template, t]);

  const debouncedRequest = useDebounced(request, 400);
  const plan = useQuery({
    queryKey: ['reels', 'plan', debouncedRequest],
    queryFn: () => studio.api.reels.plan(debouncedRequest),
    // Only once the form has settled: a half-typed request would flash errors.
    enabled: ready && debouncedRequest === request,
    placeholderData: keepPreviousData,
    retry: false,
  });

  const { start, cancel, previewJob, renderJob, previewResult, renderResult } = usePreviewAndRender<ReelResult>('reels', (quality) =>
    studio.api.reels.render({ ...request, quality, ...(template ? { name: reelName(t, template, title, new Date()) } : {}) }),
  );

  const toggle = (output: OutputSummary) =>
    setSelected((current) =>
      current.some((s) => s.id === output.id)
        ? current.filter((s) => s.id !== output.id)
        : max === 1
          ? [output]
          : current.length < max
            ? [...current, output]
            : current,
    );
  const move = (index: number, by: number) =>
    setSelected((current) => {
      const next = current.slice();
      const [item] = next.splice(index, 1);
      next.splice(Math.max(0, Math.min(next.length, index + by)), 0, item!);
      return next;
    });

  const roles = template?.visuals.roles?.map((role) => t(`reels.${role}`, { defaultValue: role }));
  const sortedTemplates = [...(templates.data ?? [])].sort((a, b) => templateOrder.indexOf(a.id) - templateOrder.indexOf(b.id));

  return (
    <div className="page">
      <PageHeader title={t('nav.reels')} subtitle={t('reels.subtitle')} />
      <ErrorNotice error={templates.error} />
      <div className="split reel-split">
        <div className="split-main reel-form">
          <section className="card form" aria-labelledby={`${id}-template`}>
            <h2 id={`${id}-template`} className="card-title">
              {t('reels.template')}
            </h2>
            <div className="reel-templates" role="radiogroup" aria-labelledby={`${id}-template`}>
              {sortedTemplates.map((tpl) => (
                <label key={tpl.id} className={tpl.id === templateId ? 'reel-template selected' : 'reel-template'}>
                  <input
                    type="radio"
                    name={`${id}-template`}
                    value={tpl.id}
                    checked={tpl.id === templateId}
                    onChange={() => {
                      setTemplateId(tpl.id);
                      setSelected((current) => current.slice(0, tpl.visuals.max));
                    }}
                  />
                  <span className="reel-template-name">{t(`reels.templates.${tpl.id}.name`, { defaultValue: tpl.name })}</span>
                  <span className="reel-template-text">{t(`reels.templates.${tpl.id}.description`, { defaultValue: tpl.description })}</span>
                </label>
              ))}
            </div>
          </section>

          <section className="card form" aria-labelledby={`${id}-visuals`}>
            <div className="reel-section-head">
              <h2 id={`${id}-visuals`} className="card-title">
                {t('reels.visuals')}
              </h2>
              <span className="muted">{t('reels.selectedCount', { count: selected.length })}</span>
            </div>
            {template && (
              <p className="field-help">
                {template.visuals.min === template.visuals.max
                  ? t('reels.visualsExact', { count: template.visuals.max })
                  : t('reels.visualsRange', { min: template.visuals.min, max: template.visuals.max })}{' '}
                {template.visuals.roles && t('reels.rolesHelp')}
              </p>
            )}
            {selected.length ? (
              <ol className="reel-selected" aria-label={t('reels.visuals')}>
                {selected.map((output, index) => (
                  <li key={output.id} className="reel-chosen" data-testid="reel-chosen">
                    <img
                      src={studio.mediaUrl(output.thumbHash ?? output.hash)}
                      alt={outputName(output, t('review.untitled', { id: output.id }))}
                      draggable={false}
                    />
                    <span className="reel-chosen-label">{roles?.[index] ?? index + 1}</span>
                    <span className="reel-chosen-actions">
                      <button
                        type="button"
                        className="icon-button"
                        aria-label={t('reels.moveEarlier')}
                        title={t('reels.moveEarlier')}
                        disabled={index === 0}
                        onClick={() => move(index, -1)}
                      >
                        ‹
                      </button>
                      <button
                        type="button"
                        className="icon-button"
                        aria-label={t('reels.moveLater')}
                        title={t('reels.moveLater')}
                        disabled={index === selected.length - 1}
                        onClick={() => move(index, 1)}
                      >
                        ›
                      </button>
                      <button
                        type="button"
                        className="icon-button"
                        aria-label={t('reels.remove')}
                        title={t('reels.remove')}
                        onClick={() => toggle(output)}
                      >
                        <Icon name="close" size={12} />
                      </button>
                    </span>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="muted">{t('reels.noneChosen')}</p>
            )}
            <AddPhotos
              room={max === 1 ? 1 : Math.max(0, max - selected.length)}
              onAdded={(added) =>
                setSelected((current) => {
                  if (max === 1) return added.slice(0, 1).length ? added.slice(0, 1) : current;
                  const fresh = added.filter((a) => !current.some((s) => s.id === a.id));
                  return [...current, ...fresh].slice(0, max);
                })
              }
            />
            <LibraryPicker selected={selected} onToggle={toggle} max={max} />
          </section>

          <section className="card form" aria-labelledby={`${id}-sound`}>
            <h2 id={`${id}-sound`} className="card-title">
              {t('reels.sound')}
            </h2>
            {template?.voice !== 'none' && (
              <AudioField
                label={template?.voice === 'required' ? t('reels.voiceRequired') : t('reels.voice')}
                value={voice}
                onChange={setVoice}
                allowRecording={typeof MediaRecorder !== 'undefined'}
                testId="reel-voice"
              />
            )}
            {template?.music !== 'none' && (
              <AudioField label={t('reels.music')} value={music} onChange={setMusic} allowRecording={false} testId="reel-music" />
            )}
          </section>

          <section className="card form" aria-labelledby={`${id}-text`}>
            <h2 id={`${id}-text`} className="card-title">
              {t('reels.text')}
            </h2>
            <div className="field">
              <label htmlFor={`${id}-title`}>{t('reels.title')}</label>
              <input
                id={`${id}-title`}
                value={title}
                maxLength={120}
                placeholder={t('reels.titlePlaceholder')}
                onChange={(e) => setTitle(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-captions`}>{t('reels.captions')}</label>
              {srt ? (
                <div className="reel-audio-row">
                  <span>{t('reels.srtLoaded', { name: srt.name })}</span>
                  <button type="button" className="icon-button" aria-label={t('reels.remove')} title={t('reels.remove')} onClick={() => setSrt(null)}>
                    <Icon name="close" size={14} />
                  </button>
                </div>
              ) : (
                <textarea
                  id={`${id}-captions`}
                  rows={3}
                  value={captionText}
                  placeholder={t('reels.captionsPlaceholder')}
                  onChange={(e) => setCaptionText(e.target.value)}
                />
              )}
              <div className="reel-audio-row">
                <span className="field-help">{t('reels.captionsHelp')}</span>
                <button type="button" className="button small" onClick={() => srtInput.current?.click()}>
                  {t('reels.loadSrt')}
                </button>
                <HiddenFileInput
                  ref={srtInput}
                  accept=".srt,text/plain"
                  label={t('reels.loadSrt')}
                  onFiles={([file]) => file && void file.text().then((text) => setSrt({ name: file.name, text }))}
                />
              </div>
            </div>
          </section>

          <section className="card form" aria-labelledby={`${id}-options`}>
            <h2 id={`${id}-options`} className="card-title">
              {t('reels.options')}
            </h2>
            <div className="reel-options">
              <div className="field">
                <label htmlFor={`${id}-size`}>{t('reels.size')}</label>
                <select id={`${id}-size`} value={size} onChange={(e) => setSize(e.target.value as ReelSize)}>
                  {sizes.map((s) => (
                    <option key={s} value={s}>
                      {t(`reels.sizes.${s}`)}
                    </option>
                  ))}
                </select>
              </div>
              {template?.titleStyle === 'card' && (
                <div className="field">
                  <label htmlFor={`${id}-seconds`}>{t('reels.seconds')}</label>
                  <select id={`${id}-seconds`} value={seconds} onChange={(e) => setSeconds(e.target.value)}>
                    <option value="">{t('reels.secondsAuto', { seconds: template.secondsPerVisual })}</option>
                    {[2, 2.5, 3, 4, 5, 6].map((s) => (
                      <option key={s} value={String(s)}>
                        {s}
                      </option>
                    ))}
                  </select>
                </div>
              )}
            </div>
            {template?.labels && (
              <div className="reel-options">
                {[t('reels.labelBefore'), t('reels.labelAfter')].map((label, i) => (
                  <div className="field" key={label}>
                    <label htmlFor={`${id}-label-${i}`}>{label}</label>
                    <input
                      id={`${id}-label-${i}`}
                      value={labels[i]}
                      maxLength={40}
                      placeholder={i === 0 ? t('reels.before') : t('reels.after')}
                      onChange={(e) => setLabels((current) => current.map((v, j) => (j === i ? e.target.value : v)))}
                    />
                  </div>
                ))}
              </div>
            )}
            <label className="checkbox">
              <input type="checkbox" checked={aiMark} onChange={(e) => setAiMark(e.target.checked)} />
              <span>{t('reels.aiMark')}</span>
            </label>
            <p className="field-help">{t('reels.aiMarkHelp')}</p>
          </section>
        </div>

        <aside className="card form reel-side" aria-labelledby={`${id}-summary`}>
          <h2 id={`${id}-summary`} className="card-title">
            {t('reels.summary')}
          </h2>
          {missingVisuals > 0 && <p className="muted">{t('reels.needMore', { count: missingVisuals })}</p>}
          {missingVisuals === 0 && needsVoice && <p className="muted">{t('reels.needVoice')}</p>}
          {ready && plan.data && (
            <div className="reel-plan" data-testid="reel-plan">
              <p>{t('reels.length', { seconds: plan.data.seconds.toFixed(1), width: plan.data.width, height: plan.data.height })}</p>
              <p className="field-help" data-testid="reel-ai-mark">
                {plan.data.aiContent.length
                  ? t(plan.data.aiMark === 'visible' ? 'reels.aiMarkedVisible' : 'reels.aiMarkedMetadata', {
                      names: plan.data.aiContent.map((c) => c.name).join(', '),
                    })
                  : t('reels.aiNotMarked')}
              </p>
              {plan.data.warnings.map((warning) => (
                <p key={warning} className="field-help">
                  {translateWarning(t, warning)}
                </p>
              ))}
            </div>
          )}
          {ready && plan.isFetching && !plan.data && <Spinner label={t('common.loading')} />}
          {ready && <ErrorNotice error={plan.error} />}
          <ErrorNotice error={start.error} />
          <PreviewRenderButtons
            ready={ready}
            flow={{ start, previewJob, renderJob }}
            previewLabel={t('reels.preview')}
            renderLabel={t('reels.render')}
            renderIcon={<Icon name="reels" size={16} />}
          />

          {previewJob && <JobProgress job={previewJob} label={t('reels.previewing')} area="reels" onCancel={() => cancel(previewJob.id)} />}
          {previewResult && (
            <figure className="reel-preview">
              <video
                key={previewResult.hash}
                src={studio.mediaUrl(previewResult.hash)}
                controls
                playsInline
                data-testid="reel-preview"
                // Reels open on a fade from black: show a frame with something in it until played.
                onLoadedMetadata={(event) => {
                  const video = event.currentTarget;
                  if (video.paused && video.currentTime === 0) video.currentTime = Math.min(1.5, video.duration / 3);
                }}
              />
              <figcaption className="field-help">{t('reels.previewReady')}</figcaption>
            </figure>
          )}

          {renderJob && <JobProgress job={renderJob} label={t('reels.rendering')} area="reels" onCancel={() => cancel(renderJob.id)} />}
          {renderResult && (
            <div className="reel-done" role="status" data-testid="reel-done">
              <p>
                <strong>{t('reels.done')}</strong>
                {renderResult.loudness && (
                  <span
                    className="muted"
                    data-testid="reel-loudness"
                    title={t('reels.loudness', {
                      lufs: renderResult.loudness.integrated.toFixed(1),
                      peak: renderResult.loudness.truePeak.toFixed(1),
                    })}
                  >
                    {' '}
                    {renderResult.loudness.integrated >= -15 ? t('reels.loudnessOk') : t('reels.loudnessQuiet')}
                  </span>
                )}
              </p>
              {renderResult.warnings.map((warning) => (
                <p key={warning} className="field-help">
                  {translateWarning(t, warning)}
                </p>
              ))}
              <Link
                href={renderResult.outputId ? reviewLink({ outputIds: [renderResult.outputId] }) : '/review'}
                className="button small"
                data-testid="open-in-review"
              >
                {t('reels.openInReview')}
              </Link>
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}
