import { z } from 'zod';
import { method } from '../method';
import { Empty, Id, Job, OutputFilter, Sha256, Timestamp } from '../schemas';

/** same: looks like the person; unsure: could be; different: someone else; no-face: nothing to compare. */
export const LikenessVerdict = z.enum(['same', 'unsure', 'different', 'no-face']);
export type LikenessVerdict = z.infer<typeof LikenessVerdict>;

/** Bands for statistics and badges: the model's calibration decides "same" (≥ 75) and "different" (≤ 25). */
export const LIKENESS_SAME = 75;
export const LIKENESS_DIFFERENT = 25;

/** An output's likeness to its reference (the person, or the original photo of a restoration). */
export const LikenessScore = z.object({
  outputId: Id,
  personId: Id.nullable(),
  /** 'person:<id>', 'original:<hash>' or 'outputs:<id>,<id>…' (reference pictures the user picked). */
  reference: z.string(),
  /** The face-recognition model that made the score. */
  model: z.string(),
  /** 0–100 (null: no face found). */
  score: z.number().nullable(),
  /** The comparison value in the model's own metric. */
  value: z.number().nullable(),
  verdict: LikenessVerdict,
  /** The face scored, in fractions of the image. */
  face: z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() }).nullable(),
  faces: z.number().int(),
  /** Clips: frames sampled, how many had a face, their mean and worst score. */
  frames: z.object({ sampled: z.number().int(), withFace: z.number().int(), mean: z.number().nullable(), worst: z.number().nullable() }).nullable(),
  scoredAt: Timestamp,
});
export type LikenessScore = z.infer<typeof LikenessScore>;

export const ProfileFace = z.object({ photoId: Id.nullable(), hash: Sha256, name: z.string(), likeness: z.number() });

/** What a person's likeness is measured against. */
export const LikenessProfile = z.object({
  personId: Id,
  model: z.string(),
  modelName: z.string(),
  /** The frozen version the references come from (null: the working set of accepted photos). */
  version: z.number().int().nullable(),
  /** Reference faces, the most typical first (the first is the best reference photo to compare with). */
  members: z.array(ProfileFace),
  /** Accepted photos unlike the rest: maybe someone else. */
  outliers: z.array(ProfileFace),
  /** Accepted photos whose faces are not embedded yet (scoring embeds them first). */
  pending: z.number().int(),
  spread: z.number(),
  calibration: z.object({ same: z.number(), different: z.number(), metric: z.enum(['cosine', 'euclidean']), source: z.string() }),
});
export type LikenessProfile = z.infer<typeof LikenessProfile>;

export const LikenessModel = z.object({
  id: z.string(),
  name: z.string(),
  builtIn: z.boolean(),
  installed: z.boolean(),
  active: z.boolean(),
  dims: z.number().int(),
  metric: z.enum(['cosine', 'euclidean']),
  calibration: z.object({ same: z.number(), different: z.number(), source: z.string() }),
  license: z.object({ name: z.string(), commercialUse: z.boolean() }),
});
export type LikenessModel = z.infer<typeof LikenessModel>;

export const ScoreRequest = z
  .object({
    /** Score against this person (outputs of other tools have none); otherwise each output's own person. */
    personId: Id.optional(),
    /** Or against the faces of these outputs: any pictures the user picks ("Dad at 40"). */
    referenceIds: z.array(Id).min(1).max(20).optional(),
    ids: z.array(Id).min(1).max(100_000).optional(),
    filter: OutputFilter.optional(),
    /** Score again even where a score against the current profile and model exists. */
    force: z.boolean().default(false),
    /**
     * The outputs that already have a score (of this person, with personId), each against the reference it was
     * scored with: what goes stale when accepted photos or the model change.
     */
    rescore: z.boolean().default(false),
  })
  .refine((r) => !(r.ids && r.filter), { message: 'give either ids or a filter, not both' })
  .refine((r) => !(r.personId && r.referenceIds), { message: 'compare with a person or with reference pictures, not both' });
export type ScoreRequest = z.input<typeof ScoreRequest>;

export const ScoreOutcome = z.object({
  scored: z.number().int(),
  upToDate: z.number().int(),
  noFace: z.number().int(),
  /** Outputs without a person to compare with (pick one). */
  noReference: z.number().int(),
  failed: z.array(z.object({ id: Id, reason: z.string() })),
  model: z.string(),
});
export type ScoreOutcome = z.infer<typeof ScoreOutcome>;

export const likenessApi = {
  /** The person's identity profile: reference faces, outliers, the model and its calibration. */
  getProfile: method(z.object({ personId: Id }), LikenessProfile.nullable()),
  /** Stored scores of outputs (missing ones are left out). */
  getScores: method(z.object({ ids: z.array(Id).max(1000) }), z.array(LikenessScore)),
  /** Starts a `likeness.score` job: scores (or rescores stale) outputs; resumable. */
  score: method(ScoreRequest, Job),
  /** The face-recognition models: built in and downloadable, which one scores. */
  listModels: method(Empty, z.array(LikenessModel)),
  /** Chooses the model scores are made with (scores of the old model become stale). */
  setModel: method(z.object({ id: z.string().min(1) }), z.array(LikenessModel)),
};
