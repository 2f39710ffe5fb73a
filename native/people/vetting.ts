import { readFile } from 'node:fs/promises';
import type { StudioErrorShape } from '../api/errors';
import type { CropInfo, VerdictCounts, VettingOutcome } from '../api/namespaces/people';
import type { Person } from '../api/namespaces/people';
import type { Catalog } from '../catalog/catalog';
import { toStudioError } from '../core/errors';
import { installedFaceDetector } from '../inference/face-detector';
import type { FaceDetector } from '../inference/face-landmarks';
import type { PhotoMeasures } from '../api/namespaces/people';
import type { FaceEmbedder } from '../inference/face-embedder';
import { activeEmbedderId, embedderSpec, openEmbedder } from '../likeness/embedders';
import { embedPhotoFaces, storedFaces } from '../likeness/faces';
import { buildProfile, matchAgainst, measuredFaceVector, sameFaces, type ReferenceFace } from '../likeness/profile';
import { measurePhoto } from './analyse';
import { cropGeometry, cropInfoOf, cropParamsKey, decodeSideFor, renderCrop } from './crop';
import { decodePhoto, inspectPhoto, type DecodedPhoto } from './decode';
import { countedFaces, judgePhotos, type Judgement } from './judge';
import { PhotosRepository } from './photos-repo';
import { thresholds } from './thresholds';

const peopleDetection = { scoreThreshold: thresholds.detection.minScore, nmsThreshold: thresholds.detection.nmsIoU };

/** The installed face detector, or the reason vetting cannot run (with how to install it). */
export async function loadDetector(catalog: Catalog): Promise<{ detector: FaceDetector; error: null } | { detector: null; error: StudioErrorShape }> {
  try {
    // Photos are decoded beside the detector (see import-job): its helper threads sleep rather than spin.
    return { detector: await installedFaceDetector(catalog.paths.models, peopleDetection, { spin: false }), error: null };
  } catch (error) {
    return { detector: null, error: toStudioError(error).toJSON() };
  }
}

export function readObject(catalog: Catalog, hash: string): Promise<Buffer> {
  return readFile(catalog.store.pathOf(hash));
}

/** The embedder for photos' faces; the built-in one always exists, so a chosen download gone missing leaves likeness out, not vetting. */
export function openPhotoEmbedder(catalog: Catalog): Promise<FaceEmbedder | null> {
  return openEmbedder(catalog).catch(() => null);
}

/** Measures one stored photo and records the measures (a failure is recorded on the photo, never thrown). */
export async function measureStoredPhoto(
  catalog: Catalog,
  photo: { id: number; hash: string; name: string },
  detector: FaceDetector,
  data?: Buffer,
  options: { embedder?: FaceEmbedder | null; chosenFace?: number; chosenBy?: 'likeness' | 'user' } = {},
): Promise<{ decoded: DecodedPhoto; measures: PhotoMeasures } | { error: StudioErrorShape }> {
  const photos = new PhotosRepository(catalog);
  try {
    const bytes = data ?? (await readObject(catalog, photo.hash));
    const image = await inspectPhoto(bytes, photo.name);
    const { measures, decoded } = await measurePhoto(bytes, photo.name, image, detector, options.chosenFace, options.chosenBy);
    photos.setMeasures(photo.id, measures);
    if (options.embedder) await embedPhotoFaces(catalog, { hash: photo.hash, name: photo.name, measures }, options.embedder, decoded);
    return { decoded, measures };
  } catch (error) {
    const shape = toStudioError(error).toJSON();
    if (shape.code === 'DISK_FULL') throw error;
    photos.setVetError(photo.id, shape);
    return { error: shape };
  }
}

/** Re-judges all of a person's measured photos from their stored measures (cheap: no pixels are read). */
export function judgePerson(catalog: Catalog, personId: number): VerdictCounts {
  const person = catalog.people.get(personId);
  const photos = new PhotosRepository(catalog);
  const measured = photos.measured(personId);
  // Judged on their own first; a photo unlike the others (judged from these verdicts) is judged again with the flag.
  const own = judgePhotos(measured, person.cropSize);
  const unlike = unlikePhotos(catalog, measured, own);
  photos.setJudgements(unlike.size ? judgePhotos(measured, person.cropSize, unlike) : own);
  return countVerdicts(catalog, personId);
}

/**
 * Photos whose face is unlike the rest of the person's usable photos (the profile's outliers): compared
 * from stored embeddings, so this is cheap. Photos rejected for other reasons do not vote.
 */
function unlikePhotos(
  catalog: Catalog,
  measured: { id: number; name: string; hash: string; measures: PhotoMeasures }[],
  own: Map<number, Judgement>,
): Map<number, number> {
  let spec;
  try {
    spec = embedderSpec(activeEmbedderId(catalog));
  } catch {
    return new Map(); // a chosen model gone from the registry: vetting goes on without the likeness check
  }
  const faces: ReferenceFace[] = [];
  for (const photo of measured) {
    if (own.get(photo.id)?.verdict === 'rejected') continue;
    const vector = measuredFaceVector(catalog, photo, spec.id);
    if (vector) faces.push({ photoId: photo.id, hash: photo.hash, name: photo.name, vector });
  }
  const profile = buildProfile(faces, spec);
  return new Map(profile.outliers.map((o) => [o.face.photoId!, o.likeness]));
}

/**
 * In a photo of several people, the face to use is the one that looks like the person's other photos (not
 * merely the largest): the faces of each group photo are compared with the single-face photos, and a face
 * that matches ("same") is measured instead. Returns how many photos changed their face.
 */
async function chooseFacesByLikeness(
  catalog: Catalog,
  personId: number,
  detector: FaceDetector,
  embedder: FaceEmbedder,
  signal?: AbortSignal,
): Promise<number> {
  const photos = new PhotosRepository(catalog);
  const spec = embedder.spec;
  const measured = photos.measured(personId);
  const counted = (m: PhotoMeasures) => countedFaces(m).length;
  // The person's clear photos: one face, not rejected, not flagged as maybe someone else.
  const verdicts = new Map(
    (
      catalog.db.prepare('SELECT id, coalesce(override_verdict, verdict) AS verdict, reasons FROM photos WHERE person_id = ?').all(personId) as {
        id: number;
        verdict: string | null;
        reasons: string;
      }[]
    ).map((r) => [r.id, r]),
  );
  const usable = (id: number) => {
    const row = verdicts.get(id);
    return row?.verdict !== 'rejected' && !row?.reasons.includes('"unlike-others"');
  };
  const singles: ReferenceFace[] = measured.flatMap((p) => {
    if (counted(p.measures) !== 1 || !usable(p.id)) return [];
    const vector = measuredFaceVector(catalog, p, spec.id);
    return vector ? [{ photoId: p.id, hash: p.hash, name: p.name, vector }] : [];
  });
  if (singles.length < 2) return 0;
  let changed = 0;
  for (const photo of measured) {
    signal?.throwIfAborted();
    // Chosen already: by likeness in an earlier run, or by the user (whose choice stands).
    if (counted(photo.measures) < 2 || photo.measures.faceChosenBy === 'likeness' || photo.measures.faceChosenBy === 'user') continue;
    const stored = storedFaces(catalog, photo.hash, spec.id);
    if (!stored) continue;
    if (!sameFaces(stored.faces, photo.measures.faces)) continue;
    // Only faces that count as people (a weak detection is often a pattern, not a face).
    const ranked = stored.faces
      .map((face, index) => ({ index, face, match: matchAgainst(face.vector, singles, spec) }))
      .filter((f) => f.face.score >= thresholds.detection.otherFaceMinScore)
      .sort((a, b) => b.match.score - a.match.score);
    const best = ranked[0];
    if (!best || best.match.verdict !== 'same' || best.index === photo.measures.measuredFace) continue;
    if (ranked[1] && ranked[1].match.verdict === 'same') continue; // two faces alike: no clear answer
    const result = await measureStoredPhoto(catalog, photo, detector, undefined, { chosenFace: best.index });
    if ('decoded' in result) {
      changed++;
      await ensureCrop(catalog, photo.id, { decoded: result.decoded });
    }
  }
  return changed;
}

export function countVerdicts(catalog: Catalog, personId: number): VerdictCounts {
  const rows = catalog.db
    .prepare(
      `SELECT coalesce(override_verdict, verdict, 'unvetted') AS v, count(*) AS n FROM photos
       WHERE person_id = ? AND removed_at IS NULL GROUP BY 1`,
    )
    .all(personId) as { v: keyof VerdictCounts; n: number }[];
  const counts: VerdictCounts = { accepted: 0, rejected: 0, review: 0, unvetted: 0 };
  for (const row of rows) counts[row.v] = row.n;
  return counts;
}

/**
 * The photo's crop at the person's size, rendered when missing or stale (face, nudge, policy or size changed).
 * `decoded` avoids a second decode when the caller has the photo's pixels already.
 */
export async function ensureCrop(
  catalog: Catalog,
  photoId: number,
  options: { person?: Person; decoded?: DecodedPhoto; data?: Buffer } = {},
): Promise<{ hash: string; info: CropInfo }> {
  const photos = new PhotosRepository(catalog);
  const source = photos.cropSource(photoId);
  const person = options.person ?? catalog.people.get(source.personId);
  const size = person.cropSize;
  const measures = source.measures;
  const face = measures && measures.measuredFace !== null ? measures.faces[measures.measuredFace]! : null;
  const key = cropParamsKey({ size, padding: person.cropPadding, face, nudge: source.nudge });
  const existing = photos.crop(photoId, size);
  if (existing?.paramsKey === key && catalog.store.has(existing.hash)) return { hash: existing.hash, info: existing.info };

  const geometry = cropGeometry({ width: source.width, height: source.height, face, nudge: source.nudge, padding: person.cropPadding });
  const needed = decodeSideFor(geometry, source, size);
  let decoded = options.decoded;
  if (!decoded || Math.max(decoded.rgb.width, decoded.rgb.height) + 1 < needed) {
    const data = options.data ?? (await readObject(catalog, source.hash));
    decoded = await decodePhoto(data, source.name, source, needed);
  }
  const png = await renderCrop(decoded, geometry, size);
  const info = cropInfoOf(geometry, size);
  const stored = await catalog.store.putBuffer(png);
  catalog.db.transaction(() => {
    catalog.addObject({ hash: stored.hash, size: stored.size, mime: 'image/png', width: size, height: size });
    photos.putCrop(photoId, size, key, stored.hash, info);
  })();
  return { hash: stored.hash, info };
}

export interface VetProgress {
  (done: number, total: number, name: string): void;
}

/**
 * Measures the person's photos that need it (all with `force`), renders their crops, then judges them all.
 * Without an installed detector nothing is measured: the photos keep "not vetted" with the reason.
 */
export async function vetPerson(
  catalog: Catalog,
  personId: number,
  options: { force?: boolean; signal?: AbortSignal; onProgress?: VetProgress; onChange?: () => void } = {},
): Promise<VettingOutcome> {
  const person = catalog.people.get(personId);
  const photos = new PhotosRepository(catalog);
  const pending = photos.toMeasure(personId, options.force ?? false);
  let vetted = 0;
  let status: VettingOutcome['status'] = 'done';
  let error: StudioErrorShape | null = null;
  // The detector is wanted for what is pending, and for choosing faces in group photos by likeness.
  const loaded = await loadDetector(catalog);
  const embedder = loaded.detector ? await openPhotoEmbedder(catalog) : null;
  if (pending.length) {
    if (!loaded.detector) {
      status = 'skipped';
      error = loaded.error;
      for (const photo of pending) photos.setVetError(photo.id, loaded.error);
    } else {
      for (const [index, photo] of pending.entries()) {
        options.signal?.throwIfAborted();
        // The face the user chose in a group photo, else Likeness chooses.
        const chosen = photo.chosenFace !== null ? { chosenFace: photo.chosenFace, chosenBy: 'user' as const } : {};
        const measured = await measureStoredPhoto(catalog, photo, loaded.detector, undefined, { embedder, ...chosen });
        if ('decoded' in measured) {
          vetted++;
          await ensureCrop(catalog, photo.id, { person, decoded: measured.decoded });
        }
        options.onProgress?.(index + 1, pending.length, photo.name);
        options.onChange?.();
      }
    }
  }
  if (loaded.detector && embedder) await chooseFacesByLikeness(catalog, personId, loaded.detector, embedder, options.signal);
  // Crops for photos measured earlier whose crop is missing or stale (a new crop size, say).
  for (const photo of photos.measured(personId)) {
    options.signal?.throwIfAborted();
    await ensureCrop(catalog, photo.id, { person });
  }
  const counts = judgePerson(catalog, personId);
  return { vetted, status, error, counts };
}
