import type { Metadata } from 'sharp';
import type { PhotoMeasures } from '../api/namespaces/people';
import type { RgbImage } from '../inference/image-tensor';
import { refineTiltedLandmarks, type FaceDetector } from '../inference/face-landmarks';
import type { DetectedFace } from '../inference/yunet';
import { decodePhoto, fromRgb, type DecodedPhoto } from './decode';
import { exposureOf, headPose, lumaOf, perceptualHash, sharpnessOf, toneOf } from './measure';
import { MEASURES_VERSION, thresholds } from './thresholds';

/** Measures are taken on the photo scaled to at most this size (faces stay far above the sizes that matter). */
export const ANALYSIS_MAX_SIDE = 2048;

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function scaleFace(face: DetectedFace, factor: number): DetectedFace {
  const p = (point: { x: number; y: number }) => ({ x: round(point.x * factor, 1), y: round(point.y * factor, 1) });
  return {
    score: round(face.score),
    box: {
      x: round(face.box.x * factor, 1),
      y: round(face.box.y * factor, 1),
      width: round(face.box.width * factor, 1),
      height: round(face.box.height * factor, 1),
    },
    landmarks: {
      rightEye: p(face.landmarks.rightEye),
      leftEye: p(face.landmarks.leftEye),
      nose: p(face.landmarks.nose),
      mouthRight: p(face.landmarks.mouthRight),
      mouthLeft: p(face.landmarks.mouthLeft),
    },
  };
}

/**
 * The photo at most thresholds.detection.maxSide on its longest side: what the detector sees, and what the import
 * makes the thumbnail from (a fraction of the cost of scaling the full decode down again).
 */
export async function previewOf(decoded: DecodedPhoto): Promise<RgbImage> {
  const { rgb } = decoded;
  const maxSide = thresholds.detection.maxSide;
  if (Math.max(rgb.width, rgb.height) <= maxSide) return rgb;
  const { data, info } = await fromRgb(rgb).resize({ width: maxSide, height: maxSide, fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** Runs the detector on the preview; faces come back in source pixels, largest first. */
async function findFaces(decoded: DecodedPhoto, input: RgbImage, detector: FaceDetector): Promise<DetectedFace[]> {
  const toSource = decoded.width / input.width;
  const faces = (await detector.detect(input)).map((f) => scaleFace(f, toSource));
  faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  return faces;
}

/** The face box (source pixels) clipped to the photo, in rgb pixels; null when nothing of it is inside. */
function regionOf(face: DetectedFace, decoded: DecodedPhoto) {
  const s = decoded.scale;
  const left = Math.max(0, Math.floor(face.box.x * s));
  const top = Math.max(0, Math.floor(face.box.y * s));
  const right = Math.min(decoded.rgb.width, Math.ceil((face.box.x + face.box.width) * s));
  const bottom = Math.min(decoded.rgb.height, Math.ceil((face.box.y + face.box.height) * s));
  if (right - left < 4 || bottom - top < 4) return null;
  return { left, top, width: right - left, height: bottom - top };
}

async function grayOf(pipeline: ReturnType<typeof fromRgb>) {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return lumaOf(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), info.width, info.height, info.channels);
}

async function measureFace(face: DetectedFace, decoded: DecodedPhoto): Promise<NonNullable<PhotoMeasures['face']>> {
  const { width, height } = decoded;
  const box = face.box;
  const insideW = Math.max(0, Math.min(width, box.x + box.width) - Math.max(0, box.x));
  const insideH = Math.max(0, Math.min(height, box.y + box.height) - Math.max(0, box.y));
  const outside = 1 - (insideW * insideH) / Math.max(1, box.width * box.height);
  const region = regionOf(face, decoded);
  let sharpness = 0;
  let exposure = { brightness: 0, contrast: 0, highlights: 0, shadows: 0 };
  if (region) {
    const gray = await grayOf(
      fromRgb(decoded.rgb)
        .extract(region)
        .resize({ height: Math.min(region.height, thresholds.sharpness.measureHeightPx) }),
    );
    sharpness = sharpnessOf(gray);
    exposure = exposureOf(gray);
  }
  const pose = headPose(face.landmarks);
  return {
    heightPx: round(box.height, 1),
    widthPx: round(box.width, 1),
    share: round((box.width * box.height) / (width * height), 4),
    outside: round(Math.max(0, outside), 3),
    sharpness: round(sharpness),
    exposure: roundExposure(exposure),
    roll: round(pose.roll, 1),
    yaw: round(pose.yaw, 1),
  };
}

function roundExposure(e: { brightness: number; contrast: number; highlights: number; shadows: number }) {
  return { brightness: round(e.brightness, 1), contrast: round(e.contrast), highlights: round(e.highlights, 4), shadows: round(e.shadows, 4) };
}

function sourceOf(metadata: Metadata, format: string): PhotoMeasures['source'] {
  return {
    format,
    space: metadata.space ?? null,
    channels: metadata.channels ?? null,
    depth: metadata.depth ?? null,
    hasAlpha: Boolean(metadata.hasAlpha),
    orientation: metadata.orientation ?? null,
    pages: metadata.pages ?? null,
  };
}

export interface MeasureTimings {
  decodeMs: number;
  detectMs: number;
  measureMs: number;
}

/**
 * Everything vetting judges by, measured once per photo: faces (YuNet), the largest confident face's size,
 * sharpness, exposure and pose, the whole photo's exposure and tone, and a perceptual hash for near-duplicates.
 */
export async function measurePhoto(
  data: Buffer,
  fileName: string,
  image: { width: number; height: number; format: string; metadata: Metadata },
  detector: FaceDetector,
  chosenFace?: number,
  chosenBy: 'likeness' | 'user' = 'likeness',
): Promise<{ measures: PhotoMeasures; decoded: DecodedPhoto }> {
  const t0 = performance.now();
  const decoded = await decodePhoto(data, fileName, image, ANALYSIS_MAX_SIDE);
  const measures = await measureDecoded(decoded, image, detector, { decodeMs: performance.now() - t0, chosenFace, chosenBy });
  return { measures, decoded };
}

/** measurePhoto on pixels already decoded with decodePhoto (at most ANALYSIS_MAX_SIDE). */
export async function measureDecoded(
  decoded: DecodedPhoto,
  image: { width: number; height: number; format: string; metadata: Metadata },
  detector: FaceDetector,
  {
    decodeMs = 0,
    chosenFace,
    chosenBy = 'likeness',
    preview,
  }: {
    /** How long decoding (and scaling to the preview) took, for the timings. */
    decodeMs?: number;
    /** A face chosen by likeness or by the user (an index into the faces found): measured instead of the largest. */
    chosenFace?: number | undefined;
    chosenBy?: 'likeness' | 'user' | undefined;
    /** previewOf(decoded), when the caller has made it already (for the thumbnail). */
    preview?: RgbImage;
  } = {},
): Promise<PhotoMeasures> {
  // Scaling to the preview counts as decoding, whoever made it (the import makes it first, for the thumbnail).
  const t0 = performance.now();
  const input = preview ?? (await previewOf(decoded));
  const t1 = performance.now();
  const faces = await findFaces(decoded, input, detector);
  const confident = faces.findIndex((f) => f.score >= thresholds.detection.otherFaceMinScore);
  const byLikeness = chosenFace !== undefined && chosenFace < faces.length;
  const measuredFace = byLikeness ? chosenFace : faces.length ? Math.max(0, confident) : null;
  if (measuredFace !== null) {
    faces[measuredFace] = await refineTiltedLandmarks(faces[measuredFace]!, { image: decoded.rgb, scale: decoded.scale }, detector, {
      minRoll: thresholds.pose.rollNote,
      minScore: thresholds.detection.minScore,
    });
  }
  const t2 = performance.now();
  const face = measuredFace === null ? null : await measureFace(faces[measuredFace]!, decoded);

  // From the full decode, not the preview: tone, exposure and the pHash are stored measures (MEASURES_VERSION), and
  // a copy scaled in two steps moves them by a level or so.
  const small = await fromRgb(decoded.rgb).resize({ width: 256, height: 256, fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  const smallPixels = new Uint8Array(small.data.buffer, small.data.byteOffset, small.data.byteLength);
  const tone = toneOf(smallPixels, small.info.width * small.info.height, small.info.channels);
  const imageExposure = exposureOf(lumaOf(smallPixels, small.info.width, small.info.height, small.info.channels));
  // From the small copy: resizing the full picture again for 32×32 pixels would cost more than all the rest.
  const phash = perceptualHash(
    await grayOf(fromRgb({ data: smallPixels, width: small.info.width, height: small.info.height }).resize({ width: 32, height: 32, fit: 'fill' })),
  );
  const t3 = performance.now();

  return {
    version: MEASURES_VERSION,
    width: image.width,
    height: image.height,
    source: sourceOf(image.metadata, image.format),
    detector: { model: detector.model, provider: detector.provider, inputWidth: input.width, inputHeight: input.height },
    faces,
    measuredFace,
    ...(byLikeness ? { faceChosenBy: chosenBy } : {}),
    face,
    image: roundExposure(imageExposure),
    tone: { kind: tone.kind, chroma: round(tone.chroma, 2), tint: round(tone.tint, 2) },
    phash,
    timings: { decodeMs: round(decodeMs + (t1 - t0), 1), detectMs: round(t2 - t1, 1), measureMs: round(t3 - t2, 1) },
  };
}
