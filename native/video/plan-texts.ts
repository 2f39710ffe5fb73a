import { timeCaptionText, type CaptionCue } from './captions';
import type { Box, PlannedSegment, PlannedText, PlanRequest, ReelPlan } from './plan';

// Step 6 of a reel's plan (plan.ts): the texts — the title, the captions, role labels and the AI mark — each
// with the region it sits in, when it shows and how it looks.

/** Step 6: the title, on its card or over the first photo. */
export function titleTexts(
  request: PlanRequest,
  segments: readonly PlannedSegment[],
  { safeArea, totalSeconds, titleText }: { safeArea: Box; totalSeconds: number; titleText: string | undefined },
): PlannedText[] {
  const { template, width, height, fps } = request;
  if (!titleText) return [];
  const unit = Math.min(width, height);
  if (template.title.style === 'card') {
    const card = segments[0]!;
    return [
      {
        kind: 'title',
        text: titleText,
        start: 0,
        end: card.frames / fps,
        region: { x: safeArea.x, y: safeArea.y, w: safeArea.w, h: safeArea.h },
        anchor: 'center',
        fontPx: Math.round(unit * 0.085),
        fade: 0,
        boxed: false,
      },
    ];
  }
  return [
    {
      kind: 'title',
      text: titleText,
      start: Math.min(0.3, totalSeconds / 4),
      end: Math.min(totalSeconds, 0.3 + template.title.seconds),
      region: { x: safeArea.x, y: safeArea.y + Math.round(safeArea.h * 0.04), w: safeArea.w, h: Math.round(safeArea.h * 0.3) },
      anchor: 'top',
      fontPx: Math.round(unit * 0.07),
      fade: 0.35,
      boxed: false,
    },
  ];
}

/** Step 6: captions, timed to the voice (or over the photos without one); any that would start after the end are left out, with a warning. */
export function captionTexts(
  request: PlanRequest,
  segments: readonly PlannedSegment[],
  at: { safeArea: Box; totalSeconds: number; voice: ReelPlan['voice']; transitionFrames: number },
  warnings: string[],
): PlannedText[] {
  const { template, width, height, fps } = request;
  const { safeArea, totalSeconds, voice, transitionFrames } = at;
  const fade = template.fade;
  const captionRegion: Box = { x: safeArea.x, y: safeArea.y + Math.round(safeArea.h * 0.7), w: safeArea.w, h: Math.round(safeArea.h * 0.3) };
  const contentStart = segments[0]!.kind === 'title' ? (segments[0]!.frames - transitionFrames) / fps : 0;
  let cues: CaptionCue[] = [];
  if (request.captions && 'cues' in request.captions) {
    const offset = voice ? voice.startSeconds : contentStart;
    cues = request.captions.cues.map((c) => ({ ...c, start: c.start + offset, end: c.end + offset }));
  } else if (request.captions && 'text' in request.captions) {
    const from = voice ? voice.startSeconds : contentStart + 0.2;
    const to = voice ? Math.min(totalSeconds, voice.startSeconds + voice.seconds) : totalSeconds - fade.out;
    cues = timeCaptionText(request.captions.text, from, to);
  }
  const dropped = cues.filter((c) => c.start >= totalSeconds).length;
  if (dropped)
    warnings.push(`${dropped} caption${dropped > 1 ? 's start' : ' starts'} after the end of the reel and ${dropped > 1 ? 'were' : 'was'} left out.`);
  return cues
    .filter((cue) => cue.start < totalSeconds)
    .map((cue) => ({
      kind: 'caption',
      text: cue.text,
      start: cue.start,
      end: Math.min(cue.end, totalSeconds),
      region: captionRegion,
      anchor: 'bottom',
      fontPx: Math.round(Math.min(width, height) * 0.05),
      fade: 0,
      boxed: true,
    }));
}

const labelPxOf = (request: PlanRequest) => Math.round(Math.min(request.width, request.height) * 0.032);

/** Step 6: role labels ("Then", "Now"), each while its visual is the one fully on screen. */
export function roleTexts(request: PlanRequest, segments: readonly PlannedSegment[], safeArea: Box, transitionFrames: number): PlannedText[] {
  const { template, fps } = request;
  const roles = template.visuals.roles;
  if (!template.labels || !roles) return [];
  const names = request.roleLabels ?? roles;
  const count = request.visuals.length;
  return segments.flatMap((segment): PlannedText[] => {
    const name = segment.visual === null ? undefined : names[segment.visual]?.trim();
    if (!name) return [];
    const start = segment.startFrame / fps;
    const end = (segment.startFrame + segment.frames) / fps;
    return [
      {
        kind: 'role',
        text: name,
        start: segment.visual === 0 ? start : start + transitionFrames / fps,
        end: segment.visual === count - 1 ? end : end - transitionFrames / fps,
        region: safeArea,
        anchor: 'top-right',
        fontPx: labelPxOf(request),
        fade: 0.2,
        boxed: true,
      },
    ];
  });
}

/** Step 6: the visible "AI-generated" mark, when asked for, over the whole reel. */
export function aiMarkTexts(request: PlanRequest, safeArea: Box, totalSeconds: number): PlannedText[] {
  if (request.aiLabel !== 'visible') return [];
  return [
    {
      kind: 'ai',
      text: request.aiLabelText,
      start: 0,
      end: totalSeconds,
      region: safeArea,
      anchor: 'top-left',
      fontPx: labelPxOf(request),
      fade: 0,
      boxed: true,
    },
  ];
}
