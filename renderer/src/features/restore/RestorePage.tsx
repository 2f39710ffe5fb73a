import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProcessRequest } from '../../../../native/api/namespaces/portrait';
import type { AudioAsset } from '../../../../native/api/namespaces/reels';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { currentLanguage } from '../../app/i18n';
import { Icon } from '../../app/icons';
import { ErrorNotice, PageHeader } from '../../app/page-elements';
import { JobProgress, PreviewRenderButtons, usePreviewAndRender } from '../../components/preview-render';
import { AudioField } from '../reels/AudioField';
import { DownloadAll, MissingModel, ModelSelect, StepHeader } from './RestoreModels';
import { RestorePreview, RestoreResult } from './RestoreResult';
import { DrivingField, type DrivingClip } from './DrivingField';
import { PhotoSection } from './PhotoPanel';
import { modelsOfKind, portraitKeys, useInspection, usePortraitStatus, usePresets, type ProcessResult } from './restore-data';
import { upscaleProblem } from './upscale-limit';
import '../../styles/reels.css';
import '../../styles/restore.css';
import { useDraft } from '../../app/draft';
import { modelName } from '../models/model-words';

/** Motion presets in the order a family tries them: the gentlest first. */
const presetOrder = ['gentle-nod', 'turn-and-return', 'look-around', 'smile', 'blink'];
const presetRank = (id: string) => (presetOrder.includes(id) ? presetOrder.indexOf(id) : presetOrder.length);

export function RestorePage() {
  const { t } = useTranslation();
  const id = useId();
  const client = useQueryClient();
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
          <PhotoSection photo={photo} inspection={inspection} face={face} onFace={setFace} onChoose={choosePhoto} models={models} />

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
          {previewResult && photo && <RestorePreview photo={photo} result={previewResult} />}

          {renderJob && (
            <JobProgress
              job={renderJob}
              label={t('restore.rendering')}
              area="restore"
              testId="restore-progress"
              onCancel={() => cancel(renderJob.id)}
            />
          )}
          {renderResult && photo && <RestoreResult photo={photo} result={renderResult} />}
        </aside>
      </div>
    </div>
  );
}
