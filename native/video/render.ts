import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import pLimit from 'p-limit';
import { StudioError } from '../api/errors';
import { appVersion } from '../core/version';
import { bt709Tags, ffmpegCapabilities, uploadMp4Options, uploadVideoBitrate, type FfmpegLocation } from './ffmpeg';
import { checkFrameSource, frameSourceSeconds, frameStream, type FrameSource } from './frame-source';
import {
  hasSound,
  levelledMixGraph,
  loudnessGain,
  loudnessPassGraph,
  loudnessTarget,
  raiseGain,
  renderGraph,
  type LoudnessGain,
  type DuckSettings,
  type GraphAssets,
  type LoudnessMeasurement,
  type SegmentAsset,
} from './graph';
import { parseEbur128Summary, probeAudio } from './ffmpeg-measure';
import { planReel, type FocusBox, type PlanRequest, type ReelPlan, type VisualMedia } from './plan';
import { prepareStill, prepareTitleCard, preparedSize, renderDivider, renderText } from './reel-images';
import { runFfmpeg } from './run-ffmpeg';
import type { ReelTemplate } from './templates';
import type { CaptionCue } from './captions';
import { progressText, type ProgressKey, type ProgressNote } from '../api/progress-keys';

/** One visual of a reel, as the engine has it. */
export type ReelVisualSource =
  | { kind: 'still'; name: string; data: Buffer; width: number; height: number; focus?: FocusBox | undefined }
  | { kind: 'clip'; name: string; file: string; width: number; height: number; seconds: number }
  | { kind: 'stream'; name: string; source: FrameSource };

export interface ReelSources {
  visuals: ReelVisualSource[];
  /** Audio files (any format ffmpeg reads). */
  voice?: string | undefined;
  music?: string | undefined;
}

export interface ReelSettings {
  template: ReelTemplate;
  width: number;
  height: number;
  title?: string | undefined;
  captions?: { cues: CaptionCue[] } | { text: string } | undefined;
  secondsPerVisual?: number | undefined;
  aiLabel: 'off' | 'metadata' | 'visible';
  aiLabelText: string;
  roleLabels?: string[] | undefined;
  /** Said before the plan's own warnings (e.g. faces not looked for without the face detector). */
  warnings?: string[] | undefined;
}

export const REEL_FPS = 30;

/** What ffmpeg needs from the binary, and what the graph can do without. */
export async function reelFeatures(location: FfmpegLocation): Promise<{ xfade: boolean; version: string }> {
  const { filters, encoders, version } = await ffmpegCapabilities(location.path);
  const needed: [string, boolean][] = [
    ['the libx264 encoder', encoders.has('libx264')],
    ['the aac encoder', encoders.has('aac')],
    ...['zoompan', 'overlay', 'loudnorm', 'sidechaincompress', 'amix', 'concat', 'fade', 'afade', 'scale', 'crop', 'tpad', 'blend'].map(
      (name): [string, boolean] => [`the ${name} filter`, filters.has(name)],
    ),
  ];
  const missing = needed.filter(([, present]) => !present).map(([name]) => name);
  if (missing.length) {
    throw new StudioError(
      'UNSUPPORTED',
      `This ffmpeg (${version}, ${location.path}) lacks ${missing.join(', ')}, which reels need.`,
      'Install a complete build (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or point LIKENESS_FFMPEG at one.',
    );
  }
  return { xfade: filters.has('xfade'), version };
}

/** The plan for these sources: measures the audio, checks the visuals, lays out the timeline. */
export async function planFor(
  settings: ReelSettings,
  sources: ReelSources,
  location: FfmpegLocation,
  options: { xfade?: boolean; signal?: AbortSignal } = {},
): Promise<ReelPlan> {
  const features = await reelFeatures(location);
  const visuals: VisualMedia[] = sources.visuals.map((visual) => {
    if (visual.kind === 'stream') {
      checkFrameSource(visual.source, visual.name);
      return {
        kind: 'stream',
        width: visual.source.width,
        height: visual.source.height,
        seconds: frameSourceSeconds(visual.source),
        label: visual.name,
      };
    }
    if (visual.kind === 'clip') return { kind: 'clip', width: visual.width, height: visual.height, seconds: visual.seconds, label: visual.name };
    return { kind: 'still', width: visual.width, height: visual.height, focus: visual.focus, label: visual.name };
  });
  const voice = sources.voice ? await probeAudio(location.path, sources.voice, options.signal) : undefined;
  const music = sources.music ? await probeAudio(location.path, sources.music, options.signal) : undefined;
  const request: PlanRequest = {
    template: settings.template,
    width: settings.width,
    height: settings.height,
    fps: REEL_FPS,
    visuals,
    voiceSeconds: voice?.seconds,
    voiceLoudness: voice?.loudness,
    music: Boolean(sources.music),
    musicLoudness: music?.loudness,
    title: settings.title,
    captions: settings.captions,
    secondsPerVisual: settings.secondsPerVisual,
    aiLabel: settings.aiLabel,
    aiLabelText: settings.aiLabelText,
    roleLabels: settings.roleLabels,
    xfade: options.xfade ?? features.xfade,
  };
  if (settings.template.music === 'required' && !sources.music) {
    throw new StudioError('INVALID_INPUT', `The ${settings.template.name} template needs music.`, 'Add a music file.');
  }
  const plan = planReel(request);
  plan.warnings.unshift(...(settings.warnings ?? []));
  return plan;
}

export interface EncodeSettings {
  /** x264 preset: `faster` for delivery, `veryfast` for previews and tests. */
  preset: string;
  /** Quality for previews; delivery renders use the platforms' bitrate instead (uploadVideoBitrate). */
  crf: number;
  /** Delivery: at least YouTube's recommended bitrate for the frame size, so the platforms' re-encode starts from enough. */
  uploadBitrate: boolean;
  audioBitrate: string;
  /**
   * Threads for the encoder and the filter graph: by default every core, since ffmpeg runs at low priority
   * (niceness 10) and the app's own work goes first; leaving a core idle halved the speed on a 2-core laptop.
   */
  threads: number;
}

export function encodeSettings(quality: 'final' | 'preview', overrides: Partial<EncodeSettings> = {}): EncodeSettings {
  const fromEnvironment = Number(process.env.LIKENESS_FFMPEG_THREADS);
  const threads = Number.isInteger(fromEnvironment) && fromEnvironment > 0 ? fromEnvironment : availableParallelism();
  return {
    preset: quality === 'final' ? 'faster' : 'veryfast',
    crf: quality === 'final' ? 20 : 28,
    uploadBitrate: quality === 'final',
    audioBitrate: quality === 'final' ? '192k' : '128k',
    threads,
    ...overrides,
  };
}

/** For provenance: the encoder and how its rate was chosen. */
export function videoEncoderLabel(encode: EncodeSettings, plan: { width: number; height: number; fps: number }): string {
  const rate = encode.uploadBitrate ? `${uploadVideoBitrate(plan.width, plan.height, plan.fps) / 1e6} Mbit/s` : `crf ${encode.crf}`;
  return `libx264 ${encode.preset} ${rate}, BT.709`;
}

/** A delivery render's video bitrate: the upload recommendation as the average, with headroom for busy frames. */
function rateControl(encode: EncodeSettings, plan: { width: number; height: number; fps: number }): string[] {
  if (!encode.uploadBitrate) return ['-crf', String(encode.crf)];
  const bitrate = uploadVideoBitrate(plan.width, plan.height, plan.fps);
  return ['-b:v', String(bitrate), '-maxrate', String(Math.round(bitrate * 1.5)), '-bufsize', String(bitrate * 2)];
}

/**
 * The video encoder's options: H.264 High, 4:2:0 BT.709, constant frame rate, a closed GOP of half the frame
 * rate (YouTube's upload spec; clean cuts and seeking). Shared with the bench's encode floor.
 */
export function videoEncodeOptions(encode: EncodeSettings, plan: { width: number; height: number; fps: number }): string[] {
  return [
    '-c:v',
    'libx264',
    '-preset',
    encode.preset,
    ...rateControl(encode, plan),
    '-profile:v',
    'high',
    '-pix_fmt',
    'yuv420p',
    ...bt709Tags,
    '-r',
    String(plan.fps),
    '-g',
    String(Math.max(1, Math.round(plan.fps / 2))),
    '-flags',
    '+cgop',
    '-threads',
    String(encode.threads),
  ];
}

export interface RenderProgress {
  fraction: number;
  /** English (CLI, logs); `note` is the same message as a key the UI translates. */
  message: string;
  note?: ProgressNote;
}

export interface RenderOptions {
  ffmpeg: FfmpegLocation;
  signal: AbortSignal;
  /** The finished file goes here; on failure or cancel nothing is left at this path. */
  output: string;
  encode: EncodeSettings;
  onProgress?: ((progress: RenderProgress) => void) | undefined;
  /** Where the work folder (prepared stills, text layers) is made; the system's temp folder by default. */
  workRoot?: string | undefined;
  /** Title and other tags written into the file. */
  metadata?: Record<string, string> | undefined;
}

export interface RenderReport {
  plan: ReelPlan;
  loudness: LoudnessMeasurement | null;
  commandLine: string;
  ffmpegVersion: string;
  millis: { prepare: number; loudness: number; encode: number };
}

function duckSettings(template: ReelTemplate): DuckSettings {
  const { fadeInSeconds, fadeOutSeconds, duck } = template.mix;
  return { fadeInSeconds, fadeOutSeconds, ...duck };
}

/** loudnorm's JSON block from the end of its log, checked. */
export function parseLoudnormJson(stderr: string): LoudnessMeasurement {
  const start = stderr.lastIndexOf('{');
  const end = stderr.lastIndexOf('}');
  try {
    const parsed = JSON.parse(stderr.slice(start, end + 1)) as Record<string, string>;
    const keys = ['input_i', 'input_tp', 'input_lra', 'input_thresh', 'target_offset'] as const;
    if (!keys.every((k) => typeof parsed[k] === 'string')) throw new Error('fields missing');
    // loudnorm accepts measurements from −99 up: a nearly silent input reads "-inf", which it would refuse.
    const bounded = (value: string, min: number, max: number) => {
      const n = Number(value);
      return String(Number.isFinite(n) ? Math.min(max, Math.max(min, n)) : n > 0 ? max : min);
    };
    return {
      input_i: bounded(parsed.input_i!, -99, 0),
      input_tp: bounded(parsed.input_tp!, -99, 99),
      input_lra: bounded(parsed.input_lra!, 0, 99),
      input_thresh: bounded(parsed.input_thresh!, -99, 0),
      target_offset: bounded(parsed.target_offset!, -99, 99),
    };
  } catch (error) {
    throw new StudioError(
      'INTERNAL',
      `Could not read loudnorm's measurement: ${(error as Error).message}.`,
      'Run `likeness doctor` to check ffmpeg.',
    );
  }
}

/**
 * Renders a planned reel: prepares the stills and text layers (sharp), measures the mix (loudnorm pass 1),
 * then encodes everything in one ffmpeg run (pass 2) to H.264 High / AAC-LC with the index up front.
 * Streamed visuals go to ffmpeg's stdin as raw frames. Progress is ffmpeg's own clock; a cancel kills
 * ffmpeg and removes the partial output and the work folder.
 */
export async function renderReel(plan: ReelPlan, settings: ReelSettings, sources: ReelSources, options: RenderOptions): Promise<RenderReport> {
  const { signal } = options;
  const started = Date.now();
  const report = (fraction: number, key: ProgressKey) => options.onProgress?.({ fraction: Math.min(1, Math.max(0, fraction)), ...progressText(key) });
  const work = await mkdtemp(join(options.workRoot ?? tmpdir(), 'likeness-reel-'));
  let stdin: Readable | undefined;
  try {
    // 1. Stills, the title card and the text layers, sized for the plan.
    report(0, 'reels.preparingPhotos');
    const prepared = preparedSize(plan.width, plan.height, Math.max(...settings.template.motion.zoom, 1.04));
    let streamSource: FrameSource | undefined;
    let streamName = '';
    // Stills are prepared side by side, one a core (sharp works each on one thread here); the list keeps plan order.
    const limit = pLimit(availableParallelism());
    let preparedCount = 0;
    const prepareSegment = async (segment: ReelPlan['segments'][number], i: number): Promise<SegmentAsset> => {
      signal.throwIfAborted();
      const done = (asset: SegmentAsset): SegmentAsset => {
        report((0.08 * ++preparedCount) / plan.segments.length, 'reels.preparingPhotos');
        return asset;
      };
      if (segment.kind === 'title') {
        const first = sources.visuals.find((v) => v.kind === 'still');
        const file = join(work, `segment-${i}.jpg`);
        await prepareTitleCard(first?.kind === 'still' ? first.data : undefined, prepared, file);
        return done({ kind: 'image', file });
      }
      const visual = sources.visuals[segment.visual!]!;
      if (visual.kind === 'still') {
        const file = join(work, `segment-${i}.jpg`);
        await prepareStill(visual.data, visual.name, segment.layout!, prepared, file);
        return done({ kind: 'image', file });
      }
      if (visual.kind === 'clip') return done({ kind: 'clip', file: visual.file });
      streamSource = visual.source;
      streamName = visual.name;
      const { width, height, fps, pixelFormat } = visual.source;
      return done({ kind: 'stream', width, height, fps, pixelFormat });
    };
    const segmentAssets = await Promise.all(plan.segments.map((segment, i) => limit(() => prepareSegment(segment, i))));
    const textAssets: GraphAssets['texts'] = [];
    for (const [i, text] of plan.texts.entries()) {
      signal.throwIfAborted();
      const rendered = await renderText(text);
      const file = join(work, `text-${i}.png`);
      await writeFile(file, rendered.png);
      textAssets.push({ file, x: rendered.x, y: rendered.y });
    }
    let divider: string | undefined;
    if (plan.transitions.some((t) => t.kind === 'wipe')) {
      divider = join(work, 'divider.png');
      await writeFile(divider, await renderDivider(plan.height));
    }
    const prepareMs = Date.now() - started;

    // 2. Loudness, pass 1: measure the mix exactly as it will be rendered.
    const duck = duckSettings(settings.template);
    let measurement: LoudnessMeasurement | null = null;
    let gain: LoudnessGain | null = null;
    const loudnessStarted = Date.now();
    if (hasSound(plan, sources.voice, sources.music)) {
      report(0.1, 'reels.measuringLoudness');
      const pass = loudnessPassGraph(plan, sources.voice, sources.music, duck);
      const { stderr } = await runFfmpeg({
        ffmpegPath: options.ffmpeg.path,
        inputs: pass.inputs,
        filters: pass.filters,
        outputOptions: ['-map', `[${pass.audio}]`, '-f', 'null', '-threads', String(options.encode.threads)],
        output: '-',
        signal,
        niceness: 10,
        onTime: (seconds) => report(0.1 + (0.08 * seconds) / plan.seconds, 'reels.measuringLoudness'),
      });
      measurement = parseLoudnormJson(stderr);
      gain = loudnessGain(measurement);
      // Limiting lowers the loudness by an amount the first pass cannot know: measure the levelled mix (sound only,
      // quick) and raise the gain by what is missing, within the limiter's allowance.
      for (let attempt = 0; gain.limit && attempt < 3; attempt++) {
        const check = levelledMixGraph(plan, sources.voice, sources.music, duck, gain);
        const measured = await runFfmpeg({
          ffmpegPath: options.ffmpeg.path,
          inputs: check.inputs,
          filters: check.filters,
          outputOptions: ['-map', `[${check.audio}]`, '-f', 'null'],
          output: '-',
          signal,
          niceness: 10,
        });
        const missing = loudnessTarget.integrated - parseEbur128Summary(measured.stderr, 'the levelled mix').integrated;
        const raised = raiseGain(gain, missing);
        if (missing < 0.3 || raised.gainDb - gain.gainDb < 0.1) {
          if (missing >= 1)
            plan.warnings.push(
              `The sound has short, sharp peaks (a beep, a clap), so the reel plays ${missing.toFixed(0)} dB quieter than usual rather than distorting.`,
            );
          break;
        }
        gain = raised;
      }
    }
    const loudnessMs = Date.now() - loudnessStarted;

    // 3. The render, pass 2.
    const encodeStarted = Date.now();
    report(0.18, 'reels.rendering');
    const graph = renderGraph(plan, { segments: segmentAssets, texts: textAssets, voice: sources.voice, music: sources.music, divider }, duck, gain);
    const metadata: Record<string, string> = { ...options.metadata };
    if (plan.metadataComment) metadata.comment = `${plan.metadataComment}, made with Likeness ${appVersion()}.`;
    const { encode } = options;
    const features = await ffmpegCapabilities(options.ffmpeg.path);
    stdin = streamSource ? frameStream(streamSource, streamName, signal) : undefined;
    const result = await runFfmpeg({
      ffmpegPath: options.ffmpeg.path,
      inputs: graph.inputs,
      filters: graph.filters,
      outputOptions: [
        '-map',
        `[${graph.video}]`,
        '-map',
        `[${graph.audio}]`,
        '-filter_complex_threads',
        String(encode.threads),
        ...videoEncodeOptions(encode, plan),
        // Sound: AAC-LC, 48 kHz stereo.
        '-c:a',
        'aac',
        '-profile:a',
        'aac_low',
        '-b:a',
        encode.audioBitrate,
        '-ar',
        '48000',
        '-ac',
        '2',
        ...uploadMp4Options,
        ...Object.entries(metadata).flatMap(([key, value]) => ['-metadata', `${key}=${value}`]),
        '-f',
        'mp4',
        '-y',
      ],
      output: options.output,
      stdin,
      signal,
      niceness: 10,
      onTime: (seconds) => report(0.18 + (0.8 * seconds) / plan.seconds, 'reels.rendering'),
    });
    report(0.98, 'reels.rendered');
    return {
      plan,
      loudness: measurement,
      commandLine: result.commandLine,
      ffmpegVersion: features.version,
      millis: { prepare: prepareMs, loudness: loudnessMs, encode: Date.now() - encodeStarted },
    };
  } catch (error) {
    await rm(options.output, { force: true });
    throw error;
  } finally {
    // A producer still holding frames (ffmpeg failed or was killed) is stopped here.
    stdin?.destroy();
    await rm(work, { recursive: true, force: true });
  }
}
