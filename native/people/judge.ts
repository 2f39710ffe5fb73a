import type { Face, PhotoMeasures, Reason, ReasonCode, Severity, Verdict } from '../api/namespaces/people';
import { hammingDistance } from './measure';
import { thresholds } from './thresholds';

/**
 * Verdicts from measures: pure and cheap, so they are recomputed whenever the person's photos or crop size
 * change (near-duplicates depend on the other photos). Reasons are codes with display-ready parameters.
 */

export interface JudgeInput {
  id: number;
  name: string;
  measures: PhotoMeasures;
}

export interface Judgement {
  verdict: Verdict;
  reasons: Reason[];
}

const severityRank: Record<Severity, number> = { reject: 0, review: 1, info: 2 };
const r1 = (v: number) => Math.round(v * 10) / 10;
const percent = (v: number) => Math.round(v * 100);

function reason(code: ReasonCode, severity: Severity, params: Reason['params'] = {}): Reason {
  return { code, severity, params };
}

export function verdictOf(reasons: readonly Reason[]): Verdict {
  if (reasons.some((r) => r.severity === 'reject')) return 'rejected';
  if (reasons.some((r) => r.severity === 'review')) return 'review';
  return 'accepted';
}

function positionOf(face: Face, width: number): 'left' | 'centre' | 'right' {
  const x = (face.box.x + face.box.width / 2) / width;
  return x < 0.38 ? 'left' : x > 0.62 ? 'right' : 'centre';
}

/** The faces that count as people (weaker detections are often patterns, not faces). */
export function countedFaces(measures: PhotoMeasures): Face[] {
  return measures.faces.filter((f) => f.score >= thresholds.detection.otherFaceMinScore);
}

/** The face a crop is built around: the only confident face, or one that clearly dominates; else none. */
export function mainFaceOf(measures: PhotoMeasures): { face: Face; index: number; others: Face[] } | { face: null; others: Face[] } {
  const counted = countedFaces(measures);
  const index = measures.measuredFace;
  if (index === null) return { face: null, others: [] };
  const face = measures.faces[index]!;
  const others = counted.filter((f) => f !== face);
  if (measures.faceChosenBy === 'likeness' || measures.faceChosenBy === 'user') return { face, index, others };
  const dominant = others.every((o) => face.box.height >= thresholds.detection.dominantHeightRatio * o.box.height);
  return dominant ? { face, index, others } : { face: null, others };
}

/** The crop square's side in source pixels for a face (before any nudge or border policy). */
export function cropSideFor(face: Face): number {
  return thresholds.cropSideToFace * face.box.height;
}

function overlapShare(face: Face, cx: number, cy: number, side: number): number {
  const x1 = Math.max(face.box.x, cx - side / 2);
  const y1 = Math.max(face.box.y, cy - side / 2);
  const x2 = Math.min(face.box.x + face.box.width, cx + side / 2);
  const y2 = Math.min(face.box.y + face.box.height, cy + side / 2);
  return (Math.max(0, x2 - x1) * Math.max(0, y2 - y1)) / Math.max(1, face.box.width * face.box.height);
}

/** Of two near-duplicates, one this much sharper (relative) is kept whatever their sizes. */
const DUPLICATE_SHARPER = 0.15;

/** One photo on its own (everything except near-duplicates). */
export function judgePhoto(measures: PhotoMeasures, cropSize: number): Reason[] {
  const t = thresholds;
  const reasons: Reason[] = [];
  const counted = countedFaces(measures);

  if (measures.measuredFace === null || !measures.face) {
    reasons.push(reason('no-face', 'reject'));
  } else {
    const main = mainFaceOf(measures);
    const face = measures.faces[measures.measuredFace]!;
    if (!main.face) {
      reasons.push(reason('several-faces', 'reject', { count: counted.length }));
    } else if (main.others.length > 0) {
      const chosen = measures.faceChosenBy === 'user' ? 'chosen-face' : measures.faceChosenBy === 'likeness' ? 'matched-face' : 'main-face';
      reasons.push(reason(chosen, 'info', { count: counted.length, position: positionOf(face, measures.width) }));
      const side = cropSideFor(face);
      const cx = face.box.x + face.box.width / 2;
      const cy = face.box.y + face.box.height / 2;
      if (main.others.some((o) => overlapShare(o, cx, cy, side) > 0.2)) reasons.push(reason('other-face-in-crop', 'review'));
    }
    if (face.score < t.detection.confidentScore) reasons.push(reason('low-confidence', 'review', { score: percent(face.score) }));

    const m = measures.face;
    const enlarge = cropSize / cropSideFor(face);
    const sizeParams = { px: Math.round(m.heightPx), cropSize, factor: r1(enlarge), share: Math.round(m.share * 1000) / 10 };
    if (m.heightPx < t.faceSize.minHeightPx || enlarge > t.faceSize.enlargeReject) reasons.push(reason('face-too-small', 'reject', sizeParams));
    else if (enlarge > t.faceSize.enlargeReview) reasons.push(reason('face-small', 'review', sizeParams));
    else if (enlarge > t.faceSize.enlargeNote) reasons.push(reason('face-enlarged', 'info', sizeParams));
    if (m.outside > t.faceSize.maxOutside) reasons.push(reason('face-cut-off', 'review', { share: percent(m.outside) }));

    const sharpness = { value: Math.round(m.sharpness * 1000) / 1000 };
    if (m.sharpness < t.sharpness.reject) reasons.push(reason('blurred', 'reject', { ...sharpness, limit: t.sharpness.reject }));
    else if (m.sharpness < t.sharpness.review) reasons.push(reason('soft', 'review', { ...sharpness, limit: t.sharpness.review }));

    const e = m.exposure;
    if (e.highlights > t.exposure.highlightsReject) reasons.push(reason('overexposed', 'reject', { share: percent(e.highlights) }));
    else if (e.highlights > t.exposure.highlightsReview) reasons.push(reason('overexposed', 'review', { share: percent(e.highlights) }));
    if (e.shadows > t.exposure.shadowsReject) reasons.push(reason('underexposed', 'reject', { share: percent(e.shadows) }));
    else if (e.shadows > t.exposure.shadowsReview) reasons.push(reason('underexposed', 'review', { share: percent(e.shadows) }));
    else if (e.brightness < t.exposure.darkReview) reasons.push(reason('dark', 'review', { value: Math.round(e.brightness) }));
    if (e.contrast < t.exposure.lowContrastReview) reasons.push(reason('low-contrast', 'review', { value: percent(e.contrast) }));

    const yaw = Math.abs(m.yaw);
    if (yaw >= t.pose.yawReview) reasons.push(reason('profile', 'review', { degrees: Math.round(yaw) }));
    else if (yaw >= t.pose.yawNote) reasons.push(reason('turned', 'info', { degrees: Math.round(yaw) }));
    const roll = Math.abs(m.roll);
    if (roll >= t.pose.rollReview) reasons.push(reason('tilted', 'review', { degrees: Math.round(roll) }));
    else if (roll >= t.pose.rollNote) reasons.push(reason('tilted', 'info', { degrees: Math.round(roll) }));
  }

  if (measures.tone.kind !== 'colour') reasons.push(reason(measures.tone.kind, 'info'));
  return reasons;
}

const verdictRank: Record<Verdict, number> = { accepted: 0, review: 1, rejected: 2 };

/**
 * Judges all of a person's photos: each on its own, then near-duplicates (perceptual hash) grouped; the
 * best of a group is kept — better verdict, then clearly sharper (an upscaled copy is larger but has no more
 * detail: measured at the same height it reads softer than its original), then larger face, then sharper,
 * then earlier — and the rest are rejected naming the one kept.
 */
export function judgePhotos(
  photos: readonly JudgeInput[],
  cropSize: number,
  /** Photos whose face is unlike the rest of the person's photos, with their likeness to them (see likeness/). */
  unlike: ReadonlyMap<number, number> = new Map(),
): Map<number, Judgement> {
  const own = new Map(
    photos.map((p) => {
      const reasons = judgePhoto(p.measures, cropSize);
      const likeness = unlike.get(p.id);
      if (likeness !== undefined) reasons.push(reason('unlike-others', 'review', { likeness: Math.round(likeness) }));
      return [p.id, reasons];
    }),
  );
  // Union-find over pairs within the distance.
  const parent = new Map(photos.map((p) => [p.id, p.id]));
  const root = (id: number): number => {
    let r = id;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(id, r);
    return r;
  };
  const distance = new Map<string, number>();
  for (let i = 0; i < photos.length; i++) {
    for (let j = i + 1; j < photos.length; j++) {
      const a = photos[i]!;
      const b = photos[j]!;
      const d = hammingDistance(a.measures.phash, b.measures.phash);
      if (d <= thresholds.duplicates.maxDistance) {
        distance.set(`${a.id}:${b.id}`, d);
        parent.set(root(a.id), root(b.id));
      }
    }
  }
  const groups = new Map<number, JudgeInput[]>();
  for (const p of photos) groups.set(root(p.id), [...(groups.get(root(p.id)) ?? []), p]);

  const result = new Map<number, Judgement>();
  for (const group of groups.values()) {
    const sharpness = (p: JudgeInput) => p.measures.face?.sharpness ?? 0;
    const clearlySharper = (a: JudgeInput, b: JudgeInput) => {
      const [x, y] = [sharpness(a), sharpness(b)];
      return Math.abs(x - y) > DUPLICATE_SHARPER * Math.max(x, y) ? y - x : 0;
    };
    const ranked = [...group].sort(
      (a, b) =>
        verdictRank[verdictOf(own.get(a.id)!)] - verdictRank[verdictOf(own.get(b.id)!)] ||
        clearlySharper(a, b) ||
        (b.measures.face?.heightPx ?? 0) - (a.measures.face?.heightPx ?? 0) ||
        sharpness(b) - sharpness(a) ||
        a.id - b.id,
    );
    const kept = ranked[0]!;
    for (const photo of group) {
      const reasons = [...own.get(photo.id)!];
      if (photo !== kept) {
        const key = photo.id < kept.id ? `${photo.id}:${kept.id}` : `${kept.id}:${photo.id}`;
        const d = distance.get(key) ?? hammingDistance(photo.measures.phash, kept.measures.phash);
        reasons.push(reason('near-duplicate', 'reject', { photoId: kept.id, name: kept.name, distance: d }));
      }
      reasons.sort((a, b) => severityRank[a.severity] - severityRank[b.severity]);
      result.set(photo.id, { verdict: verdictOf(reasons), reasons });
    }
  }
  return result;
}
