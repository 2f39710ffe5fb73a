import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'wouter';
import type { ProcessRequest, PortraitModelState } from '../../../../native/api/namespaces/portrait';
import type { AudioAsset } from '../../../../native/api/namespaces/reels';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { currentLanguage } from '../../app/i18n';
import { Icon } from '../../app/icons';
import { reviewLink } from '../../app/links';
import { ErrorNotice, PageHeader, Spinner } from '../../app/page-elements';
import { JobProgress, PreviewRenderButtons, usePreviewAndRender } from '../../components/preview-render';
import { isLive, upsertJob, useFollowedJob, useJobs } from '../jobs/jobs-data';
import { AudioField } from '../reels/AudioField';
import { translateWarning } from '../reels/engine-warnings';
import { CompareSlider } from './CompareSlider';
import { DrivingField, type DrivingClip } from './DrivingField';
import { PhotoChooser, PhotoFaces } from './PhotoPanel';
import { modelsOfKind, portraitKeys, useInspection, usePortraitStatus, usePresets, type ProcessResult } from './restore-data';
import { upscaleProblem } from './upscale-limit';
import '../../styles/reels.css';
import '../../styles/restore.css';
import { jobMessage } from '../jobs/job-message';
import { DownloadFailed } from '../models/download-failed';
import { InstallFromFile } from '../../components/install-from-file';
import { useDraft } from '../../app/draft';
import { useModels } from '../generate/generate-data';
import { useFormat } from '../../app/format';
import { licenseName, modelName } from '../models/model-words';

/** One line per provider that could not be used (each model that tried it says the same). */
function fallbackSummary(fallbacks: ProcessResult['fallbacks']): { provider: string; models: string[]; reason: string }[] {
  const byProvider = new Map<string, { provider: string; models: string[]; reason: string }>();
  for (const f of fallbacks) {
    const entry = byProvider.get(f.provider) ?? { provider: f.provider, models: [], reason: f.reason };
    if (!entry.models.includes(f.model)) entry.models.push(f.model);
    byProvider.set(f.provider, entry);
  }
  return [...byProvider.values()];
}

/** onnxruntime's reasons can run to a source path and a stack of calls: the last sentence says it. */
/** Review showing just what this run made (the restored still, the animated clip). */
function restoredInReview(result: ProcessResult): string {
  const ids = [result.still?.outputId, result.video?.outputId].filter((v): v is number => typeof v === 'number');
  return ids.length ? reviewLink({ outputIds: ids }) : '/review';
}

function shorten(reason: string): string {
  const last = reason.split(/:\s+(?=[A-Z])/).at(-1) ?? reason;
  return last.length > 140 ? `${last.slice(0, 139)}…` : last;
}

/** Motion presets in the order a family tries them: the gentlest first. */
const presetOrder = ['gentle-nod', 'turn-and-return', 'look-around', 'smile', 'blink'];
const presetRank = (id: string) => (presetOrder.includes(id) ? presetOrder.indexOf(id) : presetOrder.length);

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
function DownloadAll({ ids }: { ids: string[] }) {
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
function ModelSelect({
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
function MissingModel({ models, id }: { models: readonly PortraitModelState[] | undefined; id: string }) {
  const model = models?.find((m) => m.id === id);
  return model && !model.installed ? <ModelDownload model={model} /> : null;
}

function StepHeader({
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

export function RestorePage() {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
  const [, navigate] = useLocation();
  const status = usePortraitStatus();
  const presets = usePresets();
  const [photo, setPhoto] = useDraft<OutputSummary | null>('restore.photo', null);
  const inspection = useInspection(photo?.id ?? null);
  const [face, setFace] = useDraft('restore.face', 0);
  const [restore, setRestore] = useDraft('restore.restore', { on: true, model: 'gfpgan-1.4', strength: 0.8, fidelity: 0.5 });
  // Colour is suggested for a black-and-white photo until the user decides (on: null follows the photo).
  const [colorize, setColorize] = useDraft<{ on: boolean | null; model: string }>('restore.colorize', { on: null, model: 'ddcolor' });
  const [upscale, setUpscale] = useDraft<{ on: boolean; scale: 2 | 4 }>('restore.upscale', { on: false, scale: 2 });
  const [animate, setAnimate] = useDraft('restore.animate', { on: false, mode: 'preset' as 'preset' | 'driving', preset: 'gentle-nod', seconds: '' });
  const [driving, setDriving] = useState<DrivingClip | null>(null);
  const [speech, setSpeech] = useDraft<{ on: boolean; model: string; voice: AudioAsset | null; typed: boolean; text: string; language: 'en' | 'zh' }>(
    'restore.speech',
    {
      on: false,
      model: 'edtalk-256',
      voice: null,
      typed: false,
      text: '',
      language: currentLanguage() === 'zh-CN' ? 'zh' : 'en',
    },
  );
  const typedSpeech = speech.typed && Boolean(status.data?.narration);
  const inspected = inspection.data;
  const colorizeOn = colorize.on ?? inspected?.blackAndWhite ?? false;
  const models = status.data?.models;
  // Which model a step lacks, by name: missing (download it) or not allowed by its licence.
  const modelProblem = (modelId: string, step: string) => {
    const model = models?.find((m) => m.id === modelId);
    if (!model || model.usable) return null;
    const name = modelName(t, model);
    return model.installed ? t('restore.needAllow', { model: name, step }) : t('restore.needModel', { model: name, step });
  };
  const faces = inspected?.faces.length ?? 0;
  const detectorMissing = inspected ? !inspected.detector : false;

  const request = useMemo((): ProcessRequest | null => {
    if (!photo) return null;
    const seconds = Number(animate.seconds);
    return {
      source: { outputId: photo.id },
      ...(restore.on && faces ? { restore: { model: restore.model, strength: restore.strength, fidelity: restore.fidelity } } : {}),
      ...(colorizeOn ? { colorize: { model: colorize.model } } : {}),
      ...(upscale.on ? { upscale: { scale: upscale.scale } } : {}),
      ...(animate.on && faces
        ? {
            animate: {
              motion: animate.mode === 'preset' || !driving ? { preset: animate.preset } : { driving: { uploadId: driving.uploadId } },
              face,
              ...(animate.seconds && Number.isFinite(seconds) ? { seconds } : {}),
              ...(speech.on && typedSpeech && speech.text.trim()
                ? { speech: { audio: { text: speech.text.trim(), language: speech.language }, model: speech.model } }
                : speech.on && !typedSpeech && speech.voice
                  ? { speech: { audio: { hash: speech.voice.hash }, model: speech.model } }
                  : {}),
            },
          }
        : {}),
    };
  }, [photo, restore, colorizeOn, colorize.model, upscale, animate, driving, speech, typedSpeech, face, faces]);

  // What still stands in the way, in plain words.
  const problems: string[] = [];
  // The models the chosen steps lack: one button downloads them all.
  const missingModels = new Set<string>();
  if (photo && inspected) {
    if (!request?.restore && !request?.colorize && !request?.upscale && !request?.animate) problems.push(t('restore.needStep'));
    if ((restore.on || animate.on) && !faces) problems.push(detectorMissing ? t('restore.needDetector') : t('restore.noFaces'));
    const needs = (modelId: string, step: string) => {
      const problem = modelProblem(modelId, step);
      if (problem) problems.push(problem);
      if (models?.find((m) => m.id === modelId && !m.installed)) missingModels.add(modelId);
    };
    if (detectorMissing && (restore.on || animate.on)) missingModels.add('yunet-n');
    if (request?.restore) needs(restore.model, t('restore.restoreStep'));
    if (request?.colorize) needs(colorize.model, t('restore.colorizeStep'));
    if (request?.upscale) {
      needs(`real-esrgan-x${upscale.scale}`, t('restore.upscaleStep'));
      const tooLarge = upscaleProblem(inspected, upscale.scale);
      if (tooLarge) problems.push(t(tooLarge.key, tooLarge.values));
    }
    if (request?.animate) {
      needs('liveportrait', t('restore.animateStep'));
      if (animate.mode === 'driving' && !driving) problems.push(t('restore.needDriving'));
      if (speech.on && !typedSpeech && !speech.voice) problems.push(t('restore.needVoice'));
      if (speech.on && typedSpeech && !speech.text.trim()) problems.push(t('restore.needText'));
      if (speech.on) needs(speech.model, t('restore.speechStep'));
      if (status.data && !status.data.ffmpeg) problems.push(t('restore.needFfmpeg'));
    }
  }
  const ready = Boolean(request && inspected && !problems.length);

  const {
    start,
    cancel,
    reset: resetJobs,
    previewJob,
    renderJob,
    previewResult,
    renderResult,
  } = usePreviewAndRender<ProcessResult>('restore', (quality) => studio.api.portrait.process({ ...request!, quality }));

  // Another photo starts over.
  const choosePhoto = (output: OutputSummary | null) => {
    setPhoto(output);
    setFace(0);
    setColorize((c) => ({ ...c, on: null }));
    resetJobs();
  };

  const allowNonCommercial = useMutation({
    mutationFn: (allowed: boolean) => studio.api.portrait.setNonCommercial({ allowed }),
    onSuccess: (next) => client.setQueryData(portraitKeys.status, next),
  });

  const makeReel = () => {
    if (!photo || !renderResult) return;
    const ids = [photo.id, renderResult.still?.outputId, renderResult.video?.outputId].filter((v): v is number => typeof v === 'number');
    navigate(`/reels?outputs=${ids.join(',')}&template=${ids.length >= 3 ? 'memories' : 'before-after'}`);
  };

  const language = currentLanguage();
  const presetName = (p: { name: string; translations: Record<string, { name: string }> }) => p.translations[language]?.name ?? p.name;
  const presetText = (p: { description: string; translations: Record<string, { description: string }> }) =>
    p.translations[language]?.description ?? p.description;

  return (
    <div className="page restore-page">
      <PageHeader title={t('nav.restore')} subtitle={t('restore.subtitle')} />
      <ErrorNotice error={status.error ?? presets.error} />
      <div className="split reel-split">
        <div className="split-main reel-form">
          <section className="card form" aria-labelledby={`${id}-photo`}>
            <div className="reel-section-head">
              <h2 id={`${id}-photo`} className="card-title">
                {t('restore.photo')}
              </h2>
              {photo && (
                <button type="button" className="button small" onClick={() => choosePhoto(null)}>
                  {t('restore.otherPhoto')}
                </button>
              )}
            </div>
            {photo ? (
              <>
                <PhotoFaces photo={photo} inspection={inspected} face={face} onFace={setFace} />
                {inspection.isPending && <Spinner label={t('restore.lookingForFaces')} />}
                <ErrorNotice error={inspection.error} />
                {inspected && (
                  <p className="muted" data-testid="restore-facts">
                    {[
                      `${inspected.width} × ${inspected.height}`,
                      inspected.blackAndWhite ? t('restore.blackAndWhite') : t('restore.inColour'),
                      inspected.detector ? t('restore.faces', { count: faces }) : t('restore.noDetector'),
                    ].join(' · ')}
                  </p>
                )}
                {detectorMissing && (
                  <>
                    <p className="field-help warning-text">{t('restore.detectorHelp')}</p>
                    <MissingModel models={models} id="yunet-n" />
                  </>
                )}
              </>
            ) : (
              <PhotoChooser onChosen={choosePhoto} />
            )}
          </section>

          {photo && (
            <section className="card form" aria-labelledby={`${id}-steps`}>
              <h2 id={`${id}-steps`} className="card-title">
                {t('restore.steps')}
              </h2>

              <div className="restore-step">
                <StepHeader
                  id={`${id}-restore`}
                  title={t('restore.restoreStep')}
                  checked={restore.on}
                  onChange={(on) => setRestore({ ...restore, on })}
                  testId="step-restore"
                />
                <p id={`${id}-restore`} className="field-help">
                  {t('restore.restoreHelp')}
                </p>
                {restore.on && (
                  <div className="reel-options">
                    <ModelSelect
                      label={t('restore.model')}
                      models={modelsOfKind(models, 'face-restorer')}
                      value={restore.model}
                      onChange={(model) => setRestore({ ...restore, model })}
                    />
                    <div className="field">
                      <label htmlFor={`${id}-strength`}>{t('restore.strength', { percent: Math.round(restore.strength * 100) })}</label>
                      <input
                        id={`${id}-strength`}
                        type="range"
                        min={0}
                        max={1}
                        step={0.05}
                        value={restore.strength}
                        onChange={(e) => setRestore({ ...restore, strength: Number(e.target.value) })}
                      />
                    </div>
                    {restore.model === 'codeformer' && (
                      <div className="field">
                        <label htmlFor={`${id}-fidelity`}>{t('restore.fidelity', { value: restore.fidelity.toFixed(2) })}</label>
                        <input
                          id={`${id}-fidelity`}
                          type="range"
                          min={0}
                          max={1}
                          step={0.05}
                          value={restore.fidelity}
                          onChange={(e) => setRestore({ ...restore, fidelity: Number(e.target.value) })}
                        />
                        <p className="field-help">{t('restore.fidelityHelp')}</p>
                      </div>
                    )}
                  </div>
                )}
              </div>

              <div className="restore-step">
                <StepHeader
                  id={`${id}-colorize`}
                  title={t('restore.colorizeStep')}
                  checked={colorizeOn}
                  onChange={(on) => setColorize({ ...colorize, on })}
                  testId="step-colorize"
                />
                <p id={`${id}-colorize`} className="field-help">
                  {t('restore.colorizeHelp')}
                </p>
                {colorizeOn && (
                  <div className="reel-options">
                    <ModelSelect
                      label={t('restore.model')}
                      models={modelsOfKind(models, 'colorizer')}
                      value={colorize.model}
                      onChange={(model) => setColorize({ ...colorize, model })}
                    />
                  </div>
                )}
              </div>

              <div className="restore-step">
                <StepHeader
                  id={`${id}-upscale`}
                  title={t('restore.upscaleStep')}
                  checked={upscale.on}
                  onChange={(on) => setUpscale({ ...upscale, on })}
                  testId="step-upscale"
                />
                <p id={`${id}-upscale`} className="field-help">
                  {t('restore.upscaleHelp')}
                </p>
                {upscale.on && (
                  <div className="segmented" role="group" aria-label={t('restore.upscaleFactor')}>
                    {([2, 4] as const).map((scale) => (
                      <button
                        key={scale}
                        type="button"
                        className="segment"
                        aria-pressed={upscale.scale === scale}
                        onClick={() => setUpscale({ on: true, scale })}
                      >
                        ×{scale}
                      </button>
                    ))}
                  </div>
                )}
                {upscale.on && <MissingModel models={models} id={`real-esrgan-x${upscale.scale}`} />}
              </div>

              <div className="restore-step">
                <StepHeader
                  id={`${id}-animate`}
                  title={t('restore.animateStep')}
                  checked={animate.on}
                  onChange={(on) => setAnimate({ ...animate, on })}
                  testId="step-animate"
                />
                <p id={`${id}-animate`} className="field-help">
                  {faces > 1 ? t('restore.animateHelpFaces', { number: face + 1 }) : t('restore.animateHelp')}
                </p>
                {animate.on && (
                  <>
                    <MissingModel models={models} id="liveportrait" />
                    <div className="segmented" role="group" aria-label={t('restore.motion')}>
                      <button
                        type="button"
                        className="segment"
                        aria-pressed={animate.mode === 'preset'}
                        onClick={() => setAnimate({ ...animate, mode: 'preset' })}
                      >
                        {t('restore.motionPreset')}
                      </button>
                      <button
                        type="button"
                        className="segment"
                        aria-pressed={animate.mode === 'driving'}
                        onClick={() => setAnimate({ ...animate, mode: 'driving' })}
                      >
                        {t('restore.motionDriving')}
                      </button>
                    </div>
                    {animate.mode === 'preset' ? (
                      <div className="reel-templates" role="radiogroup" aria-label={t('restore.motionPreset')}>
                        {[...(presets.data ?? [])]
                          .sort((a, b) => presetRank(a.id) - presetRank(b.id))
                          .map((p) => (
                            <label key={p.id} className={p.id === animate.preset ? 'reel-template selected' : 'reel-template'}>
                              <input
                                type="radio"
                                name={`${id}-preset`}
                                value={p.id}
                                checked={p.id === animate.preset}
                                onChange={() => setAnimate({ ...animate, preset: p.id })}
                              />
                              <span className="reel-template-name">{presetName(p)}</span>
                              <span className="reel-template-text">{presetText(p)}</span>
                            </label>
                          ))}
                      </div>
                    ) : (
                      <DrivingField value={driving} onChange={setDriving} />
                    )}
                    <div className="reel-options">
                      <div className="field">
                        <label htmlFor={`${id}-seconds`}>{t('restore.seconds')}</label>
                        <select id={`${id}-seconds`} value={animate.seconds} onChange={(e) => setAnimate({ ...animate, seconds: e.target.value })}>
                          <option value="">{t('restore.secondsAuto')}</option>
                          {[3, 5, 8, 10, 15, 20, 30].map((s) => (
                            <option key={s} value={String(s)}>
                              {t('restore.secondsValue', { seconds: s })}
                            </option>
                          ))}
                        </select>
                      </div>
                    </div>
                    <div className="restore-substep">
                      <StepHeader
                        id={`${id}-speech`}
                        title={t('restore.speechStep')}
                        checked={speech.on}
                        onChange={(on) => setSpeech({ ...speech, on })}
                        testId="step-speech"
                      />
                      <p id={`${id}-speech`} className="field-help">
                        {t('restore.speechHelp')}
                      </p>
                      {speech.on && (
                        <>
                          {status.data?.narration && (
                            <div className="segmented" role="group" aria-label={t('restore.voiceSource')}>
                              <button
                                type="button"
                                className="segment"
                                aria-pressed={!speech.typed}
                                onClick={() => setSpeech({ ...speech, typed: false })}
                              >
                                {t('restore.voiceRecorded')}
                              </button>
                              <button
                                type="button"
                                className="segment"
                                aria-pressed={speech.typed}
                                onClick={() => setSpeech({ ...speech, typed: true })}
                              >
                                {t('restore.voiceTyped')}
                              </button>
                            </div>
                          )}
                          {typedSpeech ? (
                            <div className="reel-options">
                              <div className="field">
                                <label htmlFor={`${id}-narration`}>{t('restore.narration')}</label>
                                <textarea
                                  id={`${id}-narration`}
                                  rows={3}
                                  maxLength={1000}
                                  value={speech.text}
                                  placeholder={t('restore.narrationPlaceholder')}
                                  onChange={(e) => setSpeech({ ...speech, text: e.target.value })}
                                />
                                <p className="field-help">{t('restore.narrationHelp')}</p>
                              </div>
                              <div className="field">
                                <label htmlFor={`${id}-narration-language`}>{t('restore.narrationLanguage')}</label>
                                <select
                                  id={`${id}-narration-language`}
                                  value={speech.language}
                                  onChange={(e) => setSpeech({ ...speech, language: e.target.value as 'en' | 'zh' })}
                                >
                                  <option value="en">English</option>
                                  <option value="zh">中文（普通话）</option>
                                </select>
                              </div>
                            </div>
                          ) : (
                            <AudioField
                              label={t('restore.voice')}
                              value={speech.voice}
                              onChange={(voice) => setSpeech({ ...speech, voice })}
                              allowRecording={typeof MediaRecorder !== 'undefined'}
                              testId="restore-voice"
                            />
                          )}
                          <div className="reel-options">
                            <ModelSelect
                              label={t('restore.lipSyncModel')}
                              models={modelsOfKind(models, 'lip-sync')}
                              value={speech.model}
                              onChange={(model) => setSpeech({ ...speech, model })}
                            />
                          </div>
                        </>
                      )}
                    </div>
                  </>
                )}
              </div>
            </section>
          )}
        </div>

        <aside className="card form reel-side" aria-labelledby={`${id}-render`}>
          <h2 id={`${id}-render`} className="card-title">
            {t('restore.render')}
          </h2>
          {!photo && <p className="muted">{t('restore.startWithPhoto')}</p>}
          {problems.map((problem) => (
            <p key={problem} className="muted" data-testid="restore-problem">
              {problem}
            </p>
          ))}
          {missingModels.size > 0 && <DownloadAll ids={[...missingModels]} />}
          <label className="checkbox">
            <input
              type="checkbox"
              checked={status.data?.nonCommercialAllowed ?? false}
              disabled={!status.data || allowNonCommercial.isPending}
              onChange={(e) => allowNonCommercial.mutate(e.target.checked)}
            />
            <span>{t('restore.allowNonCommercial')}</span>
          </label>
          <p className="field-help">{t('restore.allowNonCommercialHelp')}</p>
          <ErrorNotice error={start.error ?? allowNonCommercial.error} />
          <PreviewRenderButtons
            ready={ready}
            flow={{ start, previewJob, renderJob }}
            previewLabel={t('restore.preview')}
            renderLabel={t('restore.renderButton')}
            renderIcon={<Icon name="restore" size={16} />}
          />

          {previewJob && (
            <JobProgress
              job={previewJob}
              label={t('restore.previewing')}
              area="restore"
              testId="restore-progress"
              onCancel={() => cancel(previewJob.id)}
            />
          )}
          {previewResult && photo && (
            <div className="restore-result" data-testid="restore-preview">
              {previewResult.still && (
                <CompareSlider
                  before={studio.mediaUrl(photo.hash)}
                  after={studio.mediaUrl(previewResult.still.hash)}
                  testId="restore-preview-compare"
                />
              )}
              {previewResult.video && (
                <video key={previewResult.video.hash} src={studio.mediaUrl(previewResult.video.hash)} controls playsInline loop muted autoPlay />
              )}
              <p className="field-help">{t('restore.previewReady')}</p>
            </div>
          )}

          {renderJob && (
            <JobProgress
              job={renderJob}
              label={t('restore.rendering')}
              area="restore"
              testId="restore-progress"
              onCancel={() => cancel(renderJob.id)}
            />
          )}
          {renderResult && photo && (
            <div className="restore-result" role="status" data-testid="restore-done">
              {renderResult.still && (
                <CompareSlider before={studio.mediaUrl(photo.hash)} after={studio.mediaUrl(renderResult.still.hash)} testId="restore-compare" />
              )}
              {renderResult.video && (
                <video key={renderResult.video.hash} src={studio.mediaUrl(renderResult.video.hash)} controls playsInline data-testid="restore-clip" />
              )}
              <p>
                <strong>{t('restore.done')}</strong>{' '}
                <span className="muted">{t('restore.ranOn', { providers: [...new Set(Object.values(renderResult.providers))].join(', ') })}</span>
              </p>
              {fallbackSummary(renderResult.fallbacks).map((f) => (
                <p key={f.provider} className="field-help warning-text" title={f.reason}>
                  {t('restore.fallback', { provider: f.provider, models: f.models.join(', '), reason: shorten(f.reason) })}
                </p>
              ))}
              {renderResult.warnings.map((w) => (
                <p key={w} className="field-help">
                  {translateWarning(t, w)}
                </p>
              ))}
              <div className="form-actions">
                <Link href={restoredInReview(renderResult)} className="button small" data-testid="open-in-review">
                  {t('restore.openInReview')}
                </Link>
                <button type="button" className="button small" onClick={makeReel}>
                  <Icon name="reels" size={14} />
                  <span>{t('restore.makeReel')}</span>
                </button>
              </div>
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}
