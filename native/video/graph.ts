import { toBt709 } from './ffmpeg';
import type { RawPixelFormat } from './frame-source';
import type { PlannedSegment, ReelPlan } from './plan';

/** What the render step prepared for each part of the plan (files in its work folder, or the stream on stdin). */
export type SegmentAsset =
  | { kind: 'image'; file: string }
  | { kind: 'clip'; file: string }
  | { kind: 'stream'; width: number; height: number; fps: number; pixelFormat: RawPixelFormat };

export interface GraphAssets {
  /** One per plan segment, in order. */
  segments: SegmentAsset[];
  /** One per plan text: the rendered PNG and where its top-left corner goes. */
  texts: { file: string; x: number; y: number }[];
  voice?: string | undefined;
  music?: string | undefined;
  /** A thin bright bar that travels with wipe transitions. */
  divider?: string | undefined;
}

/** loudnorm's first-pass measurement (its JSON, as printed). */
export interface LoudnessMeasurement {
  input_i: string;
  input_tp: string;
  input_lra: string;
  input_thresh: string;
  target_offset: string;
}

export interface FfmpegInput {
  /** A file, or `stream` for the raw frames piped to stdin. */
  source: string | 'stream';
  options: string[];
}

export interface FilterGraph {
  inputs: FfmpegInput[];
  filters: string[];
  /** Output labels to map. */
  video: string;
  audio: string;
}

/** The delivery loudness: −14 LUFS integrated (what phone apps play at), true peak kept under −1 dBTP with margin for AAC. */
export const loudnessTarget = { integrated: -14, truePeak: -1.5, range: 20 } as const;

const num = (value: number) => Number(value.toFixed(6)).toString();

/**
 * At most this much of the gain may come from limiting peaks: a lookahead limiter takes a click's or a plosive's
 * few milliseconds unheard; beyond this it would audibly flatten the sound.
 */
export const MAX_LIMITING_DB = 12;
/** The limiter's sample-peak ceiling: under the true-peak target, leaving room for inter-sample peaks and AAC. */
const LIMITER_CEILING_DB = loudnessTarget.truePeak - 0.5;

export interface LoudnessGain {
  gainDb: number;
  /** Whether peaks pass the ceiling at this gain, so the limiter is on. */
  limit: boolean;
  /** The most gain the limiter allows. */
  maxDb: number;
}

/**
 * The gain that brings the measured mix to the target, applied linearly (a constant gain: nothing pumps); where
 * the peaks would pass the ceiling, a lookahead limiter takes up to MAX_LIMITING_DB of them. loudnorm's own
 * linear mode instead falls back to its dynamic mode there, which needs seconds of audio: short recordings came
 * out near −23 LUFS. Limiting lowers the loudness a little, so render.ts measures the result and corrects it.
 */
export function loudnessGain(measurement: LoudnessMeasurement): LoudnessGain {
  const integrated = Number(measurement.input_i);
  const peak = Number(measurement.input_tp);
  if (!(integrated > -70)) return { gainDb: 0, limit: false, maxDb: 0 }; // silence: nothing to bring up
  return withGain(loudnessTarget.integrated - integrated, LIMITER_CEILING_DB - peak);
}

/** The gain `wanted`, within what the limiter allows over the peaks' `headroom`. */
function withGain(wanted: number, headroom: number): LoudnessGain {
  const maxDb = headroom + MAX_LIMITING_DB;
  const gainDb = Math.min(wanted, maxDb);
  return { gainDb, limit: gainDb > headroom, maxDb };
}

/** The same gain raised by `moreDb` (a measured shortfall), still within the limiter's allowance. */
export function raiseGain(gain: LoudnessGain, moreDb: number): LoudnessGain {
  const headroom = gain.maxDb - MAX_LIMITING_DB;
  return withGain(gain.gainDb + moreDb, headroom);
}

/** The filters that apply a gain: a volume and, where peaks pass the ceiling, the limiter. */
function levelling(gain: LoudnessGain): string {
  const limiter = `alimiter=limit=${num(10 ** (LIMITER_CEILING_DB / 20))}:attack=5:release=80:level=false:latency=true`;
  return [`volume=${num(gain.gainDb)}dB`, ...(gain.limit ? [limiter] : [])].join(',');
}

/** The mix with a gain applied, measured by ebur128 as the delivered file will be (render.ts corrects with it). */
export function levelledMixGraph(
  plan: ReelPlan,
  voice: string | undefined,
  music: string | undefined,
  duck: DuckSettings,
  gain: LoudnessGain,
): FilterGraph {
  const graph = new GraphBuilder();
  const mix = audioMix(graph, plan, voice, music, duck);
  const out = graph.add([mix], `aresample=48000,${levelling(gain)},ebur128=peak=true`, graph.label('checked'));
  return { inputs: graph.inputs, filters: graph.filters, video: '', audio: out };
}

/** The xfade transition for each kind; a wipe reveals the second picture from the left. */
const xfadeName = { fade: 'fade', wipe: 'wiperight' } as const;

class GraphBuilder {
  readonly inputs: FfmpegInput[] = [];
  readonly filters: string[] = [];
  private labels = 0;

  input(source: string | 'stream', options: string[] = []): number {
    this.inputs.push({ source, options });
    return this.inputs.length - 1;
  }

  label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  add(inputs: string[], chain: string, output: string): string {
    this.filters.push(`${inputs.map((i) => `[${i}]`).join('')}${chain}[${output}]`);
    return output;
  }
}

/** One segment as a stream of exactly `segment.frames` frames at the reel's size, rate and pixel format. */
function segmentStream(graph: GraphBuilder, plan: ReelPlan, segment: PlannedSegment, asset: SegmentAsset): string {
  const { width, height, fps } = plan;
  // Every source leaves here as BT.709 limited-range 4:2:0 (the reel is tagged so), square pixels, the reel's clock.
  const normalise = `setsar=1,settb=1/${fps}`;
  if (asset.kind === 'image') {
    // The prepared still is larger than the frame (zoom × oversampling): zoompan crops a window that follows
    // the planned move and scales it to the frame, one output frame per `on`. The still is converted to the
    // reel's 4:2:0 BT.709 once, before zoompan, not each of its frames after (4× less work a segment, measured
    // in bench/reels.ts); zoompan then scales planes of the same format.
    const motion = segment.motion ?? { from: { zoom: 1, cx: 0.5, cy: 0.5 }, to: { zoom: 1, cx: 0.5, cy: 0.5 } };
    const last = Math.max(1, segment.frames - 1);
    const lerp = (a: number, b: number) => (a === b ? num(a) : `${num(a)}+${num(b - a)}*on/${last}`);
    const zoom = lerp(motion.from.zoom, motion.to.zoom);
    const x = `(${lerp(motion.from.cx, motion.to.cx)})*iw-iw/zoom/2`;
    const y = `(${lerp(motion.from.cy, motion.to.cy)})*ih-ih/zoom/2`;
    const index = graph.input(asset.file);
    return graph.add(
      [`${index}:v`],
      `${toBt709()},zoompan=z='${zoom}':x='${x}':y='${y}':d=${segment.frames}:s=${width}x${height}:fps=${fps},${normalise}`,
      graph.label('seg'),
    );
  }
  const index =
    asset.kind === 'clip'
      ? graph.input(asset.file)
      : graph.input('stream', [
          '-f',
          'rawvideo',
          '-pix_fmt',
          asset.pixelFormat,
          '-video_size',
          `${asset.width}x${asset.height}`,
          '-framerate',
          num(asset.fps),
        ]);
  const used = Math.min(segment.sourceFrames ?? segment.frames, segment.frames);
  const hold = segment.frames - used;
  return graph.add(
    [`${index}:v`],
    [
      'setpts=PTS-STARTPTS',
      // Crop to the frame's shape first, then scale once: scaling the whole source up and cropping after
      // would process up to twice the pixels.
      `crop=w='min(iw,ih*${width}/${height})':h='min(ih,iw*${height}/${width})'`,
      `scale=${width}:${height}:out_color_matrix=bt709:out_range=tv,format=yuv420p`,
      `fps=${fps}`,
      `trim=end_frame=${used}`,
      ...(hold > 0 ? [`tpad=stop_mode=clone:stop=${hold}`] : []),
      normalise,
    ].join(','),
    graph.label('seg'),
  );
}

/** Joins the segments with xfade, one transition after the other. */
function joinWithXfade(graph: GraphBuilder, plan: ReelPlan, streams: string[]): string {
  let joined = streams[0]!;
  plan.transitions.forEach((transition, i) => {
    joined = graph.add(
      [joined, streams[i + 1]!],
      `xfade=transition=${xfadeName[transition.kind]}:duration=${num(transition.frames / plan.fps)}:offset=${num(transition.startFrame / plan.fps)}`,
      graph.label('xf'),
    );
  });
  return joined;
}

/**
 * Without xfade (static builds before ffmpeg 4.3): each segment is cut into head, body and tail; a tail and
 * the next head are mixed (a fade by overlaying with a rising alpha, a wipe by blend), and everything is
 * concatenated. Same look and the same number of frames as the xfade graph.
 */
function joinWithFallback(graph: GraphBuilder, plan: ReelPlan, streams: string[]): string {
  const pieces: string[] = [];
  const tails: string[] = [];
  const heads: string[] = [];
  plan.segments.forEach((segment, i) => {
    const headFrames = i > 0 ? plan.transitions[i - 1]!.frames : 0;
    const tailFrames = i < plan.segments.length - 1 ? plan.transitions[i]!.frames : 0;
    const parts = [headFrames > 0 ? 'head' : null, 'body', tailFrames > 0 ? 'tail' : null].filter(Boolean) as string[];
    const split = parts.map(() => graph.label('part'));
    graph.add([streams[i]!], `split=${parts.length}`, split.join(']['));
    const ranges: Record<string, [number, number]> = {
      head: [0, headFrames],
      body: [headFrames, segment.frames - tailFrames],
      tail: [segment.frames - tailFrames, segment.frames],
    };
    parts.forEach((part, p) => {
      const [start, end] = ranges[part]!;
      const out = graph.add([split[p]!], `trim=start_frame=${start}:end_frame=${end},setpts=PTS-STARTPTS`, graph.label(part));
      if (part === 'head') heads[i] = out;
      else if (part === 'tail') tails[i] = out;
      else pieces[i] = out;
    });
  });
  const ordered: string[] = [];
  plan.segments.forEach((_, i) => {
    ordered.push(pieces[i]!);
    const transition = plan.transitions[i];
    if (!transition) return;
    const seconds = num(transition.frames / plan.fps);
    const mixed =
      transition.kind === 'fade'
        ? graph.add(
            [tails[i]!, graph.add([heads[i + 1]!], `format=yuva420p,fade=t=in:st=0:d=${seconds}:alpha=1`, graph.label('fadein'))],
            `overlay=format=yuv420:eof_action=pass,format=yuv420p`,
            graph.label('mix'),
          )
        : graph.add([tails[i]!, heads[i + 1]!], `blend=all_expr='if(lte(X,W*T/${seconds}),B,A)',format=yuv420p`, graph.label('mix'));
    ordered.push(mixed);
  });
  return graph.add(ordered, `concat=n=${ordered.length}:v=1:a=0`, graph.label('joined'));
}

/** The audio part of the graph up to the mix (shared by the loudness pass and the render). */
export function audioMix(
  graph: Pick<GraphBuilder, 'input' | 'add' | 'label'>,
  plan: ReelPlan,
  voice: string | undefined,
  music: string | undefined,
  duck: DuckSettings,
): string {
  const seconds = num(plan.seconds);
  const normalise = 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo';
  let voiceLabel: string | undefined;
  let musicLabel: string | undefined;
  if (voice && plan.voice) {
    const index = graph.input(voice);
    const delay = Math.round(plan.voice.startSeconds * 1000);
    voiceLabel = graph.add(
      [`${index}:a:0`],
      // Levelled to speech loudness, then gently compressed: speech peaks far above its loudness, and
      // a lower crest lets the final loudnorm stay linear (no pumping) within the true-peak ceiling.
      `${normalise},highpass=f=70,volume=${plan.voice.gainDb}dB,acompressor=threshold=0.05:ratio=4:attack=5:release=150:knee=4:makeup=4,` +
        `adelay=${delay}|${delay},apad,atrim=end=${seconds},asetpts=PTS-STARTPTS`,
      graph.label('voice'),
    );
  }
  if (music && plan.music) {
    const index = graph.input(music, ['-stream_loop', '-1']);
    const fadeOutAt = num(Math.max(0, plan.seconds - duck.fadeOutSeconds));
    musicLabel = graph.add(
      [`${index}:a:0`],
      `${normalise},volume=${plan.musicGainDb}dB,apad,atrim=end=${seconds},asetpts=PTS-STARTPTS,afade=t=in:st=0:d=${num(duck.fadeInSeconds)},afade=t=out:st=${fadeOutAt}:d=${num(duck.fadeOutSeconds)}`,
      graph.label('music'),
    );
  }
  if (voiceLabel && musicLabel) {
    const [forMix, forKey] = [graph.label('vmix'), graph.label('vkey')];
    graph.add([voiceLabel], 'asplit=2', `${forMix}][${forKey}`);
    const ducked = graph.add(
      [musicLabel, forKey],
      `sidechaincompress=threshold=${duck.threshold}:ratio=${duck.ratio}:attack=${duck.attackMs}:release=${duck.releaseMs}`,
      graph.label('ducked'),
    );
    // amix halves each of its two inputs (older builds have no normalize=0): double it back.
    return graph.add([forMix, ducked], 'amix=inputs=2:duration=first:dropout_transition=0,volume=2', graph.label('mix'));
  }
  if (voiceLabel ?? musicLabel) return (voiceLabel ?? musicLabel)!;
  return graph.add([], `anullsrc=r=48000:cl=stereo,atrim=end=${seconds}`, graph.label('silence'));
}

export interface DuckSettings {
  fadeInSeconds: number;
  fadeOutSeconds: number;
  threshold: number;
  ratio: number;
  attackMs: number;
  releaseMs: number;
}

/** Whether the reel has any sound to measure and normalise (silence is left silent). */
export function hasSound(plan: ReelPlan, voice: string | undefined, music: string | undefined): boolean {
  return Boolean((voice && plan.voice) || (music && plan.music));
}

/** The first pass: the audio mix alone, measured by loudnorm (printed as JSON on stderr). */
export function loudnessPassGraph(plan: ReelPlan, voice: string | undefined, music: string | undefined, duck: DuckSettings): FilterGraph {
  const graph = new GraphBuilder();
  const mix = audioMix(graph, plan, voice, music, duck);
  const out = graph.add(
    [mix],
    `loudnorm=I=${loudnessTarget.integrated}:TP=${loudnessTarget.truePeak}:LRA=${loudnessTarget.range}:print_format=json`,
    graph.label('measured'),
  );
  return { inputs: graph.inputs, filters: graph.filters, video: '', audio: out };
}

/** The audio mix alone, as rendered before normalisation (to listen to, or to measure the ducking). */
export function audioMixGraph(plan: ReelPlan, voice: string | undefined, music: string | undefined, duck: DuckSettings): FilterGraph {
  const graph = new GraphBuilder();
  const mix = audioMix(graph, plan, voice, music, duck);
  return { inputs: graph.inputs, filters: graph.filters, video: '', audio: mix };
}

/**
 * A PNG layer shown from `start` for `seconds`: decoded and converted to BT.709 4:2:0 with alpha once, then
 * repeated by the loop filter. (`-loop 1` on the input would decode and convert the PNG again for every frame:
 * a full-frame title card cost as much as a photo's motion.) `fades` run on the layer's own clock.
 */
function heldImage(graph: GraphBuilder, file: string, fps: number, seconds: number, start: number, fades: string[] = []): string {
  const index = graph.input(file, ['-framerate', String(fps)]);
  const frames = Math.max(1, Math.round(seconds * fps));
  return graph.add(
    [`${index}:v`],
    [
      'format=rgba',
      toBt709('yuva420p'),
      `loop=loop=${frames - 1}:size=1`,
      `settb=1/${fps}`,
      'setpts=N',
      ...fades,
      `setpts=PTS+${num(start)}/TB`,
    ].join(','),
    graph.label('layer'),
  );
}

/** The whole render: video segments, transitions, texts, fades; the audio mix normalised with the measurement. */
export function renderGraph(plan: ReelPlan, assets: GraphAssets, duck: DuckSettings, gain: LoudnessGain | null): FilterGraph {
  const graph = new GraphBuilder();
  const { fps } = plan;
  const streams = plan.segments.map((segment, i) => segmentStream(graph, plan, segment, assets.segments[i]!));
  let video =
    plan.transitionMode === 'xfade'
      ? joinWithXfade(graph, plan, streams)
      : plan.transitionMode === 'fallback'
        ? joinWithFallback(graph, plan, streams)
        : streams[0]!;

  // The bar that travels with a wipe, drawn over the seam.
  if (assets.divider) {
    for (const transition of plan.transitions.filter((t) => t.kind === 'wipe')) {
      const start = transition.startFrame / fps;
      const seconds = transition.frames / fps;
      const bar = heldImage(graph, assets.divider, fps, seconds, start);
      video = graph.add(
        [video, bar],
        `overlay=x='main_w*(t-${num(start)})/${num(seconds)}-overlay_w/2':y=0:eof_action=pass:format=auto`,
        graph.label('v'),
      );
    }
  }

  // Texts: each a PNG held for its time on screen, faded with its alpha, overlaid where the plan put it.
  plan.texts.forEach((text, i) => {
    const asset = assets.texts[i]!;
    const seconds = Math.max(1 / fps, text.end - text.start);
    const fade = Math.min(text.fade, seconds / 2);
    const fades = fade > 0 ? [`fade=t=in:st=0:d=${num(fade)}:alpha=1`, `fade=t=out:st=${num(seconds - fade)}:d=${num(fade)}:alpha=1`] : [];
    const layer = heldImage(graph, asset.file, fps, seconds, text.start, fades);
    video = graph.add([video, layer], `overlay=x=${asset.x}:y=${asset.y}:eof_action=pass:format=auto`, graph.label('v'));
  });

  const fadeOutAt = num(Math.max(0, plan.seconds - plan.fade.out));
  video = graph.add(
    [video],
    [
      ...(plan.fade.in > 0 ? [`fade=t=in:st=0:d=${num(plan.fade.in)}`] : []),
      ...(plan.fade.out > 0 ? [`fade=t=out:st=${fadeOutAt}:d=${num(plan.fade.out)}`] : []),
      // Exactly the planned number of frames, whatever the parts above did at their ends.
      `trim=end_frame=${plan.frames}`,
      'format=yuv420p',
    ].join(','),
    'vout',
  );

  const mix = audioMix(graph, plan, assets.voice, assets.music, duck);
  const seconds = num(plan.seconds);
  const normalised = gain ? `${levelling(gain)},` : '';
  // Resampled first, so no later step makes new inter-sample peaks above the limiter's ceiling.
  const audio = graph.add([mix], `aresample=48000,${normalised}aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=end=${seconds}`, 'aout');
  return { inputs: graph.inputs, filters: graph.filters, video, audio };
}
