import { requireModelFile } from '../models/installed';
import type { FaceDetector } from './face-landmarks';
import { fileStamp, SessionCache } from './session';
import { detectFaces, openYunet, type DetectOptions } from './yunet';

/** The face detector every area uses (vetting, restoring, animating, zoom to face, reels): YuNet, `models/yunet-n/`. */
export const FACE_DETECTOR_MODEL = 'yunet-n';

/** Scores below 0.6 are rarely faces; boxes overlapping by more than 0.3 (IoU) are one face. */
export const defaultDetection: Required<Pick<DetectOptions, 'scoreThreshold' | 'nmsThreshold'>> = { scoreThreshold: 0.6, nmsThreshold: 0.3 };

/** One cache per thread: a job worker keeps its YuNet session between jobs. */
const sessions = new SessionCache(2);

/**
 * How the detector's CPU threads wait. onnxruntime runs a detection on the JS thread with helpers that spin
 * between the steps of its graph. Where photos are decoded beside the detector (vetting), that spinning takes the
 * cores libvips needs; `spin: false` lets the helpers sleep instead, keeping every core's help for the detection.
 */
export interface DetectorSession {
  spin?: boolean;
}

/** The face detector from a model file (the installed copy in the app, ../shared in tests). */
export async function faceDetectorFromFile(
  path: string,
  options: DetectOptions = defaultDetection,
  { spin = true }: DetectorSession = {},
): Promise<FaceDetector> {
  const session = await sessions.get(`yunet:${spin ? 'spin' : 'sleep'}:${fileStamp(path)}`, () => openYunet(path, { spin }));
  return {
    model: FACE_DETECTOR_MODEL,
    provider: session.provider,
    detect: (image) => detectFaces(session, image, options),
  };
}

/** The installed YuNet, or a MODEL_ERROR that says how to install it (`likeness models add yunet-n --file …`). */
export async function installedFaceDetector(
  modelsDir: string,
  options: DetectOptions = defaultDetection,
  session: DetectorSession = {},
): Promise<FaceDetector> {
  return faceDetectorFromFile(requireModelFile(modelsDir, FACE_DETECTOR_MODEL), options, session);
}
