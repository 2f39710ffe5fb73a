import { estimateSimilarity, warpAffine, type Affine } from './affine';
import type { RgbImage } from './image-tensor';
import { expectModelIO, fileStamp, openSession, SessionCache, sleepingHelpers, Tensor, type OpenedSession, type ProviderChoice } from './session';
import type { FaceLandmarks, Point } from './yunet';

/**
 * How one face-recognition network wants its faces and what its numbers mean. Every network here takes a
 * small square "chip" warped so that the five landmarks YuNet finds (eyes, nose tip, mouth corners) land
 * on the points the network was trained with: without that alignment the same face seen twice ranks first
 * for 9 of 22 faces, with it for 17 of 17 (measured on the dlib network).
 */
export interface FaceEmbedderSpec {
  /** Stored with every score: a score names the model that made it. */
  id: string;
  name: string;
  /** Side of the square chip in pixels. */
  size: number;
  /**
   * Where the five landmarks go in the chip, in YuNet's order: the eye on the image's left (the person's
   * right), the other eye, the nose tip, the mouth corner on the image's left, the other corner.
   */
  template: readonly [Point, Point, Point, Point, Point];
  /** Channel order and normalisation: value = (pixel − mean) / std, per channel in the model's order. */
  order: 'rgb' | 'bgr';
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
  /** How two embeddings compare: cosine similarity (higher = alike) or euclidean distance (lower = alike). */
  metric: 'cosine' | 'euclidean';
  dims: number;
  /** The network's input and output names (read from the file when absent: the first of each). */
  input?: string;
  output?: string;
  calibration: LikenessCalibration;
}

/**
 * Where a comparison value turns from "the same person" to "someone else", in the model's own metric.
 * Between the two lies "unsure". The 0–100 likeness is a logistic curve through them: `same` maps to 75,
 * `different` to 25.
 */
export interface LikenessCalibration {
  same: number;
  different: number;
  /** Where the numbers come from (the model's published figures, our measurements). */
  source: string;
}

export type LikenessVerdict = 'same' | 'unsure' | 'different';

/** Landmarks in the order a spec's template lists them. */
export function landmarkPoints(l: FaceLandmarks): [Point, Point, Point, Point, Point] {
  return [l.rightEye, l.leftEye, l.nose, l.mouthRight, l.mouthLeft];
}

/** Image pixels → chip pixels for one face (a similarity: rotation, scale, shift). */
export function chipTransform(landmarks: FaceLandmarks, spec: Pick<FaceEmbedderSpec, 'template'>): Affine {
  return estimateSimilarity(landmarkPoints(landmarks), spec.template);
}

/** The aligned chip the network sees (edges past the photo are mirrored, as a face at the border needs). */
export function alignFaceChip(image: RgbImage, landmarks: FaceLandmarks, spec: Pick<FaceEmbedderSpec, 'template' | 'size'>): RgbImage {
  const warped = warpAffine({ ...image, channels: 3 }, chipTransform(landmarks, spec), spec.size, spec.size, { border: { mode: 'reflect' } });
  return { data: warped.data, width: spec.size, height: spec.size };
}

/** Chips → one float32 NCHW batch in the model's channel order and normalisation. */
export function chipsToTensor(chips: readonly RgbImage[], spec: FaceEmbedderSpec): Tensor {
  const side = spec.size;
  const plane = side * side;
  const out = new Float32Array(chips.length * 3 * plane);
  const source = spec.order === 'rgb' ? [0, 1, 2] : [2, 1, 0];
  chips.forEach((chip, n) => {
    if (chip.width !== side || chip.height !== side) throw new Error(`a ${spec.name} chip must be ${side}×${side}`);
    for (let c = 0; c < 3; c++) {
      const base = (n * 3 + c) * plane;
      const from = source[c]!;
      const mean = spec.mean[c]!;
      const scale = 1 / spec.std[c]!;
      for (let i = 0; i < plane; i++) out[base + i] = (chip.data[i * 3 + from]! - mean) * scale;
    }
  });
  return new Tensor('float32', out, [chips.length, 3, side, side]);
}

export interface FaceEmbedder {
  spec: FaceEmbedderSpec;
  provider: string;
  /** One embedding per face (landmarks in the image's pixels), in the order given. */
  embed(image: RgbImage, faces: readonly { landmarks: FaceLandmarks }[]): Promise<Float32Array[]>;
  /** Embeddings of chips already aligned (tests, the conversion check). */
  embedChips(chips: readonly RgbImage[]): Promise<Float32Array[]>;
}

/** Faces are embedded in batches of this many (one session.run each). */
const BATCH = 8;

function embedderOf(session: OpenedSession, spec: FaceEmbedderSpec): FaceEmbedder {
  const input = spec.input ?? session.inputNames[0]!;
  const output = spec.output ?? session.outputNames[0]!;
  // Some exports fix the batch at 1 (OpenCV zoo's SFace): then one face per run.
  const fixed = session.inputs[input]?.shape[0];
  const batchSize = typeof fixed === 'number' && fixed > 0 ? fixed : BATCH;
  const embedChips = async (chips: readonly RgbImage[]) => {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < chips.length; start += batchSize) {
      const batch = chips.slice(start, start + batchSize);
      const result = await session.run({ [input]: chipsToTensor(batch, spec) });
      const data = result[output]!.data as Float32Array;
      const dims = data.length / batch.length;
      if (dims !== spec.dims) throw new Error(`${spec.name} gave ${dims} numbers per face, expected ${spec.dims}`);
      for (let n = 0; n < batch.length; n++) vectors.push(Float32Array.from(data.subarray(n * dims, (n + 1) * dims)));
    }
    return vectors;
  };
  return {
    spec,
    provider: session.provider,
    embedChips,
    embed: (image, faces) => embedChips(faces.map((f) => alignFaceChip(image, f.landmarks, spec))),
  };
}

const sessions = new SessionCache(2);

/**
 * Opens a face embedder from its ONNX file (or bytes) and checks the file against the spec: one float image
 * input of the chip's size, an output of `dims` numbers per face. Sessions stay open per worker thread.
 */
export async function openFaceEmbedder(
  spec: FaceEmbedderSpec,
  source: string,
  options: {
    provider?: ProviderChoice;
    /** false: the CPU helpers sleep between steps (photos decoded beside the embedder, as for the detector). */
    spin?: boolean;
  } = {},
): Promise<FaceEmbedder> {
  const provider = options.provider ?? 'cpu';
  const spin = options.spin ?? true;
  // The file's size and time are in the key: a model downloaded again (or replaced) is opened anew.
  const session = await sessions.get(`embedder:${spec.id}:${fileStamp(source)}:${provider}:${spin ? 'spin' : 'sleep'}`, async () => {
    const opened = await openSession(source, { model: spec.name, provider, ...(spin ? {} : { sessionOptions: sleepingHelpers }) });
    const input = spec.input ?? opened.inputNames[0]!;
    const output = spec.output ?? opened.outputNames[0]!;
    expectModelIO(opened, {
      inputs: { [input]: { type: 'float32', rank: 4, shape: [undefined, 3, spec.size, spec.size] } },
      outputs: { [output]: { type: 'float32', rank: 2, shape: [undefined, spec.dims] } },
    });
    return opened;
  });
  return embedderOf(session, spec);
}

// ---------- comparing embeddings ----------

/** The comparison value in the model's metric: cosine similarity, or euclidean distance. */
export function compareEmbeddings(a: Float32Array, b: Float32Array, metric: FaceEmbedderSpec['metric']): number {
  if (a.length !== b.length) throw new Error('embeddings of different models cannot be compared');
  let dot = 0;
  let na = 0;
  let nb = 0;
  let d2 = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
    d2 += (x - y) * (x - y);
  }
  return metric === 'cosine' ? dot / Math.max(1e-12, Math.sqrt(na * nb)) : Math.sqrt(d2);
}

/** True when `value` says "more alike" than `than` in this calibration's direction. */
function alikeDirection(calibration: LikenessCalibration): 1 | -1 {
  return calibration.same >= calibration.different ? 1 : -1;
}

export function verdictFor(value: number, calibration: LikenessCalibration): LikenessVerdict {
  const sign = alikeDirection(calibration);
  if (sign * (value - calibration.same) >= 0) return 'same';
  if (sign * (value - calibration.different) <= 0) return 'different';
  return 'unsure';
}

/** The 0–100 likeness users see: 75 at the "same" threshold, 25 at the "different" one, 50 halfway. */
export function likenessFor(value: number, calibration: LikenessCalibration): number {
  const mid = (calibration.same + calibration.different) / 2;
  const halfWidth = (calibration.same - calibration.different) / 2;
  const k = Math.log(3) / halfWidth;
  const score = 100 / (1 + Math.exp(-k * (value - mid)));
  return Math.round(score * 10) / 10;
}

/** The comparison value a likeness stands for (the inverse of likenessFor), e.g. for a "score ≥ N" gate. */
export function valueForLikeness(likeness: number, calibration: LikenessCalibration): number {
  const p = Math.min(0.9999, Math.max(0.0001, likeness / 100));
  const mid = (calibration.same + calibration.different) / 2;
  const k = Math.log(3) / ((calibration.same - calibration.different) / 2);
  return mid + Math.log(p / (1 - p)) / k;
}
