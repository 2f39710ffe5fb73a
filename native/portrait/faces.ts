import { estimateSimilarity, warpAffine, type Affine, type Point2 } from '../inference/affine';
import { eyeLineRoll, refineTiltedLandmarks, type FaceDetector } from '../inference/face-landmarks';
import type { RgbImage } from '../inference/image-tensor';
import type { DetectedFace, FaceLandmarks } from '../inference/yunet';
import { resizeRgb, rgbRaster } from './image';

/**
 * Finding faces in an old photo and aligning each to the layout the restoration and animation models were
 * trained on (FFHQ: eyes, nose and mouth corners at fixed places of a 512×512 square).
 */

/** FFHQ's five-point template as fractions of the crop (image-left eye first), as GFPGAN, CodeFormer and LivePortrait use it. */
export const FFHQ_TEMPLATE: readonly Point2[] = [
  { x: 0.37691676, y: 0.46864664 },
  { x: 0.62285697, y: 0.46912813 },
  { x: 0.50123859, y: 0.61331904 },
  { x: 0.39308822, y: 0.725411 },
  { x: 0.61150205, y: 0.72490465 },
];

/** YuNet's landmarks in the template's order (the person's right eye is on the left of the picture). */
export function landmarkPoints(l: FaceLandmarks): Point2[] {
  return [l.rightEye, l.leftEye, l.nose, l.mouthRight, l.mouthLeft];
}

export interface PortraitFace extends DetectedFace {
  /** Eye-line tilt in degrees, after re-detecting tilted heads on a levelled crop. */
  roll: number;
}

/** Faces are looked for on a copy at most this large: small faces in group photos stay findable, scans stay cheap. */
export const DETECTION_MAX_SIDE = 1280;

const round1 = (v: number) => Math.round(v * 10) / 10;

function scaled(face: DetectedFace, k: number): DetectedFace {
  const p = (q: Point2) => ({ x: round1(q.x * k), y: round1(q.y * k) });
  const l = face.landmarks;
  return {
    score: Math.round(face.score * 1000) / 1000,
    box: { x: round1(face.box.x * k), y: round1(face.box.y * k), width: round1(face.box.width * k), height: round1(face.box.height * k) },
    landmarks: { rightEye: p(l.rightEye), leftEye: p(l.leftEye), nose: p(l.nose), mouthRight: p(l.mouthRight), mouthLeft: p(l.mouthLeft) },
  };
}

/**
 * The faces of a photo in its own pixels, largest first, with landmarks re-read on a levelled crop where the
 * head is tilted (YuNet underreads tilt: 25° reads as about 11°).
 */
export async function findFaces(photo: RgbImage, detector: FaceDetector, options: { minScore?: number } = {}): Promise<PortraitFace[]> {
  const minScore = options.minScore ?? 0.6;
  const k = Math.min(1, DETECTION_MAX_SIDE / Math.max(photo.width, photo.height));
  const small = k < 1 ? await resizeRgb(photo, Math.round(photo.width * k), Math.round(photo.height * k)) : photo;
  const scale = small.width / photo.width;
  const found = (await detector.detect(small)).filter((f) => f.score >= minScore);
  const faces: PortraitFace[] = [];
  for (const face of found) {
    const inPhoto = scaled(face, 1 / scale);
    const refined = await refineTiltedLandmarks(inPhoto, { image: small, scale }, detector, { minRoll: 8, minScore });
    faces.push({ ...refined, roll: round1(eyeLineRoll(refined.landmarks)) });
  }
  return faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
}

export interface AlignedFace {
  crop: RgbImage;
  /** Photo pixels → crop pixels. */
  matrix: Affine;
}

/**
 * The similarity that puts the five landmarks on the template in a size × size crop. `zoom` < 1 widens the view,
 * about the crop's centre or about the nose. LivePortrait wants the whole head and some neck: FaceFusion's crop
 * for it scales the landmarks ×1.5 about the nose and fits those to FFHQ (facefusion/face_helper.py
 * scale_face_landmark_5, warp_face_by_face_landmark_5), which is zoom 1 / 1.5 about the nose.
 */
export function alignmentMatrix(landmarks: FaceLandmarks, size: number, zoom = 1, about: 'centre' | 'nose' = 'centre'): Affine {
  const points = landmarkPoints(landmarks);
  const template = FFHQ_TEMPLATE.map((p) => ({ x: p.x * size, y: p.y * size }));
  if (about === 'nose') {
    const nose = landmarks.nose;
    return estimateSimilarity(
      points.map((p) => ({ x: nose.x + (p.x - nose.x) / zoom, y: nose.y + (p.y - nose.y) / zoom })),
      template,
    );
  }
  return estimateSimilarity(
    points,
    template.map((p) => ({ x: (p.x - size / 2) * zoom + size / 2, y: (p.y - size / 2) * zoom + size / 2 })),
  );
}

/** The aligned crop (edges replicated where the square runs past the photo). */
export function alignFace(photo: RgbImage, landmarks: FaceLandmarks, size: number, zoom = 1, about: 'centre' | 'nose' = 'centre'): AlignedFace {
  const matrix = alignmentMatrix(landmarks, size, zoom, about);
  const warped = warpAffine(rgbRaster(photo), matrix, size, size, { border: { mode: 'replicate' } });
  return { crop: { data: warped.data, width: size, height: size }, matrix };
}
