import { createHash } from 'node:crypto';
import type { PhotoMeasures } from '../api/namespaces/people';
import { StudioError } from '../api/errors';
import type { Catalog } from '../catalog/catalog';
import { compareEmbeddings, likenessFor, verdictFor, type FaceEmbedderSpec, type LikenessVerdict } from '../inference/face-embedder';
import { storedFaces } from './faces';

/** One reference face: a face of an accepted photo (or a photo the user picked), with its embedding. */
export interface ReferenceFace {
  /** The photo it came from (null for an ad-hoc reference file). */
  photoId: number | null;
  hash: string;
  name: string;
  vector: Float32Array;
}

/**
 * What "looks like the person" is measured against: the reference faces that agree with each other (a photo
 * unlike all the others is left out and named), how tightly they agree, and a key that changes whenever the
 * references or the model change (stored scores with another key are stale).
 */
export interface IdentityProfile {
  model: string;
  key: string;
  members: ReferenceFace[];
  /** References left out: unlike the rest of the set (maybe someone else), with their likeness to it. */
  outliers: { face: ReferenceFace; likeness: number }[];
  /** Each kept member's likeness to the others (the most typical first: the best reference photo). */
  typicality: { face: ReferenceFace; likeness: number }[];
  /** Spread of the members' likeness to each other (0–100 points; small = a consistent set). */
  spread: number;
}

export interface LikenessMatch {
  /** The comparison value in the model's metric (mean over the profile's members). */
  value: number;
  /** 0–100. */
  score: number;
  verdict: LikenessVerdict;
}

/** Compares one embedding with a set of reference faces: the mean of its values to each (pairwise-calibrated). */
export function matchAgainst(vector: Float32Array, members: readonly ReferenceFace[], spec: FaceEmbedderSpec): LikenessMatch {
  if (!members.length) throw new Error('an identity profile needs at least one reference face');
  let sum = 0;
  for (const m of members) sum += compareEmbeddings(vector, m.vector, spec.metric);
  const value = sum / members.length;
  return { value, score: likenessFor(value, spec.calibration), verdict: verdictFor(value, spec.calibration) };
}

/** Fewer references than this and nobody can be outvoted: with 3, one odd photo is 1 against 2. */
const MIN_FOR_OUTLIERS = 3;

/**
 * Builds a profile from reference faces: each face is compared with all the others; a face whose mean
 * likeness to the rest says "different" is left out as a possible other person (at most a third of the set,
 * the least alike first, so a set of two people is not emptied).
 */
export function buildProfile(faces: readonly ReferenceFace[], spec: FaceEmbedderSpec): IdentityProfile {
  // The key changes with anything a score depends on: the model, and each reference face's embedding (a new
  // photo, another face chosen in a group photo, a re-measured face).
  const hash = createHash('sha256').update(spec.id);
  for (const face of [...faces].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0))) {
    hash.update(face.hash).update(new Uint8Array(face.vector.buffer, face.vector.byteOffset, face.vector.byteLength));
  }
  const key = hash.digest('hex').slice(0, 16);
  // Every pair compared once; leave-one-out means are sums minus the face itself (300 faces: ~45k comparisons).
  const n = faces.length;
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) values[i * n + j] = values[j * n + i] = compareEmbeddings(faces[i]!.vector, faces[j]!.vector, spec.metric);
  const likenessAmong = (i: number, among: readonly number[]) => {
    const others = among.filter((j) => j !== i);
    if (!others.length) return 100;
    return likenessFor(others.reduce((sum, j) => sum + values[i * n + j]!, 0) / others.length, spec.calibration);
  };
  const everyone = faces.map((_, i) => i);
  const outliers: IdentityProfile['outliers'] = [];
  if (n >= MIN_FOR_OUTLIERS) {
    const different = likenessFor(spec.calibration.different, spec.calibration);
    const unlike = everyone
      .map((i) => ({ i, likeness: likenessAmong(i, everyone) }))
      .filter((f) => f.likeness <= different)
      .sort((a, b) => a.likeness - b.likeness)
      .slice(0, Math.floor(n / 3));
    outliers.push(...unlike.map((u) => ({ face: faces[u.i]!, likeness: u.likeness })));
  }
  const left = new Set(outliers.map((o) => o.face));
  const kept = everyone.filter((i) => !left.has(faces[i]!));
  const members = kept.map((i) => faces[i]!);
  const typicality = kept.map((i) => ({ face: faces[i]!, likeness: likenessAmong(i, kept) })).sort((a, b) => b.likeness - a.likeness);
  const mean = typicality.reduce((s, t) => s + t.likeness, 0) / Math.max(1, typicality.length);
  const spread = Math.sqrt(typicality.reduce((s, t) => s + (t.likeness - mean) ** 2, 0) / Math.max(1, typicality.length));
  return { model: spec.id, key, members, outliers, typicality, spread: Math.round(spread * 10) / 10 };
}

/** A person's reference photos: the accepted photos of the latest frozen version, or of the working set while none is frozen. */
export function referencePhotos(
  catalog: Catalog,
  personId: number,
  version?: number,
): { id: number; hash: string; name: string; measures: PhotoMeasures; version: number | null }[] {
  const latest = (
    version === undefined
      ? catalog.db.prepare('SELECT id, version FROM sample_sets WHERE person_id = ? ORDER BY version DESC LIMIT 1').get(personId)
      : catalog.db.prepare('SELECT id, version FROM sample_sets WHERE person_id = ? AND version = ?').get(personId, version)
  ) as { id: number; version: number } | undefined;
  if (version !== undefined && !latest) {
    throw new StudioError(
      'NOT_FOUND',
      `${catalog.people.get(personId).name} has no version ${version}.`,
      'See the versions with: likeness people show NAME',
    );
  }
  const rows = (
    latest
      ? catalog.db
          .prepare(
            `SELECT p.id, p.object_hash AS hash, p.original_name AS name, p.measures FROM sample_set_items i JOIN photos p ON p.id = i.photo_id
             WHERE i.sample_set_id = ? ORDER BY i.position`,
          )
          .all(latest.id)
      : catalog.db
          .prepare(
            `SELECT id, object_hash AS hash, original_name AS name, measures FROM photos
             WHERE person_id = ? AND removed_at IS NULL AND coalesce(override_verdict, verdict) = 'accepted' ORDER BY id`,
          )
          .all(personId)
  ) as { id: number; hash: string; name: string; measures: string }[];
  return rows.map((r) => ({
    id: r.id,
    hash: r.hash,
    name: r.name,
    measures: JSON.parse(r.measures) as PhotoMeasures,
    version: latest?.version ?? null,
  }));
}

/**
 * The embedding of a photo's measured face, from the cache (undefined when it was not embedded yet, or the
 * cache holds another list of faces: the same file found as an output, detected at another size).
 */
export function measuredFaceVector(
  catalog: Catalog,
  photo: { hash: string; measures: PhotoMeasures },
  model: string,
): Float32Array | null | undefined {
  const index = photo.measures.measuredFace;
  if (index === null || index === undefined) return null;
  const stored = storedFaces(catalog, photo.hash, model);
  if (!stored || !sameFaces(stored.faces, photo.measures.faces)) return undefined;
  return stored.faces[index]?.vector ?? null;
}

/** Two face lists of one image describe the same faces in the same order (boxes within a pixel or two). */
export function sameFaces(a: readonly { box: { x: number; y: number } }[], b: readonly { box: { x: number; y: number } }[]): boolean {
  return a.length === b.length && a.every((f, i) => Math.abs(f.box.x - b[i]!.box.x) <= 2 && Math.abs(f.box.y - b[i]!.box.y) <= 2);
}

/**
 * The person's profile from stored embeddings; `missing` lists reference photos whose faces were not
 * embedded with this model yet (the scoring job embeds them first).
 */
export function personProfile(
  catalog: Catalog,
  personId: number,
  spec: FaceEmbedderSpec,
  version?: number,
): { profile: IdentityProfile | null; missing: { id: number; hash: string; name: string; measures: PhotoMeasures }[]; version: number | null } {
  const photos = referencePhotos(catalog, personId, version);
  const faces: ReferenceFace[] = [];
  const missing: { id: number; hash: string; name: string; measures: PhotoMeasures }[] = [];
  for (const photo of photos) {
    const vector = measuredFaceVector(catalog, photo, spec.id);
    if (vector === undefined) missing.push(photo);
    else if (vector) faces.push({ photoId: photo.id, hash: photo.hash, name: photo.name, vector });
  }
  return { profile: faces.length ? buildProfile(faces, spec) : null, missing, version: photos[0]?.version ?? null };
}
