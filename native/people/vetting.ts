import { readFile } from 'node:fs/promises';
import type { StudioErrorShape } from '../api/errors';
import type { CropInfo, VerdictCounts, VettingOutcome } from '../api/namespaces/people';
import type { Person } from '../api/schemas';
import type { Catalog } from '../catalog/catalog';
import { toStudioError } from '../core/errors';
import { installedFaceDetector } from '../inference/face-detector';
import type { FaceDetector } from '../inference/face-landmarks';
import { measurePhoto } from './analyse';
import { cropGeometry, cropInfoOf, cropParamsKey, decodeSideFor, renderCrop } from './crop';
import { decodePhoto, inspectPhoto, type DecodedPhoto } from './decode';
import { judgePhotos } from './judge';
import { PhotosRepository } from './photos-repo';
import { thresholds } from './thresholds';

const peopleDetection = { scoreThreshold: thresholds.detection.minScore, nmsThreshold: thresholds.detection.nmsIoU };

/** The installed face detector, or the reason vetting cannot run (with how to install it). */
export async function loadDetector(catalog: Catalog): Promise<{ detector: FaceDetector; error: null } | { detector: null; error: StudioErrorShape }> {
  try {
    return { detector: await installedFaceDetector(catalog.paths.models, peopleDetection), error: null };
  } catch (error) {
    return { detector: null, error: toStudioError(error).toJSON() };
  }
}

export function readObject(catalog: Catalog, hash: string): Promise<Buffer> {
  return readFile(catalog.store.pathOf(hash));
}

/** Measures one stored photo and records the measures (a failure is recorded on the photo, never thrown). */
export async function measureStoredPhoto(
  catalog: Catalog,
  photo: { id: number; hash: string; name: string },
  detector: FaceDetector,
  data?: Buffer,
): Promise<{ decoded: DecodedPhoto } | { error: StudioErrorShape }> {
  const photos = new PhotosRepository(catalog);
  try {
    const bytes = data ?? (await readObject(catalog, photo.hash));
    const image = await inspectPhoto(bytes, photo.name);
    const { measures, decoded } = await measurePhoto(bytes, photo.name, image, detector);
    photos.setMeasures(photo.id, measures);
    return { decoded };
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
  photos.setJudgements(judgePhotos(photos.measured(personId), person.cropSize));
  return countVerdicts(catalog, personId);
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
  if (pending.length) {
    const loaded = await loadDetector(catalog);
    if (!loaded.detector) {
      status = 'skipped';
      error = loaded.error;
      for (const photo of pending) photos.setVetError(photo.id, loaded.error);
    } else {
      for (const [index, photo] of pending.entries()) {
        options.signal?.throwIfAborted();
        const measured = await measureStoredPhoto(catalog, photo, loaded.detector);
        if ('decoded' in measured) {
          vetted++;
          await ensureCrop(catalog, photo.id, { person, decoded: measured.decoded });
        }
        options.onProgress?.(index + 1, pending.length, photo.name);
        options.onChange?.();
      }
    }
  }
  // Crops for photos measured earlier whose crop is missing or stale (a new crop size, say).
  for (const photo of photos.measured(personId)) {
    options.signal?.throwIfAborted();
    await ensureCrop(catalog, photo.id, { person });
  }
  const counts = judgePerson(catalog, personId);
  return { vetted, status, error, counts };
}
