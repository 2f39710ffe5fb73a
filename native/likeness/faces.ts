import { readFile } from 'node:fs/promises';
import type { Catalog } from '../catalog/catalog';
import type { FaceEmbedder } from '../inference/face-embedder';
import { refineTiltedLandmarks, scaleFace, type FaceDetector } from '../inference/face-landmarks';
import type { RgbImage } from '../inference/image-tensor';
import type { DetectedFace } from '../inference/yunet';
import { decodePhoto, fromRgb, inspectPhoto, type DecodedPhoto } from '../people/decode';
import { thresholds } from '../people/thresholds';
import { ANALYSIS_MAX_SIDE } from '../people/analyse';
import { toStudioError } from '../core/errors';

/** A face found in an image, with its embedding. Box and landmarks are in the image's own (display) pixels. */
export interface EmbeddedFace extends DetectedFace {
  vector: Float32Array;
}

export interface ImageFaces {
  model: string;
  faces: EmbeddedFace[];
}

/** What scoring needs: a face detector and a face embedder. */
export interface LikenessTools {
  detector: FaceDetector;
  embedder: FaceEmbedder;
}

/**
 * Faces read as tilted at least this much are read again on the levelled face before they are aligned (YuNet
 * reads 12° as about 5°; vetting's 8° is too late for a chip). Levelling faces that are upright costs a
 * little: a re-read landmark jitters.
 */
const LEVEL_AT_ROLL = 8;

/** Faces are looked for on the image scaled to at most this side (YuNet was trained around 640 px). */
const DETECT_MAX_SIDE = 640;
/** And embedded from the image decoded at most this large (a 150 px chip needs far less; big scans stay cheap). */
export const EMBED_MAX_SIDE = 1600;

function toBlob(vectors: readonly Float32Array[], dims: number): Buffer {
  const out = Buffer.alloc(vectors.length * dims * 4);
  vectors.forEach((v, i) => {
    for (let j = 0; j < dims; j++) out.writeFloatLE(v[j]!, (i * dims + j) * 4);
  });
  return out;
}

function fromBlob(blob: Buffer, dims: number, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) => {
    const v = new Float32Array(dims);
    for (let j = 0; j < dims; j++) v[j] = blob.readFloatLE((i * dims + j) * 4);
    return v;
  });
}

/** The stored faces of an image for a model (the face_embeddings cache). */
export function storedFaces(catalog: Catalog, hash: string, model: string): ImageFaces | undefined {
  const row = catalog.db.prepare('SELECT faces, vectors, dims FROM face_embeddings WHERE object_hash = ? AND model = ?').get(hash, model) as
    { faces: string; vectors: Buffer; dims: number } | undefined;
  if (!row) return undefined;
  const faces = JSON.parse(row.faces) as DetectedFace[];
  const vectors = fromBlob(row.vectors, row.dims, faces.length);
  return { model, faces: faces.map((f, i) => ({ ...f, vector: vectors[i]! })) };
}

export function storeFaces(catalog: Catalog, hash: string, faces: ImageFaces, dims: number): void {
  catalog.db
    .prepare(
      `INSERT INTO face_embeddings (object_hash, model, faces, vectors, dims, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (object_hash, model) DO UPDATE SET faces = excluded.faces, vectors = excluded.vectors, dims = excluded.dims, created_at = excluded.created_at`,
    )
    .run(
      hash,
      faces.model,
      JSON.stringify(faces.faces.map(({ vector: _vector, ...face }) => face)),
      toBlob(
        faces.faces.map((f) => f.vector),
        dims,
      ),
      dims,
      Date.now(),
    );
}

/** Embeds faces given in display pixels from pixels decoded at `decoded.scale`. */
export async function embedDetected(
  embedder: FaceEmbedder,
  decoded: Pick<DecodedPhoto, 'rgb' | 'scale'>,
  faces: readonly DetectedFace[],
): Promise<EmbeddedFace[]> {
  if (!faces.length) return [];
  const vectors = await embedder.embed(
    decoded.rgb,
    faces.map((f) => scaleFace(f, decoded.scale)),
  );
  return faces.map((f, i) => ({ ...f, vector: vectors[i]! }));
}

/** Detects the faces of decoded pixels (at most DETECT_MAX_SIDE for the detector), largest first, in display pixels. */
export async function detectDecoded(detector: FaceDetector, decoded: Pick<DecodedPhoto, 'rgb' | 'scale'>): Promise<DetectedFace[]> {
  const { rgb } = decoded;
  let input: RgbImage = rgb;
  if (Math.max(rgb.width, rgb.height) > DETECT_MAX_SIDE) {
    const { data, info } = await fromRgb(rgb)
      .resize({ width: DETECT_MAX_SIDE, height: DETECT_MAX_SIDE, fit: 'inside' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    input = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  }
  const toDisplay = rgb.width / input.width / decoded.scale;
  const faces = (await detector.detect(input)).map((f) => scaleFace(f, toDisplay));
  faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  // A tilted head's landmarks read too level, and the chip would come out tilted: 12° of roll cost up to
  // 0.2 of dlib distance on the face-api samples; read again on the levelled face (as vetting does).
  const photo = { image: rgb, scale: decoded.scale };
  return Promise.all(
    faces.map((f) => refineTiltedLandmarks(f, photo, detector, { minRoll: LEVEL_AT_ROLL, minScore: thresholds.detection.minScore })),
  );
}

/**
 * Embeds the faces vetting measured on a person's photo (`measures.faces`, the list the measured face's index
 * points into), from the photo decoded as vetting decodes it. A failure leaves the photo without an embedding
 * (likeness skips it); only a full disk stops the caller.
 */
export async function embedPhotoFaces(
  catalog: Catalog,
  photo: { hash: string; name: string; measures: { faces: DetectedFace[] } },
  embedder: FaceEmbedder,
  decoded?: Pick<DecodedPhoto, 'rgb' | 'scale'>,
): Promise<void> {
  try {
    let pixels = decoded;
    if (!pixels) {
      const bytes = await readFile(catalog.store.pathOf(photo.hash));
      pixels = await decodePhoto(bytes, photo.name, await inspectPhoto(bytes, photo.name), ANALYSIS_MAX_SIDE);
    }
    const faces = await embedDetected(embedder, pixels, photo.measures.faces);
    storeFaces(catalog, photo.hash, { model: embedder.spec.id, faces }, embedder.spec.dims);
  } catch (error) {
    if (toStudioError(error).code === 'DISK_FULL') throw error;
  }
}

/** Faces and embeddings of any image bytes (a file the user names on the command line, a reference photo). */
export async function facesOfBytes(
  tools: LikenessTools,
  bytes: Buffer,
  name: string,
): Promise<{ faces: EmbeddedFace[]; width: number; height: number }> {
  const image = await inspectPhoto(bytes, name);
  const decoded = await decodePhoto(bytes, name, image, EMBED_MAX_SIDE);
  const faces = await embedDetected(tools.embedder, decoded, await detectDecoded(tools.detector, decoded));
  return { faces, width: decoded.width, height: decoded.height };
}

/**
 * The faces of a stored image for the tools' model: from the cache, or detected, embedded and cached now.
 * Returns the display size too (face boxes are in its pixels).
 */
export async function facesOfObject(
  catalog: Catalog,
  hash: string,
  tools: LikenessTools,
  name = hash.slice(0, 12),
): Promise<{ faces: EmbeddedFace[]; width: number; height: number }> {
  const size = catalog.db.prepare('SELECT width, height FROM objects WHERE hash = ?').get(hash) as
    { width: number | null; height: number | null } | undefined;
  const cached = storedFaces(catalog, hash, tools.embedder.spec.id);
  if (cached && size?.width && size.height) return { faces: cached.faces, width: size.width, height: size.height };
  const bytes = await readFile(catalog.store.pathOf(hash));
  const found = await facesOfBytes(tools, bytes, name);
  storeFaces(catalog, hash, { model: tools.embedder.spec.id, faces: found.faces }, tools.embedder.spec.dims);
  return found;
}
