// The steps of a restore-and-animate run (process-run.ts calls them in order), each over one RunState.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { z } from 'zod';
import { StudioError } from '../api/errors';
import type { ProcessRequest, ProcessResult } from '../api/namespaces/portrait';
import type { ProviderName } from '../api/schemas';
import { addOutput } from '../catalog/add-output';
import type { Catalog } from '../catalog/catalog';
import { makeThumbnail } from '../catalog/image-input';
import { rememberScratchObject } from '../catalog/scratch-objects';
import { appVersion } from '../core/version';
import { scaleFace, type FaceDetector } from '../inference/face-landmarks';
import type { RgbImage } from '../inference/image-tensor';
import { fallbackRecord, type FallbackNotice } from '../inference/session';
import type { JobContext } from '../jobs/define';
import { requireFfmpeg } from '../video/ffmpeg';
import { grabFrame } from '../video/ffmpeg-measure';
import { drivingMotion, prepareAnimator, type AnimationMotion } from './animate';
import { melSpectrogram, melWindows, speechSamples } from './audio';
import { colorize, colorizerSpecs } from './colorize';
import { type PortraitFace } from './faces';
import { createLipSyncer } from './lipsync';
import { LIVEPORTRAIT_FILES, openLivePortrait, type LivePortraitPart } from './liveportrait';
import { decodeAudioFile, decodeVideoFrames, encodeClip } from './clip-codec';
import { modelFile, modelUse, type openPortraitSession, requirePortraitModel, type ModelUse, type PortraitModelFile } from './models';
import { planPresetMotion, requireMotionPreset } from './motion';
import { espeakVersion, requireEspeak, synthesizeNarration } from './narration';
import { restoreFaces, restorerSpecs } from './restore';
import { audioFile, drivingFile, type loadSource, PREVIEW_SIDE } from './request';
import { upscale, upscalerSpecs } from './upscale';
import { type ProgressKey, type ProgressParams } from '../api/progress-keys';

export type Request = z.output<typeof ProcessRequest>;

/** Previews are made from a copy at most this large, and clips at most this long and large. */
export const PREVIEW = { side: PREVIEW_SIDE, seconds: 3, videoSide: 480 } as const;
export const PREVIEWS_KEPT = 6;
/** A driving video longer than this is cut. */
export const MAX_DRIVING_SECONDS = 60;

export const stem = (name: string) => basename(name, extname(name));

/** A stopwatch: the milliseconds since it was made. */
export function clock(): () => number {
  const started = performance.now();
  return () => Math.round(performance.now() - started);
}

/** What the steps of one run share: the picture so far and its faces, and what each step used, took and noted. */
export interface RunState {
  context: JobContext;
  catalog: Catalog;
  request: Request;
  signal: AbortSignal;
  preview: boolean;
  seed: number;
  image: RgbImage;
  faces: PortraitFace[];
  detector: FaceDetector | undefined;
  step: (name: string, fraction: number, key: ProgressKey, params?: ProgressParams) => void;
  finish: (name: string) => void;
  open: (file: PortraitModelFile, label: string) => ReturnType<typeof openPortraitSession>;
  allow: { allowNonCommercial: boolean };
  onFallback: (notice: FallbackNotice) => void;
  fallbacks: FallbackNotice[];
  providers: Record<string, ProviderName>;
  used: ModelUse[];
  timings: Record<string, number>;
  warnings: string[];
  steps: Record<string, unknown>[];
}

/** What the animation stores beside its clip: the source, the provenance so far, and the still to save with it. */
export interface StillAndProvenance {
  source: Awaited<ReturnType<typeof loadSource>>;
  provenanceBase: Record<string, unknown>;
  modelNames: () => string | null;
  saveStill: () => Promise<ProcessResult['still']>;
}

/** Upscales the picture (Real-ESRGAN, in tiles); the faces found scale with it. */
export async function upscaleStep(run: RunState, options: NonNullable<Request['upscale']>): Promise<void> {
  const { catalog, signal, step, finish, open, allow, providers, used, timings, steps } = run;
  const time = clock();
  const id = `real-esrgan-x${options.scale}`;
  const model = requirePortraitModel(catalog, id, { kind: 'upscaler', ...allow });
  const file = modelFile(catalog, model);
  const session = await open(file, model.name);
  step('upscale', 0, 'portrait.upscaling', { scale: options.scale });
  run.image = await upscale(session, run.image, upscalerSpecs[id]!.scale, {
    signal,
    onTile: (done, total) => step('upscale', done / total, 'portrait.upscalingTile', { scale: options.scale, done, total }),
  });
  const k = upscalerSpecs[id]!.scale;
  run.faces = run.faces.map((f) => scaleFace(f, k));
  providers.upscale = session.provider;
  used.push(await modelUse([file], session.provider));
  timings.upscaleMs = time();
  steps.push({ step: 'upscale', model: id, scale: k, provider: session.provider, ms: timings.upscaleMs });
  finish('upscale');
}

/** Restores the chosen faces (GFPGAN, CodeFormer, RestoreFormer++) and pastes them back. */
export async function restoreStep(run: RunState, options: NonNullable<Request['restore']>): Promise<void> {
  const { catalog, signal, step, finish, open, allow, providers, used, timings, steps, warnings } = run;
  const time = clock();
  const model = requirePortraitModel(catalog, options.model, { kind: 'face-restorer', ...allow });
  const file = modelFile(catalog, model);
  const session = await open(file, model.name);
  const chosen = options.faces ? run.faces.filter((_, i) => options.faces!.includes(i)) : run.faces;
  if (options.faces && chosen.length < options.faces.length)
    warnings.push(`Only ${run.faces.length} face(s) were found; the others chosen do not exist.`);
  step('restore', 0, 'portrait.restoringFaces', { count: chosen.length });
  const restored = await restoreFaces(
    session,
    restorerSpecs[options.model]!,
    run.image,
    chosen,
    { strength: options.strength, fidelity: options.fidelity, matchColour: true },
    (done, total) => {
      signal.throwIfAborted();
      step('restore', done / total, 'portrait.restoredFace', { done, total });
    },
  );
  run.image = restored.image;
  providers.restore = session.provider;
  used.push(await modelUse([file], session.provider));
  timings.restoreMs = time();
  steps.push({
    step: 'restore',
    model: options.model,
    strength: options.strength,
    ...(restorerSpecs[options.model]!.fidelityInput ? { fidelity: options.fidelity } : {}),
    faces: restored.faces.map((f) => f.box),
    provider: session.provider,
    ms: timings.restoreMs,
  });
  finish('restore');
}

/** Colours a black-and-white picture (DDColor, DeOldify). */
export async function colorizeStep(run: RunState, options: NonNullable<Request['colorize']>): Promise<void> {
  const { catalog, signal, step, finish, open, allow, providers, used, timings, steps } = run;
  signal.throwIfAborted();
  const time = clock();
  const model = requirePortraitModel(catalog, options.model, { kind: 'colorizer', ...allow });
  const file = modelFile(catalog, model);
  const session = await open(file, model.name);
  step('colorize', 0.1, 'portrait.colorizing');
  const result = await colorize(session, colorizerSpecs[options.model]!, run.image, options.size ? { size: options.size } : {});
  run.image = result.image;
  providers.colorize = session.provider;
  used.push(await modelUse([file], session.provider));
  timings.colorizeMs = time();
  steps.push({ step: 'colorize', model: options.model, size: result.modelSize, provider: session.provider, ms: timings.colorizeMs });
  finish('colorize');
}

/**
 * Makes the face move (LivePortrait, a preset or a driving video) and, with a voice, speak (lip sync); stores the
 * still and the clip together, so a cancelled or failed animation leaves nothing behind.
 */
export async function animateStep(run: RunState, made: StillAndProvenance): Promise<Pick<ProcessResult, 'still' | 'video'>> {
  const { catalog, request, signal, preview, seed, detector, step, finish, open, allow, providers, used, timings, warnings, onFallback, fallbacks } =
    run;
  const { jobId, emit } = run.context;
  const { source, provenanceBase, modelNames, saveStill } = made;
  const animate = request.animate!;
  let still: ProcessResult['still'];
  let video: ProcessResult['video'];
  const time = clock();
  const face = run.faces[animate.face];
  if (!face)
    throw new StudioError('INVALID_INPUT', `There is no face ${animate.face + 1}: ${run.faces.length} found.`, 'Choose one of the faces found.');
  const ffmpeg = requireFfmpeg(catalog.getSetting('ffmpeg.path'));
  const scratch = catalog.store.tmpDir;
  await mkdir(scratch, { recursive: true });
  const model = requirePortraitModel(catalog, 'liveportrait', { kind: 'portrait-animator', ...allow });
  const files = Object.fromEntries(Object.entries(LIVEPORTRAIT_FILES).map(([part, path]) => [part, modelFile(catalog, model, path)])) as Record<
    LivePortraitPart,
    PortraitModelFile
  >;
  step('animate', 0, 'portrait.loadingLivePortrait');
  const sessions = await openLivePortrait(files, { provider: request.provider, onFallback });
  for (const [part, provider] of Object.entries(sessions.providers)) providers[`animate.${part}`] = provider;
  used.push(await modelUse(Object.values(files), sessions.providers.generator));

  const fps = animate.fps;
  const cleanups: (() => Promise<void>)[] = [];
  try {
    // Speech first: with a voice, the clip is as long as the voice (unless told otherwise).
    let speech: { windows: Float32Array[]; seconds: number; file: string; model: string; narration?: Record<string, unknown> } | undefined;
    if (animate.speech) {
      step('animate', 0.01, 'portrait.readingVoice');
      let file: string;
      let narration: Record<string, unknown> | undefined;
      const voice = animate.speech.audio;
      if ('text' in voice) {
        step('animate', 0.01, 'portrait.speakingNarration');
        file = join(scratch, `narration-${randomUUID()}.wav`);
        cleanups.push(() => rm(file, { force: true }));
        await synthesizeNarration(voice.text, voice.language, file, signal);
        narration = { text: voice.text, language: voice.language, engine: await espeakVersion(requireEspeak()) };
      } else file = audioFile(catalog, voice);
      const audio = await decodeAudioFile(ffmpeg, file, scratch, signal);
      const samples = speechSamples(audio);
      const voiceSeconds = samples.length / 16000;
      // One window per frame of the longest clip the voice could need; a longer clip holds the last one.
      const windows = melWindows(melSpectrogram(samples), fps, Math.max(1, Math.ceil(voiceSeconds * fps)));
      speech = { windows, seconds: voiceSeconds, file, model: animate.speech.model, ...(narration ? { narration } : {}) };
    }
    let motion: AnimationMotion;
    let seconds: number;
    let motionProvenance: Record<string, unknown>;
    if ('preset' in animate.motion) {
      const preset = requireMotionPreset(animate.motion.preset);
      seconds = animate.seconds ?? speech?.seconds ?? Math.max(5, preset.seconds);
      if (preview) seconds = Math.min(seconds, PREVIEW.seconds);
      const frameCount = Math.max(1, Math.round(seconds * fps));
      const plan = planPresetMotion(preset, { fps, frameCount, seed });
      motion = { kind: 'preset', plan };
      motionProvenance = { preset: preset.id, seed, blinks: plan.blinks.map((t) => Math.round(t * 100) / 100) };
    } else {
      const file = await drivingFile(catalog, animate.motion.driving);
      const maxSeconds = Math.min(MAX_DRIVING_SECONDS, animate.seconds ?? MAX_DRIVING_SECONDS, preview ? PREVIEW.seconds : MAX_DRIVING_SECONDS);
      step('animate', 0.02, 'portrait.readingDrivingVideo');
      const decoded = await decodeVideoFrames(ffmpeg, file, scratch, { fps, maxSide: 512, maxSeconds, signal });
      cleanups.push(() => decoded.dispose());
      const extracted = await drivingMotion(decoded, detector!, sessions.parts.motion, {
        signal,
        onFrame: (done, total) => step('animate', 0.02 + 0.18 * (done / total), 'portrait.readingDrivingMotion', { done, total }),
      });
      if (extracted.framesWithoutFace)
        warnings.push(`No face in ${extracted.framesWithoutFace} frame(s) of the driving video; the nearest face's motion was used.`);
      motion = { kind: 'driving', frames: extracted.frames };
      seconds = animate.seconds ? Math.min(animate.seconds, decoded.frameCount / fps) : decoded.frameCount / fps;
      if (speech && !animate.seconds) seconds = Math.min(seconds, speech.seconds);
      motionProvenance = { driving: basename(file), frames: decoded.frameCount, framesWithoutFace: extracted.framesWithoutFace };
    }
    const frameCount = Math.max(1, Math.round(seconds * fps));

    let lipSync: { syncer: ReturnType<typeof createLipSyncer>; windows: Float32Array[] } | undefined;
    if (speech) {
      const lipModel = requirePortraitModel(catalog, speech.model, { kind: 'lip-sync', ...allow });
      const lipFile = modelFile(catalog, lipModel);
      const session = await open(lipFile, lipModel.name);
      providers.lipSync = session.provider;
      used.push(await modelUse([lipFile], session.provider));
      lipSync = { syncer: createLipSyncer(session, speech.model, detector!, { weight: animate.speech!.weight }), windows: speech.windows };
    }

    const animator = await prepareAnimator({
      photo: run.image,
      face,
      sessions,
      motion,
      fps,
      frameCount,
      maxSide: preview ? Math.min(animate.maxSide, PREVIEW.videoSide) : animate.maxSide,
      lipSync,
    });
    const temp = join(scratch, `portrait-${randomUUID()}.mp4`);
    cleanups.push(() => rm(temp, { force: true }));
    let framesDone = 0;
    const counted = {
      ...animator,
      frames: async function* (s: AbortSignal) {
        for await (const frame of animator.frames(s)) {
          framesDone++;
          step('animate', 0.2 + 0.78 * (framesDone / frameCount), 'portrait.animatingFrame', { done: framesDone, total: frameCount });
          yield frame;
        }
      },
    };
    const encoded = await encodeClip(ffmpeg, counted, temp, {
      audio: speech?.file,
      signal,
      title: request.name?.trim() || stem(source.name),
    });
    timings.animateMs = time();
    timings.animationRunMs = Math.round(animator.timings.runMs);
    timings.animationOtherMs = Math.round(animator.timings.otherMs);
    // Timings are milliseconds (Review shows them so); the rate the loop ran at goes with the animation's settings.
    const framesPerSecond = Math.round((animator.timings.frames / Math.max(1, animator.timings.runMs + animator.timings.otherMs)) * 1000 * 100) / 100;
    const durationMs = Math.round((frameCount / fps) * 1000);
    const name = request.name?.trim() || `${stem(source.name)} ${'preset' in animate.motion ? animate.motion.preset : 'animated'}.mp4`;
    signal.throwIfAborted();
    still = await saveStill();
    const stored = await storeVideo(catalog, temp, ffmpeg.path, {
      preview,
      width: animator.width,
      height: animator.height,
      durationMs,
      signal,
      output: {
        jobId,
        personId: source.personId,
        model: modelNames(),
        modelHash: used.find((m) => m.id === 'liveportrait')?.files.find((f) => f.path === LIVEPORTRAIT_FILES.generator)?.sha256 ?? null,
        provider: sessions.providers.generator,
        timings,
        seed: 'preset' in animate.motion ? seed : null,
        provenance: {
          ...provenanceBase,
          models: used,
          fallbacks: fallbacks.map(fallbackRecord),
          still: still?.outputId ?? null,
          animation: {
            face: { index: animate.face, box: face.box },
            ...motionProvenance,
            fps,
            frames: frameCount,
            framesPerSecond,
            providers: sessions.providers,
            ...(sessions.gridSample ? { gridSample5d: sessions.gridSample } : {}),
            ...(speech
              ? {
                  speech: {
                    model: speech.model,
                    seconds: Math.round(speech.seconds * 100) / 100,
                    weight: animate.speech!.weight,
                    ...(speech.narration ? { narration: speech.narration } : {}),
                  },
                }
              : {}),
          },
          encoder: { commandLine: encoded.commandLine.replace(/\s-i\s+\S+/g, ' -i …') },
        },
        originalName: name.endsWith('.mp4') ? name : `${name}.mp4`,
      },
    });
    if (stored.added) emit('output:added', catalog.outputs.summary(stored.outputId!));
    video = { outputId: stored.outputId, hash: stored.hash, width: animator.width, height: animator.height, durationMs, frames: frameCount, fps };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  }
  finish('animate');
  return { still, video };
}

export interface OutputFields {
  jobId: number;
  personId: number | null;
  model: string | null;
  modelHash: string | null;
  provider: string | null;
  timings: Record<string, number>;
  seed?: number | null;
  provenance: Record<string, unknown>;
  originalName: string;
}

/** What a still and a clip record alike about where they came from. */
function producedBy(fields: OutputFields) {
  return {
    jobId: fields.jobId,
    personId: fields.personId,
    model: fields.model,
    modelHash: fields.modelHash,
    provider: fields.provider,
    appVersion: appVersion(),
    timings: fields.timings,
    provenance: fields.provenance,
    originalName: fields.originalName,
  };
}

/** A still: a scratch object for previews, else an output row (one per file: the same result twice is one row). */
export async function storeImage(
  catalog: Catalog,
  png: Buffer,
  image: RgbImage,
  preview: boolean,
  fields: OutputFields,
): Promise<{ outputId: number | null; hash: string; added: boolean }> {
  const stored = await catalog.store.putBuffer(png);
  if (preview) {
    catalog.addObject({ hash: stored.hash, size: stored.size, mime: 'image/png', width: image.width, height: image.height });
    await rememberScratchObject(catalog, 'portrait-previews', stored.hash, PREVIEWS_KEPT);
    return { outputId: null, hash: stored.hash, added: false };
  }
  const { outputId, added } = await addOutput(
    catalog,
    { stored, mime: 'image/png', width: image.width, height: image.height, thumbnail: await makeThumbnail(png, fields.originalName) },
    { source: 'restore', generator: 'Likeness restore', ...producedBy(fields) },
  );
  return { outputId, hash: stored.hash, added };
}

export async function storeVideo(
  catalog: Catalog,
  file: string,
  ffmpegPath: string,
  options: { preview: boolean; width: number; height: number; durationMs: number; signal: AbortSignal; output: OutputFields },
): Promise<{ outputId: number | null; hash: string; added: boolean }> {
  const { width, height, durationMs } = options;
  const thumbFile = `${file}.png`;
  try {
    await grabFrame(ffmpegPath, file, Math.min(1, durationMs / 2000), thumbFile, options.signal);
    const stored = await catalog.store.putFile(file);
    if (options.preview) {
      catalog.addObject({ hash: stored.hash, size: stored.size, mime: 'video/mp4', width, height, durationMs });
      await rememberScratchObject(catalog, 'portrait-previews', stored.hash, PREVIEWS_KEPT);
      return { outputId: null, hash: stored.hash, added: false };
    }
    const fields = options.output;
    const { outputId, added } = await addOutput(
      catalog,
      { stored, mime: 'video/mp4', width, height, durationMs, thumbnail: await makeThumbnail(await readFile(thumbFile), 'clip thumbnail') },
      { source: 'animate', generator: 'Likeness animate', seed: fields.seed ?? null, ...producedBy(fields) },
    );
    return { outputId, hash: stored.hash, added };
  } finally {
    await rm(thumbFile, { force: true });
  }
}
