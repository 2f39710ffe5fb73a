import { StudioError } from '../api/errors';
import { composeAffine, type Affine } from '../inference/affine';
import type { FaceDetector } from '../inference/face-landmarks';
import type { RgbImage } from '../inference/image-tensor';
import type { OpenedSession } from '../inference/session';
import type { FrameSource } from '../video/frame-source';
import { alignFace, type PortraitFace } from './faces';
import { resizeRgb } from './image';
import {
  extractFeatures,
  extractMotion,
  generate,
  generatePlanes,
  retargetEyes,
  retargetLips,
  rotationMatrix,
  stitch,
  transformKeypoints,
  type LivePortraitSessions,
  type MotionInfo,
} from './liveportrait';
import type { LipSyncer } from './lipsync';
import type { DecodedVideo } from './clip-codec';
import { expressionOffsets, limitExpression, limitPose, type MotionPlan } from './motion';
import { featherMask, pastePlanesWithPlan, pasteWithPlan, planPaste } from './paste';

/**
 * Animating a photo with LivePortrait: the face is cropped once (FFHQ alignment, widened 1.5× to take in the whole
 * head), its appearance and motion are read once, and every frame moves its keypoints — by a preset's curves or
 * by a driving video's motion relative to its first frame — stitches them to the photo, renders the face, lip-syncs
 * it when there is speech, and pastes it back into the whole photo through a feathered mask.
 */

/** LivePortrait's crop: FFHQ's layout at 1 / 1.5 of its scale about the nose, so hair, chin and some neck are in the picture. */
export const LIVEPORTRAIT_ZOOM = 1 / 1.5;
export const LIVEPORTRAIT_ZOOM_ABOUT = 'nose';
/** Eye openness ratio (lid gap / eye width) of open eyes: YuNet's five points cannot measure it, so the typical value. */
export const OPEN_EYE_RATIO = 0.35;
/** Lip gap ratio of a closed mouth. */
export const CLOSED_LIP_RATIO = 0.05;

export type AnimationMotion = { kind: 'preset'; plan: MotionPlan } | { kind: 'driving'; frames: MotionInfo[] };

export interface AnimationTimings {
  frames: number;
  /** Milliseconds inside session.run, and everything else of making frames. */
  runMs: number;
  otherMs: number;
}

export interface Animator extends FrameSource {
  /** The photo's own motion as the motion extractor reads it. */
  photoMotion: MotionInfo;
  timings: AnimationTimings;
}

/** Wraps a session so the time spent inside `run` is counted. */
function timed(session: OpenedSession, timings: AnimationTimings): OpenedSession {
  return {
    ...session,
    run: async (feeds, options) => {
      const started = performance.now();
      try {
        return await session.run(feeds, options);
      } finally {
        timings.runMs += performance.now() - started;
      }
    },
  };
}

function multiply3(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  return out;
}

function transpose3(a: Float64Array): Float64Array {
  return Float64Array.from([a[0]!, a[3]!, a[6]!, a[1]!, a[4]!, a[7]!, a[2]!, a[5]!, a[8]!]);
}

const add = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + b[i]!);

export interface AnimatorInput {
  photo: RgbImage;
  face: PortraitFace;
  sessions: LivePortraitSessions;
  motion: AnimationMotion;
  fps: number;
  frameCount: number;
  /** The video's longest side (the photo is scaled down to it, never up). */
  maxSide: number;
  lipSync?: { syncer: LipSyncer; windows: Float32Array[] } | undefined;
}

export async function prepareAnimator(input: AnimatorInput): Promise<Animator> {
  const { photo, face, fps, frameCount, motion } = input;
  if (motion.kind === 'driving' && motion.frames.length < 1) throw new StudioError('INVALID_INPUT', 'The driving video has no frames.');
  const timings: AnimationTimings = { frames: 0, runMs: 0, otherMs: 0 };
  const parts = Object.fromEntries(Object.entries(input.sessions.parts).map(([k, s]) => [k, timed(s, timings)])) as LivePortraitSessions['parts'];

  const aligned = alignFace(photo, face.landmarks, 512, LIVEPORTRAIT_ZOOM, LIVEPORTRAIT_ZOOM_ABOUT);
  const crop256 = await resizeRgb(aligned.crop, 256, 256);
  const feature = await extractFeatures(parts.feature, crop256);
  const own = await extractMotion(parts.motion, crop256);
  const ownRotation = rotationMatrix(own.pitch, own.yaw, own.roll);
  const photoKeypoints = transformKeypoints(own, ownRotation);

  const k = Math.min(1, input.maxSide / Math.max(photo.width, photo.height));
  const even = (v: number) => Math.max(2, Math.round((v * k) / 2) * 2);
  const width = even(photo.width);
  const height = even(photo.height);
  const base = await resizeRgb(photo, width, height);
  // frame pixels → photo pixels → crop pixels
  const frameToCrop: Affine = composeAffine(aligned.matrix, [photo.width / width, 0, 0, 0, photo.height / height, 0]);
  const paste = planPaste({ width, height }, { width: 512, height: 512 }, frameToCrop, featherMask(512, 0.16, 0.03));

  const drivingKeypoints = async (index: number): Promise<Float32Array> => {
    if (motion.kind === 'preset') {
      const f = motion.plan.frames[Math.min(index, motion.plan.frames.length - 1)]!;
      const pose = limitPose(own, { pitch: own.pitch + f.pitch, yaw: own.yaw + f.yaw, roll: own.roll + f.roll });
      const expression = limitExpression(add(own.expression, expressionOffsets(f)));
      let keypoints = transformKeypoints({ ...own, expression }, rotationMatrix(pose.pitch, pose.yaw, pose.roll));
      if (f.eyes < 0.999) {
        keypoints = add(
          keypoints,
          await retargetEyes(parts.eye, photoKeypoints, [OPEN_EYE_RATIO, OPEN_EYE_RATIO], OPEN_EYE_RATIO * Math.max(0, f.eyes)),
        );
      }
      if (f.lips > 0.001)
        keypoints = add(keypoints, await retargetLips(parts.lip, photoKeypoints, CLOSED_LIP_RATIO, CLOSED_LIP_RATIO + 0.4 * f.lips));
      return keypoints;
    }
    // Relative to the driving video's first frame (LivePortrait's relative motion): the photo's pose turned by how
    // far the driver turned, its expression moved by how far the driver's moved, scale and shift likewise.
    const d0 = motion.frames[0]!;
    const di = motion.frames[Math.min(index, motion.frames.length - 1)]!;
    const rotation = multiply3(
      multiply3(ownRotation, transpose3(rotationMatrix(d0.pitch, d0.yaw, d0.roll))),
      rotationMatrix(di.pitch, di.yaw, di.roll),
    );
    const expression = limitExpression(own.expression.map((v, i) => v + di.expression[i]! - d0.expression[i]!));
    return transformKeypoints(
      {
        keypoints: own.keypoints,
        expression,
        scale: own.scale * (di.scale / d0.scale),
        translation: [own.translation[0] + di.translation[0] - d0.translation[0], own.translation[1] + di.translation[1] - d0.translation[1], 0],
      },
      rotation,
    );
  };

  // After the voice ends the mouth rests: the mel of silence (Wav2Lip's floor, −4 everywhere).
  const silence = new Float32Array(80 * 16).fill(-4);

  const frameAt = async (index: number): Promise<Uint8Array> => {
    const started = performance.now();
    const runBefore = timings.runMs;
    const driving = await stitch(parts.stitcher, await drivingKeypoints(index), photoKeypoints);
    const frame: RgbImage = { data: base.data.slice(), width, height };
    if (input.lipSync) {
      const rendered = await generate(parts.generator, feature, driving, photoKeypoints);
      pasteWithPlan(frame, await input.lipSync.syncer.apply(rendered, input.lipSync.windows[index] ?? silence), paste, 1);
    } else {
      // Straight from the generator's float planes: no byte image of the face in between.
      pastePlanesWithPlan(frame, await generatePlanes(parts.generator, feature, driving, photoKeypoints), paste, 1);
    }
    timings.frames++;
    timings.otherMs += performance.now() - started - (timings.runMs - runBefore);
    return frame.data;
  };

  return {
    width,
    height,
    fps,
    frameCount,
    pixelFormat: 'rgb24',
    photoMotion: own,
    timings,
    async *frames(signal) {
      for (let i = 0; i < frameCount; i++) {
        if (signal.aborted) return;
        yield await frameAt(i);
      }
    },
  };
}

/** Averages each frame's motion with its neighbours' (a driving video's pose jitters a little from frame to frame). */
export function smoothMotion(frames: readonly MotionInfo[], radius = 1): MotionInfo[] {
  return frames.map((_, i) => {
    const window = frames.slice(Math.max(0, i - radius), i + radius + 1);
    const mean = (pick: (m: MotionInfo) => number) => window.reduce((s, m) => s + pick(m), 0) / window.length;
    const expression = new Float32Array(63);
    for (const m of window) for (let j = 0; j < 63; j++) expression[j]! += m.expression[j]! / window.length;
    return {
      pitch: mean((m) => m.pitch),
      yaw: mean((m) => m.yaw),
      roll: mean((m) => m.roll),
      scale: mean((m) => m.scale),
      translation: [mean((m) => m.translation[0]), mean((m) => m.translation[1]), mean((m) => m.translation[2])],
      expression,
      keypoints: frames[i]!.keypoints,
    };
  });
}

/**
 * The motion of a driving video, frame by frame: the largest face found in each frame (the last one found stands in
 * for a frame where none is), cropped like the photo and read by the motion extractor.
 */
export async function drivingMotion(
  video: Pick<DecodedVideo, 'frameCount' | 'frame'>,
  detector: FaceDetector,
  motionSession: OpenedSession,
  options: { signal?: AbortSignal; onFrame?: (done: number, total: number) => void } = {},
): Promise<{ frames: MotionInfo[]; framesWithoutFace: number }> {
  const frames: MotionInfo[] = [];
  let last: PortraitFace['landmarks'] | undefined;
  let framesWithoutFace = 0;
  for (let i = 0; i < video.frameCount; i++) {
    options.signal?.throwIfAborted();
    const image = await video.frame(i);
    const [found] = (await detector.detect(image)).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
    if (found) last = found.landmarks;
    else framesWithoutFace++;
    if (!last) {
      if (i < Math.min(10, video.frameCount - 1)) continue;
      throw new StudioError(
        'INVALID_INPUT',
        'No face was found at the start of the driving video.',
        'Record a video that shows your face from the front, well lit.',
      );
    }
    const crop = alignFace(image, last, 256, LIVEPORTRAIT_ZOOM, LIVEPORTRAIT_ZOOM_ABOUT).crop;
    const info = await extractMotion(motionSession, crop);
    // Frames before the first face found take its motion.
    while (frames.length < i) frames.push(info);
    frames.push(info);
    options.onFrame?.(i + 1, video.frameCount);
  }
  return { frames: smoothMotion(frames), framesWithoutFace };
}
