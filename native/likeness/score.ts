import type { Catalog } from '../catalog/catalog';
import { loadDetector } from '../people/vetting';
import { StudioError } from '../api/errors';
import { LIKENESS_SAME, type LikenessScore } from '../api/namespaces/likeness';
import { verdictFor } from '../inference/face-embedder';
import { activeEmbedderId, embedderSpec, openEmbedder } from './embedders';
import { embedPhotoFaces, facesOfObject, type EmbeddedFace, type LikenessTools } from './faces';
import { buildProfile, matchAgainst, personProfile, type IdentityProfile, type LikenessMatch, type ReferenceFace } from './profile';

/** The detector and the library's chosen embedder, or a MODEL_ERROR saying what to install. */
export async function likenessTools(catalog: Catalog, model: string = activeEmbedderId(catalog)): Promise<LikenessTools> {
  const loaded = await loadDetector(catalog);
  if (!loaded.detector) throw new StudioError(loaded.error.code, loaded.error.message, loaded.error.hint ?? undefined);
  return { detector: loaded.detector, embedder: await openEmbedder(catalog, model) };
}

/** What an output is compared with: its person's profile, or the photo a restoration was made from. */
export type LikenessReference = { kind: 'person'; personId: number } | { kind: 'original'; hash: string } | { kind: 'outputs'; ids: number[] };

export function referenceName(reference: LikenessReference): string {
  if (reference.kind === 'person') return `person:${reference.personId}`;
  if (reference.kind === 'original') return `original:${reference.hash}`;
  return `outputs:${[...reference.ids].sort((a, b) => a - b).join(',')}`;
}

/** The reference a stored score names (the inverse of referenceName). */
export function parseReference(name: string): LikenessReference | null {
  const [kind, value = ''] = name.split(':');
  if (kind === 'person' && /^\d+$/.test(value)) return { kind: 'person', personId: Number(value) };
  if (kind === 'original' && /^[0-9a-f]{64}$/.test(value)) return { kind: 'original', hash: value };
  if (kind === 'outputs' && /^\d+(,\d+)*$/.test(value)) return { kind: 'outputs', ids: value.split(',').map(Number) };
  return null;
}

/** The best-matching face of an image against reference faces (the person may be one of several). */
export function bestFace(
  faces: readonly EmbeddedFace[],
  members: readonly ReferenceFace[],
  tools: Pick<LikenessTools, 'embedder'>,
): { face: EmbeddedFace; match: LikenessMatch } | null {
  let best: { face: EmbeddedFace; match: LikenessMatch } | null = null;
  for (const face of faces) {
    const match = matchAgainst(face.vector, members, tools.embedder.spec);
    if (!best || match.score > best.match.score) best = { face, match };
  }
  return best;
}

/**
 * Embeds the person's reference photos that have no embedding for the model yet (photos vetted before
 * likeness existed, or a new model), then returns the profile.
 */
export async function ensurePersonProfile(
  catalog: Catalog,
  personId: number,
  tools: LikenessTools,
  signal?: AbortSignal,
  version?: number,
): Promise<IdentityProfile | null> {
  const spec = tools.embedder.spec;
  const first = personProfile(catalog, personId, spec, version);
  if (!first.missing.length) return first.profile;
  for (const photo of first.missing) {
    signal?.throwIfAborted();
    await embedPhotoFaces(catalog, photo, tools.embedder);
  }
  return personProfile(catalog, personId, spec, version).profile;
}

/** The reference faces of a restoration's original: its largest face (the one restored). */
async function originalProfile(catalog: Catalog, hash: string, tools: LikenessTools): Promise<IdentityProfile | null> {
  const { faces } = await facesOfObject(catalog, hash, tools);
  if (!faces.length) return null;
  return buildProfile(
    faces.slice(0, 1).map((f) => ({ photoId: null, hash, name: 'original', vector: f.vector })),
    tools.embedder.spec,
  );
}

export async function profileFor(
  catalog: Catalog,
  reference: LikenessReference,
  tools: LikenessTools,
  signal?: AbortSignal,
): Promise<IdentityProfile | null> {
  if (reference.kind === 'person') return ensurePersonProfile(catalog, reference.personId, tools, signal);
  if (reference.kind === 'original') return originalProfile(catalog, reference.hash, tools);
  return picturesProfile(catalog, reference.ids, tools);
}

/** Pictures the user picked as the reference: the largest face of each. */
async function picturesProfile(catalog: Catalog, ids: readonly number[], tools: LikenessTools): Promise<IdentityProfile | null> {
  const faces: ReferenceFace[] = [];
  for (const output of catalog.outputs.summaries(ids)) {
    const found = await facesOfObject(catalog, output.hash, tools, output.originalName ?? undefined);
    if (found.faces[0]) faces.push({ photoId: null, hash: output.hash, name: output.originalName ?? `#${output.id}`, vector: found.faces[0].vector });
  }
  return faces.length ? buildProfile(faces, tools.embedder.spec) : null;
}

/** The key a stored score was made against: the reference and its profile (which names the model). */
export function referenceKey(reference: LikenessReference, profile: IdentityProfile): string {
  return `${referenceName(reference)}:${profile.key}`;
}

interface LikenessRow {
  output_id: number;
  person_id: number | null;
  reference: string;
  reference_key: string;
  model: string;
  score: number | null;
  value: number | null;
  verdict: LikenessScore['verdict'];
  face: string | null;
  faces: number;
  frames: string | null;
  scored_at: number;
}

function toScore(row: LikenessRow): LikenessScore {
  return {
    outputId: row.output_id,
    personId: row.person_id,
    reference: row.reference,
    model: row.model,
    score: row.score,
    value: row.value,
    verdict: row.verdict,
    face: row.face ? (JSON.parse(row.face) as LikenessScore['face']) : null,
    faces: row.faces,
    frames: row.frames ? (JSON.parse(row.frames) as LikenessScore['frames']) : null,
    scoredAt: row.scored_at,
  };
}

export function storedScore(catalog: Catalog, outputId: number): (LikenessScore & { referenceKey: string }) | undefined {
  const row = catalog.db.prepare('SELECT * FROM output_likeness WHERE output_id = ?').get(outputId) as LikenessRow | undefined;
  return row ? { ...toScore(row), referenceKey: row.reference_key } : undefined;
}

export function storedScores(catalog: Catalog, ids: readonly number[]): LikenessScore[] {
  if (!ids.length) return [];
  const rows = catalog.db
    .prepare('SELECT * FROM output_likeness WHERE output_id IN (SELECT value FROM json_each(?))')
    .all(JSON.stringify(ids)) as LikenessRow[];
  return rows.map(toScore);
}

function writeScore(catalog: Catalog, row: LikenessRow): void {
  catalog.db
    .prepare(
      `INSERT INTO output_likeness (output_id, person_id, reference, reference_key, model, score, value, verdict, face, faces, frames, scored_at)
       VALUES (@output_id, @person_id, @reference, @reference_key, @model, @score, @value, @verdict, @face, @faces, @frames, @scored_at)
       ON CONFLICT (output_id) DO UPDATE SET person_id = excluded.person_id, reference = excluded.reference, reference_key = excluded.reference_key,
         model = excluded.model, score = excluded.score, value = excluded.value, verdict = excluded.verdict, face = excluded.face,
         faces = excluded.faces, frames = excluded.frames, scored_at = excluded.scored_at`,
    )
    .run(row);
}

/** Scores one image against a profile (faces from the cache or found now) and stores the score. */
export async function scoreImage(
  catalog: Catalog,
  output: { id: number; hash: string; name?: string | null },
  reference: LikenessReference,
  profile: IdentityProfile,
  tools: LikenessTools,
): Promise<LikenessScore> {
  const { faces, width, height } = await facesOfObject(catalog, output.hash, tools, output.name ?? undefined);
  const best = bestFace(faces, profile.members, tools);
  const row: LikenessRow = {
    output_id: output.id,
    person_id: reference.kind === 'person' ? reference.personId : null,
    reference: referenceName(reference),
    reference_key: referenceKey(reference, profile),
    model: tools.embedder.spec.id,
    score: best ? best.match.score : null,
    value: best ? Math.round(best.match.value * 1e4) / 1e4 : null,
    verdict: best ? best.match.verdict : 'no-face',
    face: best
      ? JSON.stringify({
          x: best.face.box.x / width,
          y: best.face.box.y / height,
          width: best.face.box.width / width,
          height: best.face.box.height / height,
        })
      : null,
    faces: faces.length,
    frames: null,
    scored_at: Date.now(),
  };
  writeScore(catalog, row);
  return toScore(row);
}

/**
 * Stores a clip's score from sampled frames' scores: the mean is the score, the worst is kept beside it. A clip
 * is "same" only when it looks like the person on average and never drops below "could be" (50).
 */
export function writeClipScore(
  catalog: Catalog,
  output: { id: number },
  reference: LikenessReference,
  profile: IdentityProfile,
  model: string,
  frames: readonly (LikenessMatch | null)[],
): LikenessScore {
  const scored = frames.filter((f): f is LikenessMatch => f !== null);
  const mean = scored.length ? scored.reduce((s, f) => s + f.score, 0) / scored.length : null;
  const worst = scored.length ? Math.min(...scored.map((f) => f.score)) : null;
  const meanValue = scored.length ? scored.reduce((s, f) => s + f.value, 0) / scored.length : null;
  const spec = embedderSpec(model);
  const verdict: LikenessScore['verdict'] =
    mean === null
      ? 'no-face'
      : mean >= LIKENESS_SAME && worst! >= 50
        ? 'same'
        : meanValue !== null && verdictFor(meanValue, spec.calibration) === 'different'
          ? 'different'
          : 'unsure';
  const row: LikenessRow = {
    output_id: output.id,
    person_id: reference.kind === 'person' ? reference.personId : null,
    reference: referenceName(reference),
    reference_key: referenceKey(reference, profile),
    model,
    score: mean === null ? null : Math.round(mean * 10) / 10,
    value: meanValue === null ? null : Math.round(meanValue * 1e4) / 1e4,
    verdict,
    face: null,
    faces: scored.length ? 1 : 0,
    frames: JSON.stringify({ sampled: frames.length, withFace: scored.length, mean: mean === null ? null : Math.round(mean * 10) / 10, worst }),
    scored_at: Date.now(),
  };
  writeScore(catalog, row);
  return toScore(row);
}
