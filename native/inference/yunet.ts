import { imageToTensor, type RgbImage } from './image-tensor';
import { expectModelIO, openSession, sleepingHelpers, type ExpectedValue, type OpenedSession, type Results } from './session';

/**
 * YuNet face detector (libfacedetection.train, `yunet_n_dynamic.onnx`): input `input` [1, 3, H, W], BGR 0–255,
 * any H and W that are multiples of 32; outputs per stride (8, 16, 32) one row per grid cell, row-major:
 * `cls_s` and `obj_s` [1, cells, 1] (already through a sigmoid in this export), `bbox_s` [1, cells, 4]
 * (dx, dy, log w, log h in stride units) and `kps_s` [1, cells, 10] (five landmarks, dx dy each).
 */
export const YUNET_STRIDES = [8, 16, 32] as const;
const YUNET_DIVISOR = 32;

const tensor: ExpectedValue = { type: 'float32', rank: 3 };
export const yunetIO = {
  inputs: { input: { type: 'float32', rank: 4, shape: [undefined, 3] } },
  outputs: Object.fromEntries(YUNET_STRIDES.flatMap((s) => ['cls', 'obj', 'bbox', 'kps'].map((kind) => [`${kind}_${s}`, tensor]))),
} satisfies { inputs: Record<string, ExpectedValue>; outputs: Record<string, ExpectedValue> };

export interface Point {
  x: number;
  y: number;
}

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Left and right are the person's own: the right eye is the one on the left of the picture. */
export interface FaceLandmarks {
  rightEye: Point;
  leftEye: Point;
  nose: Point;
  mouthRight: Point;
  mouthLeft: Point;
}

export interface DetectedFace {
  /** sqrt(cls × obj), 0..1. */
  score: number;
  box: FaceBox;
  landmarks: FaceLandmarks;
}

export interface DetectOptions {
  /** Candidates below this score are dropped before NMS. */
  scoreThreshold?: number;
  /** Boxes overlapping a better one by more than this IoU are the same face. */
  nmsThreshold?: number;
  /** At most this many faces, best first. */
  topK?: number;
}

/** Opens the detector and checks it is YuNet (names, types, ranks), so a wrong file fails with a clear MODEL_ERROR. */
export async function openYunet(source: string | Uint8Array, options: { provider?: 'cpu'; spin?: boolean } = {}): Promise<OpenedSession> {
  const session = await openSession(source, {
    model: 'YuNet face detector',
    // A 300 kB model: the CPU runs it in milliseconds and keeps the GPU free for generation.
    provider: options.provider ?? 'cpu',
    ...(options.spin === false ? { sessionOptions: sleepingHelpers } : {}),
  });
  expectModelIO(session, yunetIO);
  return session;
}

export function paddedSize(size: number): number {
  return Math.ceil(size / YUNET_DIVISOR) * YUNET_DIVISOR;
}

/** The image on a black canvas whose sides are multiples of 32 (bottom and right padding, as OpenCV does). */
export function padToDivisor(image: RgbImage): RgbImage {
  const width = paddedSize(image.width);
  const height = paddedSize(image.height);
  if (width === image.width && height === image.height) return image;
  const data = new Uint8Array(width * height * 3);
  const rowBytes = image.width * 3;
  for (let y = 0; y < image.height; y++) data.set(image.data.subarray(y * rowBytes, (y + 1) * rowBytes), y * width * 3);
  return { data, width, height };
}

function iou(a: FaceBox, b: FaceBox): number {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression: best score first, dropping boxes that overlap a kept one too much. */
export function suppressOverlaps(faces: DetectedFace[], threshold: number, topK: number): DetectedFace[] {
  const sorted = [...faces].sort((a, b) => b.score - a.score);
  const kept: DetectedFace[] = [];
  for (const face of sorted) {
    if (kept.length >= topK) break;
    if (kept.every((k) => iou(k.box, face.box) <= threshold)) kept.push(face);
  }
  return kept;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Turns the raw outputs into faces in the padded input's pixel coordinates: per stride and grid cell,
 * score = sqrt(cls × obj); box centre = (col + dx, row + dy) × stride, size = exp(dw, dh) × stride;
 * landmarks = (col + kx, row + ky) × stride; then NMS.
 */
export function decodeYunet(outputs: Results, paddedWidth: number, paddedHeight: number, options: DetectOptions = {}): DetectedFace[] {
  const scoreThreshold = options.scoreThreshold ?? 0.6;
  const candidates: DetectedFace[] = [];
  for (const stride of YUNET_STRIDES) {
    const cols = paddedWidth / stride;
    const rows = paddedHeight / stride;
    const cls = outputs[`cls_${stride}`]!.data as Float32Array;
    const obj = outputs[`obj_${stride}`]!.data as Float32Array;
    const bbox = outputs[`bbox_${stride}`]!.data as Float32Array;
    const kps = outputs[`kps_${stride}`]!.data as Float32Array;
    if (cls.length !== rows * cols) {
      throw new Error(`YuNet output cls_${stride} has ${cls.length} cells; a ${paddedWidth}×${paddedHeight} input needs ${rows * cols}`);
    }
    for (let row = 0; row < rows; row++) {
      for (let col = 0; col < cols; col++) {
        const i = row * cols + col;
        const score = Math.sqrt(clamp01(cls[i]!) * clamp01(obj[i]!));
        if (score < scoreThreshold) continue;
        const cx = (col + bbox[i * 4]!) * stride;
        const cy = (row + bbox[i * 4 + 1]!) * stride;
        const width = Math.exp(bbox[i * 4 + 2]!) * stride;
        const height = Math.exp(bbox[i * 4 + 3]!) * stride;
        const point = (n: number): Point => ({ x: (col + kps[i * 10 + 2 * n]!) * stride, y: (row + kps[i * 10 + 2 * n + 1]!) * stride });
        candidates.push({
          score,
          box: { x: cx - width / 2, y: cy - height / 2, width, height },
          landmarks: { rightEye: point(0), leftEye: point(1), nose: point(2), mouthRight: point(3), mouthLeft: point(4) },
        });
      }
    }
  }
  return suppressOverlaps(candidates, options.nmsThreshold ?? 0.3, options.topK ?? 50);
}

/** Finds faces in an RGB image (any size; padded here); coordinates are the image's own pixels, best score first. */
export async function detectFaces(session: OpenedSession, image: RgbImage, options: DetectOptions = {}): Promise<DetectedFace[]> {
  const padded = padToDivisor(image);
  const input = imageToTensor(padded, { order: 'bgr', range: [0, 255] });
  const outputs = await session.run({ input });
  return decodeYunet(outputs, padded.width, padded.height, options);
}
