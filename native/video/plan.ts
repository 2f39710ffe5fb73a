import { StudioError } from '../api/errors';
import type { CaptionCue } from './captions';
import { aiMarkTexts, captionTexts, roleTexts, titleTexts } from './plan-texts';
import type { ReelTemplate } from './templates';

/** A rectangle in pixels of the output frame. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A face (or any point of interest) as fractions of the source image: x, y of the top-left corner, w, h. */
export interface FocusBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** What the planner knows of one visual. Stills move (pan and zoom); clips and streamed frames play as they are. */
export interface VisualMedia {
  kind: 'still' | 'clip' | 'stream';
  /** Display size of the source (after EXIF rotation). */
  width: number;
  height: number;
  /** Clips and streams: their length. */
  seconds?: number;
  focus?: FocusBox | undefined;
  /** How errors name it (file name, "output 12"). */
  label: string;
}

export interface PlanRequest {
  template: ReelTemplate;
  width: number;
  height: number;
  fps: number;
  visuals: VisualMedia[];
  voiceSeconds?: number | undefined;
  /** Integrated loudness of the voice and the music files (LUFS), to level them before mixing. */
  voiceLoudness?: number | null | undefined;
  music?: boolean | undefined;
  musicLoudness?: number | null | undefined;
  title?: string | undefined;
  /** Timed cues (from SRT, relative to the voice when there is one, else to the reel) or text to spread over the voice. */
  captions?: { cues: CaptionCue[] } | { text: string } | undefined;
  secondsPerVisual?: number | undefined;
  aiLabel: 'off' | 'metadata' | 'visible';
  aiLabelText: string;
  roleLabels?: string[] | undefined;
  /** Whether ffmpeg has the xfade filter; without it transitions are built from overlay/blend (same look, same timing). */
  xfade: boolean;
}

/** Where the move is at one end: zoom and the centre of the visible window as fractions of the prepared frame. */
export interface MotionPoint {
  zoom: number;
  cx: number;
  cy: number;
}

export interface PlannedSegment {
  kind: 'title' | 'still' | 'clip' | 'stream';
  /** Index into the request's visuals (null for the title card). */
  visual: number | null;
  /** Frames this segment lasts, its transitions included. */
  frames: number;
  /** Where it starts on the reel's timeline. */
  startFrame: number;
  /** Stills and the title card: the pan and zoom from the first to the last frame. */
  motion: { from: MotionPoint; to: MotionPoint } | null;
  /** Clips and streams: frames of the source used (the rest of the segment holds the last frame). */
  sourceFrames: number | null;
  /** Stills: where the face is in the prepared frame, and how the photo fills it. */
  layout: StillLayout | null;
}

export interface PlannedTransition {
  kind: 'fade' | 'wipe';
  frames: number;
  /** First frame of the overlap on the reel's timeline. */
  startFrame: number;
}

export type TextKind = 'title' | 'caption' | 'role' | 'ai';

export interface PlannedText {
  kind: TextKind;
  text: string;
  start: number;
  end: number;
  /** The area the text must stay inside; the renderer places the rendered text at `anchor` within it. */
  region: Box;
  anchor: 'center' | 'bottom' | 'top' | 'top-left' | 'top-right';
  /** Font size in pixels of the output frame. */
  fontPx: number;
  /** Seconds of fade in and out (0 = cut). */
  fade: number;
  /** Whether the text sits on a translucent box (captions, labels) or on its own with a shadow (title). */
  boxed: boolean;
}

export interface ReelPlan {
  template: string;
  width: number;
  height: number;
  fps: number;
  frames: number;
  seconds: number;
  segments: PlannedSegment[];
  transitions: PlannedTransition[];
  /** How transitions are drawn: ffmpeg's xfade, or the fallback from overlay and blend. */
  transitionMode: 'xfade' | 'fallback' | 'none';
  /** The voice: when it starts, how long, and the gain that brings it to the mix's speech level. */
  voice: { startSeconds: number; seconds: number; gainDb: number } | null;
  music: boolean;
  /** The gain that brings the music to its bed level under the voice (before ducking). */
  musicGainDb: number;
  texts: PlannedText[];
  /** Where platform buttons and captions of phone apps do not cover the picture. */
  safeArea: Box;
  fade: { in: number; out: number };
  metadataComment: string | null;
  warnings: string[];
}

// ---------- geometry of stills ----------

export interface StillLayout {
  /** `cover`: the photo is cropped to fill the frame; `backdrop`: it is shown whole on a blurred, darker copy of itself. */
  mode: 'cover' | 'backdrop';
  /** cover: the crop in source pixels. backdrop: where the whole photo sits in the frame, as fractions. */
  crop: Box;
  /** The focus point in the prepared frame, as fractions. */
  focus: { x: number; y: number };
}

/** Without a face box: centre-weighted, a little above the middle, where faces in portraits usually are. */
export const defaultFocus: FocusBox = { x: 0.35, y: 0.22, w: 0.3, h: 0.3 };

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

/** How a still fills a frame of `frameAspect` (w/h): cropped toward the focus, or whole on a blurred backdrop. */
export function stillLayout(width: number, height: number, frameAspect: number, focus: FocusBox | undefined, maxCropLoss: number): StillLayout {
  const box = focus ?? defaultFocus;
  const fx = clamp(box.x + box.w / 2, 0, 1);
  const fy = clamp(box.y + box.h / 2, 0, 1);
  const aspect = width / height;
  const kept = Math.min(aspect / frameAspect, frameAspect / aspect);
  if (1 - kept <= maxCropLoss + 1e-9) {
    const cropW = aspect > frameAspect ? height * frameAspect : width;
    const cropH = aspect > frameAspect ? height : width / frameAspect;
    const x = clamp(fx * width - cropW / 2, 0, width - cropW);
    const y = clamp(fy * height - cropH / 2, 0, height - cropH);
    return {
      mode: 'cover',
      crop: { x, y, w: cropW, h: cropH },
      focus: { x: (fx * width - x) / cropW, y: (fy * height - y) / cropH },
    };
  }
  const w = aspect > frameAspect ? 1 : aspect / frameAspect;
  const h = aspect > frameAspect ? frameAspect / aspect : 1;
  const crop = { x: (1 - w) / 2, y: (1 - h) / 2, w, h };
  return { mode: 'backdrop', crop, focus: { x: crop.x + fx * w, y: crop.y + fy * h } };
}

/** Keeps the visible window (1/zoom of the frame) inside the frame. */
function clampPoint(point: MotionPoint): MotionPoint {
  const half = 0.5 / point.zoom;
  return { zoom: point.zoom, cx: clamp(point.cx, half, 1 - half), cy: clamp(point.cy, half, 1 - half) };
}

function lerpPoint(a: MotionPoint, b: MotionPoint, t: number): MotionPoint {
  return { zoom: a.zoom + (b.zoom - a.zoom) * t, cx: a.cx + (b.cx - a.cx) * t, cy: a.cy + (b.cy - a.cy) * t };
}

// ---------- safe area and text placement ----------

/**
 * The area phone apps leave uncovered. Vertical video: TikTok, Reels and Shorts put the caption, the account
 * name and the buttons over the bottom fifth and the right edge, and tabs over the top; square and landscape
 * frames keep a 5 % margin.
 */
export function safeAreaOf(width: number, height: number): Box {
  if (height > width * 1.2) {
    const left = Math.round(width * 0.06);
    const right = Math.round(width * 0.12);
    const top = Math.round(height * 0.12);
    const bottom = Math.round(height * 0.22);
    return { x: left, y: top, w: width - left - right, h: height - top - bottom };
  }
  const margin = Math.round(Math.min(width, height) * 0.05);
  return { x: margin, y: margin, w: width - 2 * margin, h: height - 2 * margin };
}

/** Where a rendered text image of `w × h` goes inside its region (rounded to whole pixels, never outside). */
export function placeText(region: Box, anchor: PlannedText['anchor'], w: number, h: number): { x: number; y: number } {
  const centreX = region.x + (region.w - w) / 2;
  const positions: Record<PlannedText['anchor'], { x: number; y: number }> = {
    center: { x: centreX, y: region.y + (region.h - h) / 2 },
    bottom: { x: centreX, y: region.y + region.h - h },
    top: { x: centreX, y: region.y },
    'top-left': { x: region.x, y: region.y },
    'top-right': { x: region.x + region.w - w, y: region.y },
  };
  const { x, y } = positions[anchor];
  return {
    x: Math.round(clamp(x, region.x, region.x + Math.max(0, region.w - w))),
    y: Math.round(clamp(y, region.y, region.y + Math.max(0, region.h - h))),
  };
}

// ---------- levels ----------

/**
 * Before mixing, the voice is brought to a speech level and the music to a bed 4 LU below it, whatever their
 * files' own levels (a quiet phone recording, a loud song): ducking then works the same for every reel, and
 * the final loudnorm pass only trims the mix to −14 LUFS.
 */
export const SPEECH_LUFS = -16;
export const MUSIC_BED_LUFS = -20;

function levelGain(measured: number | null | undefined, target: number): number {
  if (measured === null || measured === undefined || !Number.isFinite(measured)) return 0;
  return Math.round(clamp(target - measured, -30, 30) * 100) / 100;
}

// ---------- the plan ----------

function invalid(message: string, hint?: string): StudioError {
  return new StudioError('INVALID_INPUT', message, hint);
}

/**
 * Turns a template and the chosen media into a timeline measured in frames: segments, transitions, when the
 * voice starts, which texts show where and when. Pure: the same request always gives the same plan, and the
 * rendered file must match it to the frame. In seven steps: (1) the request fits the template; (2) segments and
 * their lengths; (3) the voice, with stills stretched to carry it; (4) positions on the timeline and the
 * transitions; (5) the motion of stills; (6) the texts; (7) the plan, with how transitions are drawn.
 */
export function planReel(request: PlanRequest): ReelPlan {
  const { template, width, height, fps } = request;
  const warnings: string[] = [];
  checkAgainstTemplate(request, warnings);

  const timing = segmentTiming(request);
  const segments = planSegments(request, timing);

  const voice = placeVoice(request, segments, timing, warnings);

  const transitions = placeOnTimeline(segments, template, timing.transitionFrames);
  const frames = totalFrames(segments, timing.transitionFrames);
  const totalSeconds = frames / fps;

  planMotion(segments, template, frames);

  const safeArea = safeAreaOf(width, height);
  const texts = [
    ...titleTexts(request, segments, { safeArea, totalSeconds, titleText: timing.titleText }),
    ...captionTexts(request, segments, { safeArea, totalSeconds, voice, transitionFrames: timing.transitionFrames }, warnings),
    ...roleTexts(request, segments, safeArea, timing.transitionFrames),
    ...aiMarkTexts(request, safeArea, totalSeconds),
  ];

  const transitionMode = transitions.length === 0 ? 'none' : request.xfade ? 'xfade' : 'fallback';
  if (transitionMode === 'fallback') {
    warnings.push('This ffmpeg has no xfade filter (ffmpeg 4.3 or later has it): transitions are drawn with overlay and blend instead.');
  }
  const fade = template.fade;
  return {
    template: template.id,
    width,
    height,
    fps,
    frames,
    seconds: totalSeconds,
    segments,
    transitions,
    transitionMode,
    voice,
    music: Boolean(request.music) && template.music !== 'none',
    musicGainDb: levelGain(request.musicLoudness, MUSIC_BED_LUFS + template.mix.gainDb),
    texts,
    safeArea,
    fade: { in: Math.min(fade.in, totalSeconds / 4), out: Math.min(fade.out, totalSeconds / 4) },
    // In English whatever the visible mark says: the comment is read by tools and platforms.
    metadataComment: request.aiLabel === 'off' ? null : 'AI-generated content',
    warnings,
  };
}

/** Step 1: as many visuals as the template takes, a voice where it needs one, at most one streamed visual. */
function checkAgainstTemplate(request: PlanRequest, warnings: string[]): void {
  const { template } = request;
  const count = request.visuals.length;
  const roles = template.visuals.roles;
  if (count < template.visuals.min || count > template.visuals.max) {
    const wanted = template.visuals.min === template.visuals.max ? `${template.visuals.min}` : `${template.visuals.min}–${template.visuals.max}`;
    throw invalid(
      `The ${template.name} template takes ${wanted} ${roles ? `visuals (${roles.join(', ')})` : 'photos or clips'}; ${count} ${count === 1 ? 'was' : 'were'} given.`,
      count < template.visuals.min ? 'Add more photos.' : 'Remove some photos, or choose the Memories template.',
    );
  }
  if (template.voice === 'required' && request.voiceSeconds === undefined) {
    throw invalid(`The ${template.name} template needs a voice track.`, 'Add an audio file or record your voice.');
  }
  if (template.voice === 'none' && request.voiceSeconds !== undefined) warnings.push(`The ${template.name} template does not use a voice track.`);
  const streams = request.visuals.filter((v) => v.kind === 'stream').length;
  if (streams > 1) throw invalid('A reel can take frames streamed from the engine for one visual only.', 'Save the other animations as clips first.');
}

/** Frame counts the template's timing gives at this frame rate. */
interface SegmentTiming {
  seconds: (s: number) => number;
  transitionFrames: number;
  minFrames: number;
  maxFrames: number;
  titleText: string | undefined;
}

function segmentTiming(request: PlanRequest): SegmentTiming {
  const { template, fps } = request;
  const seconds = (s: number) => Math.max(1, Math.round(s * fps));
  const transitionFrames = template.transition ? seconds(template.transition.seconds) : 0;
  const minFrames = Math.max(seconds(template.timing.minSeconds), 2 * transitionFrames + 1);
  const maxFrames = seconds(template.timing.maxSeconds);
  const titleText = request.title?.trim() || undefined;

  return { seconds, transitionFrames, minFrames, maxFrames, titleText };
}

/** Step 2: the title card (when the template has one), then each photo or clip, at its template length. */
function planSegments(request: PlanRequest, { seconds, minFrames, maxFrames, titleText }: SegmentTiming): PlannedSegment[] {
  const { template, width, height, fps } = request;
  const segments: PlannedSegment[] = [];
  if (titleText && template.title.style === 'card') {
    segments.push({
      kind: 'title',
      visual: null,
      frames: Math.max(minFrames, seconds(template.title.seconds)),
      startFrame: 0,
      motion: null,
      sourceFrames: null,
      layout: null,
    });
  }
  request.visuals.forEach((visual, index) => {
    if (visual.kind === 'still') {
      const base = request.secondsPerVisual ?? template.timing.seconds[Math.min(index, template.timing.seconds.length - 1)]!;
      segments.push({
        kind: 'still',
        visual: index,
        frames: clamp(seconds(base), minFrames, maxFrames),
        startFrame: 0,
        motion: null,
        sourceFrames: null,
        layout: stillLayout(visual.width, visual.height, width / height, visual.focus, template.fit.maxCropLoss),
      });
    } else {
      const sourceFrames = Math.max(1, Math.round((visual.seconds ?? 0) * fps));
      if (!visual.seconds) throw invalid(`${visual.label} has no duration.`, 'Check that the clip plays in a video player.');
      segments.push({
        kind: visual.kind,
        visual: index,
        frames: Math.max(minFrames, sourceFrames),
        startFrame: 0,
        motion: null,
        sourceFrames,
        layout: null,
      });
    }
  });

  return segments;
}

const totalFrames = (segments: readonly PlannedSegment[], transitionFrames: number) =>
  segments.reduce((sum, s) => sum + s.frames, 0) - transitionFrames * (segments.length - 1);

/**
 * Step 3: the voice after the title card (or at once; an animation made for its voice starts with it). A
 * template that follows the voice stretches its stills (or its last clip) to carry it to the end.
 */
function placeVoice(
  request: PlanRequest,
  segments: PlannedSegment[],
  { transitionFrames, maxFrames }: SegmentTiming,
  warnings: string[],
): ReelPlan['voice'] {
  const { template, fps } = request;
  if (request.voiceSeconds === undefined || template.voice === 'none') return null;
  const first = segments[0]!;
  const lipSynced = first.kind === 'clip' || first.kind === 'stream';
  const afterTitle = first.kind === 'title' ? (first.frames - transitionFrames) / fps : 0;
  const startSeconds = afterTitle + (lipSynced ? 0 : template.timing.voiceLeadSeconds);
  const voice = { startSeconds, seconds: request.voiceSeconds, gainDb: levelGain(request.voiceLoudness, SPEECH_LUFS) };
  const needed = Math.ceil((startSeconds + request.voiceSeconds + template.timing.voiceTailSeconds) * fps);
  const short = needed - totalFrames(segments, transitionFrames);
  if (short > 0 && template.timing.followVoice) {
    const stills = segments.filter((s) => s.kind === 'still');
    const stretchable = stills.length ? stills : segments.filter((s) => s.kind !== 'title').slice(-1);
    const each = Math.ceil(short / stretchable.length);
    for (const segment of stretchable) segment.frames += each;
    const longest = Math.max(...stretchable.map((s) => s.frames));
    if (stills.length && longest > maxFrames) {
      warnings.push(
        `The voice is ${request.voiceSeconds.toFixed(1)} s long: each photo stays ${(longest / fps).toFixed(1)} s. Add photos for a livelier reel.`,
      );
    }
  } else if (short > 0) {
    warnings.push('The voice is longer than the visuals; it is cut at the end of the reel.');
  }
  return voice;
}

/** Step 4: where each segment starts, each overlapping the last by a transition. */
function placeOnTimeline(segments: PlannedSegment[], template: PlanRequest['template'], transitionFrames: number): PlannedTransition[] {
  let at = 0;
  const transitions: PlannedTransition[] = [];
  segments.forEach((segment, i) => {
    segment.startFrame = at;
    at += segment.frames - transitionFrames;
    if (i < segments.length - 1 && template.transition) {
      transitions.push({ kind: template.transition.kind, frames: transitionFrames, startFrame: at });
    }
  });
  return transitions;
}

/** Step 5: how each still moves (toward the face, in or out, or one move over the whole reel), and a drift on the title card. */
function planMotion(segments: PlannedSegment[], template: PlanRequest['template'], frames: number): void {
  const [wide, close] = template.motion.zoom;
  const continuousFrom = (focus: { x: number; y: number }): { from: MotionPoint; to: MotionPoint } => {
    const far = { zoom: wide, cx: 0.5, cy: 0.5 };
    const near = { zoom: close, cx: template.motion.towardFace ? focus.x : 0.5, cy: template.motion.towardFace ? focus.y : 0.5 };
    return { from: clampPoint(far), to: clampPoint(near) };
  };
  let stillIndex = 0;
  const firstLayout = segments.find((s) => s.layout)?.layout;
  for (const segment of segments) {
    if (segment.kind === 'title') {
      segment.motion = { from: { zoom: 1, cx: 0.5, cy: 0.5 }, to: clampPoint({ zoom: 1.04, cx: 0.5, cy: 0.5 }) };
      continue;
    }
    if (segment.kind !== 'still' || !segment.layout) continue;
    if (template.motion.continuous && firstLayout) {
      // One move over the whole reel, sampled at this segment's ends: neighbours line up during the wipe.
      const { from, to } = continuousFrom(firstLayout.focus);
      const last = Math.max(1, frames - 1);
      segment.motion = {
        from: clampPoint(lerpPoint(from, to, segment.startFrame / last)),
        to: clampPoint(lerpPoint(from, to, (segment.startFrame + segment.frames - 1) / last)),
      };
    } else {
      const { from, to } = continuousFrom(segment.layout.focus);
      const zoomIn = template.motion.direction === 'in' || (template.motion.direction === 'alternate' && stillIndex % 2 === 0);
      segment.motion = zoomIn ? { from, to } : { from: to, to: from };
    }
    stillIndex++;
  }
}
