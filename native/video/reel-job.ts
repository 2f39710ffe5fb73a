import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { StudioError } from '../api/errors';
import { ReelRequest, type ReelResult } from '../api/namespaces/reels';
import { addOutput } from '../catalog/add-output';
import type { Catalog } from '../catalog/catalog';
import { makeThumbnail } from '../catalog/image-input';
import { rememberScratchObject } from '../catalog/scratch-objects';
import { appVersion } from '../core/version';
import { defineJob } from '../jobs/define';
import { requireFfmpeg, type FfmpegLocation } from './ffmpeg';
import { grabFrame, measureLoudness } from './ffmpeg-measure';
import { encodeSettings, planFor, renderReel, videoEncoderLabel, type RenderProgress } from './render';
import { resolveReel, type ParsedReelRequest, type ResolvedReel } from './reel-inputs';
import { requireTemplate } from './templates';
import { progressText } from '../api/progress-keys';

/** How many previews the library keeps (older ones are removed when a new one is made). */
const PREVIEWS_KEPT = 3;

export function reelFfmpeg(catalog: Catalog): FfmpegLocation {
  return requireFfmpeg(catalog.getSetting('ffmpeg.path'));
}

function defaultName(request: ParsedReelRequest): string {
  const template = requireTemplate(request.template);
  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ').replace(':', '.');
  return `${request.title?.trim() || template.name} ${stamp}.mp4`;
}

export interface ReelToStore extends ResolvedReel {
  quality: 'final' | 'preview';
  /** The catalogue name of the output (final reels). */
  name: string;
}

export interface StoreContext {
  signal: AbortSignal;
  jobId: number | null;
  progress?: (progress: RenderProgress) => void;
  /** Called with a new output's id (the job turns it into `output:added`). */
  emit?: (outputId: number) => void;
}

/** A reel request from the API or the CLI: catalogue outputs and files, rendered and stored. */
export async function makeReel(catalog: Catalog, request: ParsedReelRequest, context: StoreContext): Promise<ReelResult> {
  const ffmpeg = reelFfmpeg(catalog);
  const resolved = await resolveReel(catalog, ffmpeg.path, request, { readPixels: true });
  return renderIntoCatalog(catalog, { ...resolved, quality: request.quality, name: request.name?.trim() || defaultName(request) }, context);
}

/**
 * Renders a reel and stores it: the file in the object store, a thumbnail from one of its frames, and the
 * output row with its provenance, all rows in one transaction; `emit` tells the UI. Producers of frames
 * (animated portraits) call this from their own job with a `{ kind: 'stream' }` visual.
 */
export async function renderIntoCatalog(catalog: Catalog, reel: ReelToStore, context: StoreContext): Promise<ReelResult> {
  const ffmpeg = reelFfmpeg(catalog);
  const { settings, sources, provenance, personId } = reel;
  const plan = await planFor(settings, sources, ffmpeg, { signal: context.signal });
  const preview = reel.quality === 'preview';
  // The temp file lives beside the object store (same disk; cleared on start if a crash leaves it).
  await mkdir(catalog.store.tmpDir, { recursive: true });
  const temp = join(catalog.store.tmpDir, `reel-${randomUUID()}.mp4`);
  const thumbTemp = `${temp}.png`;
  try {
    const started = Date.now();
    const encode = encodeSettings(reel.quality);
    const report = await renderReel(plan, settings, sources, {
      ffmpeg,
      signal: context.signal,
      output: temp,
      encode,
      onProgress: (p) => context.progress?.({ ...p, fraction: p.fraction * 0.95 }),
      metadata: { title: settings.title ?? '' },
    });
    context.progress?.({ fraction: 0.96, ...progressText('reels.checkingLoudness') });
    const loudness = report.loudness ? await measureLoudness(ffmpeg.path, temp, context.signal) : null;
    context.signal.throwIfAborted();
    const stored = await catalog.store.putFile(temp);
    const durationMs = Math.round(plan.seconds * 1000);
    const result: ReelResult = {
      outputId: null,
      hash: stored.hash,
      width: plan.width,
      height: plan.height,
      durationMs,
      loudness: loudness && { integrated: loudness.integrated, truePeak: loudness.truePeak },
      warnings: plan.warnings,
    };
    if (preview) {
      catalog.addObject({ hash: stored.hash, size: stored.size, mime: 'video/mp4', width: plan.width, height: plan.height, durationMs });
      await rememberScratchObject(catalog, 'reel-previews', stored.hash, PREVIEWS_KEPT);
      return result;
    }

    // The thumbnail: a frame from the middle of the first visual (the title card would say less).
    const first = plan.segments.find((s) => s.visual !== null) ?? plan.segments[0]!;
    await grabFrame(ffmpeg.path, temp, (first.startFrame + first.frames / 2) / plan.fps, thumbTemp, context.signal);
    const thumbnail = await makeThumbnail(await readFile(thumbTemp), 'reel thumbnail');
    context.signal.throwIfAborted();

    const { outputId, added } = await addOutput(
      catalog,
      { stored, mime: 'video/mp4', width: plan.width, height: plan.height, durationMs, thumbnail },
      {
        source: 'reel',
        generator: 'Likeness reels',
        template: plan.template,
        jobId: context.jobId,
        personId,
        appVersion: appVersion(),
        timings: { totalMs: Date.now() - started, ...report.millis },
        provenance: {
          ...provenance,
          // What a model made or changed (madeByModel reads it when this reel goes into another).
          aiContent: reel.aiContent,
          aiMarked: plan.metadataComment !== null,
          frames: plan.frames,
          fps: plan.fps,
          transitions: plan.transitionMode,
          loudness: { target: -14, measuredInput: report.loudness, output: loudness },
          encoder: { ffmpeg: report.ffmpegVersion, video: videoEncoderLabel(encode, report.plan), audio: `aac ${encode.audioBitrate}` },
          ...(plan.warnings.length ? { warnings: plan.warnings } : {}),
        },
        originalName: reel.name,
      },
    );
    if (added) context.emit?.(outputId);
    context.progress?.({ fraction: 1, ...progressText('job.done') });
    return { ...result, outputId };
  } finally {
    await rm(temp, { force: true });
    await rm(thumbTemp, { force: true });
  }
}

/** `reels.render`: a preview (kept briefly, not in the catalogue) or a final reel (a video output). */
export const reelRenderJob = defineJob({
  kind: 'reels.render',
  // One ffmpeg process with its own threads (limited to leave a core free), like other CPU work.
  resource: 'cpu',
  // Rendering again gives the same file; a reel already stored is recognised by its hash.
  resumable: true,
  input: ReelRequest,
  title: (input) => {
    const template = (() => {
      try {
        return requireTemplate(input.template).name;
      } catch {
        return input.template;
      }
    })();
    return `${input.quality === 'preview' ? 'Preview' : 'Reel'}: ${input.title?.trim() || template}`;
  },
  async run(input, { catalog, signal, progress, emit, jobId }): Promise<ReelResult> {
    if (!input.visuals.length) throw new StudioError('INVALID_INPUT', 'Choose at least one photo.');
    return makeReel(catalog, input, {
      signal,
      jobId,
      progress: (p) => progress(p),
      emit: (outputId) => emit('output:added', catalog.outputs.summary(outputId)),
    });
  },
});
