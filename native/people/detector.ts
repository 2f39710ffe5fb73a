import { SessionCache } from '../inference/session';
import { detectFaces, openYunet } from '../inference/yunet';
import { requireModelFile } from '../models/installed';
import type { FaceDetector } from '../inference/face-landmarks';
import { thresholds } from './thresholds';

export const FACE_DETECTOR_MODEL = 'yunet-n';

/** One cache per thread: a job worker keeps its YuNet session between jobs. */
const sessions = new SessionCache(2);

/** The face detector from a model file (the installed copy in the app, ../shared in tests). */
export async function faceDetectorFromFile(path: string): Promise<FaceDetector> {
  const session = await sessions.get(`yunet:${path}`, () => openYunet(path));
  return {
    model: FACE_DETECTOR_MODEL,
    provider: session.provider,
    detect: (image) => detectFaces(session, image, { scoreThreshold: thresholds.detection.minScore, nmsThreshold: thresholds.detection.nmsIoU }),
  };
}

/** The installed YuNet, or a MODEL_ERROR that says how to install it (`likeness models add yunet-n --file …`). */
export async function installedFaceDetector(modelsDir: string): Promise<FaceDetector> {
  return faceDetectorFromFile(requireModelFile(modelsDir, FACE_DETECTOR_MODEL));
}
