import { StudioError } from '../api/errors';
import type { ProcessResult } from '../api/namespaces/portrait';
import type { ProviderName } from '../api/schemas';
import { scoreClip } from '../likeness/clips';
import { likenessTools, profileFor, scoreImage } from '../likeness/score';
import { type FaceDetector } from '../inference/face-landmarks';
import { fallbackProgress, fallbackRecord, type FallbackNotice } from '../inference/session';
import type { JobContext } from '../jobs/define';
import { installedFaceDetector } from '../inference/face-detector';
import { findFaces, type PortraitFace } from './faces';
import { encodePng, resizeRgb } from './image';
import { openPortraitSession, type ModelUse, type PortraitModelFile } from './models';
import type { ProcessJobInput } from './process-job';
import { checkRequest, loadSource } from './request';
import { progressText, type ProgressKey, type ProgressParams } from '../api/progress-keys';
import { animateStep, colorizeStep, restoreStep, upscaleStep, type RunState } from './process-steps';
import { PREVIEW, stem, storeImage, type OutputFields, type Request } from './process-steps';

/** How much of the job each step is (for one progress bar). */
function weights(request: Request): Record<string, number> {
  const w: Record<string, number> = { load: 0.04 };
  if (request.upscale) w.upscale = 0.2;
  if (request.restore) w.restore = 0.15;
  if (request.colorize) w.colorize = 0.1;
  if (request.animate) w.animate = 0.6;
  const total = Object.values(w).reduce((a, b) => a + b, 0);
  return Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v / total]));
}

/**
 * One restore-and-animate run, in order: read the photo and find its faces; upscale, restore, colorize (each if
 * asked); save the still, or animate and save the still with the clip; check the face still looks like the person.
 */
export async function runProcess(input: ProcessJobInput, context: JobContext): Promise<ProcessResult> {
  const { catalog, signal, emit, jobId } = context;
  const { request, seed } = input;
  const preview = request.quality === 'preview';
  const share = weights(request);
  let base = 0;
  const step = (name: string, fraction: number, key: ProgressKey, params?: ProgressParams) =>
    context.progress({
      fraction: Math.min(0.999, base + (share[name] ?? 0) * Math.max(0, Math.min(1, fraction))),
      ...progressText(key, params),
    });
  const finish = (name: string) => (base += share[name] ?? 0);

  await checkRequest(catalog, request);
  step('load', 0, 'portrait.readingPhoto');
  const source = await loadSource(catalog, request.source);
  let image = source.image;
  if (preview && Math.max(image.width, image.height) > PREVIEW.side) {
    const k = PREVIEW.side / Math.max(image.width, image.height);
    image = await resizeRgb(image, Math.round(image.width * k), Math.round(image.height * k));
  }
  const fallbacks: FallbackNotice[] = [];
  const onFallback = (notice: FallbackNotice) => {
    fallbacks.push(notice);
    context.progress(fallbackProgress(notice));
  };
  const open = (file: PortraitModelFile, label: string) => openPortraitSession(file, label, { provider: request.provider, onFallback });
  const allow = { allowNonCommercial: request.allowNonCommercial };
  const providers: Record<string, ProviderName> = {};
  const used: ModelUse[] = [];
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const steps: Record<string, unknown>[] = [];

  let faces: PortraitFace[] = [];
  let detector: FaceDetector | undefined;
  if (request.restore || request.animate) {
    detector = await installedFaceDetector(catalog.paths.models);
    faces = await findFaces(image, detector);
    if (!faces.length) {
      throw new StudioError(
        'INVALID_INPUT',
        `No face was found in ${source.name}.`,
        'Restoring faces and animating need a face seen from the front or half-side; colorize and upscale work without one.',
      );
    }
  }
  finish('load');
  // What the steps share from here on: the picture so far, its faces, and what each step used and took.
  const run: RunState = {
    context,
    catalog,
    request,
    signal,
    preview,
    seed,
    image,
    faces,
    detector,
    step,
    finish,
    open,
    allow,
    onFallback,
    fallbacks,
    providers,
    used,
    timings,
    warnings,
    steps,
  };

  if (request.upscale) await upscaleStep(run, request.upscale);

  if (request.restore) await restoreStep(run, request.restore);

  if (request.colorize) await colorizeStep(run, request.colorize);

  const provenanceBase = {
    pipeline: 'portrait',
    source: { outputId: source.outputId, hash: source.hash, name: source.name },
    steps,
    models: used,
    fallbacks: fallbacks.map(fallbackRecord),
    ...(request.allowNonCommercial ? { allowNonCommercial: true } : {}),
  };
  const modelNames = () => used.map((m) => m.name).join(', ') || null;

  // The still is saved with the clip, not before it: a cancelled or failed animation leaves nothing behind. What
  // it records is taken now, before the animation's models and timings join the lists.
  let still: ProcessResult['still'] = null;
  const stillName = request.name?.trim() || `${stem(source.name)} restored.png`;
  const stillFields: OutputFields = {
    jobId,
    personId: source.personId,
    model: modelNames(),
    modelHash: used[0]?.files[0]?.sha256 ?? null,
    provider: Object.values(providers)[0] ?? null,
    timings: { ...timings },
    provenance: { ...provenanceBase, steps: [...steps], models: [...used], fallbacks: fallbacks.map(fallbackRecord) },
    originalName: stillName.endsWith('.png') ? stillName : `${stillName}.png`,
  };
  const saveStill = async (): Promise<ProcessResult['still']> => {
    if (!(request.restore || request.colorize || request.upscale)) return null;
    const png = await encodePng(run.image);
    const stored = await storeImage(catalog, png, run.image, preview, stillFields);
    if (stored.added) emit('output:added', catalog.outputs.summary(stored.outputId!));
    return { outputId: stored.outputId, hash: stored.hash, width: run.image.width, height: run.image.height };
  };
  if (!request.animate) still = await saveStill();

  let video: ProcessResult['video'] = null;
  if (request.animate) ({ still, video } = await animateStep(run, { source, provenanceBase, modelNames, saveStill }));

  // A photo from disk (not in the catalogue) has no stored original to compare with.
  const identity = preview || !source.hash ? null : await identityKept(context, source.hash, still, video, warnings);
  context.progress({ fraction: 1, ...progressText(preview ? 'portrait.previewReady' : 'job.done') });
  return {
    still,
    video,
    faces: run.faces.length,
    providers,
    fallbacks: fallbacks.map(fallbackRecord),
    warnings,
    identity,
    timings,
  };
}

/**
 * Restoring, colorizing and animating can quietly change who the face is: the result is scored against the
 * original photo's face (stored like any likeness score, reference "original:<hash>"), and a result that no
 * longer clearly looks like the person is said plainly. Without the face detector nothing is measured.
 */
async function identityKept(
  context: JobContext,
  originalHash: string,
  still: ProcessResult['still'],
  video: ProcessResult['video'],
  warnings: string[],
): Promise<ProcessResult['identity']> {
  const { catalog, signal } = context;
  if (!still?.outputId && !video?.outputId) return null;
  try {
    const tools = await likenessTools(catalog);
    const reference = { kind: 'original', hash: originalHash } as const;
    const profile = await profileFor(catalog, reference, tools, signal);
    if (!profile) return null;
    const stillScore = still?.outputId ? await scoreImage(catalog, { id: still.outputId, hash: still.hash }, reference, profile, tools) : null;
    const clipScore = video?.outputId ? await scoreClip(catalog, { id: video.outputId, hash: video.hash }, reference, profile, tools, signal) : null;
    if (stillScore?.verdict === 'no-face') warnings.push('Likeness could not check the result: no face is found in the restored photo any more.');
    if (stillScore && stillScore.verdict !== 'same' && stillScore.score !== null)
      warnings.push(
        `The restored face may no longer look like the person (likeness ${Math.round(stillScore.score)} of 100): compare it with the original, or restore less strongly.`,
      );
    if (clipScore?.frames?.worst !== null && clipScore?.frames?.worst !== undefined && clipScore.verdict !== 'same')
      warnings.push(
        `In the animated clip the face drifts away from the person (likeness ${Math.round(clipScore.frames.worst)} of 100 at its worst): try a gentler motion.`,
      );
    const ids = [still?.outputId, video?.outputId].filter((id): id is number => typeof id === 'number');
    context.emit('likeness:changed', { ids, personId: null });
    return {
      model: tools.embedder.spec.id,
      still: stillScore ? { score: stillScore.score, verdict: stillScore.verdict } : null,
      video: clipScore ? { score: clipScore.score, worst: clipScore.frames?.worst ?? null, verdict: clipScore.verdict } : null,
    };
  } catch (error) {
    if (signal.aborted) throw error;
    return null;
  }
}
