import { z } from 'zod';
import { method } from '../method';
import { Id, Job, OutputFilter, ReviewPatch, ReviewState, ReviewWrite } from '../schemas';

export const StatsDimension = z.enum(['template', 'model', 'lora', 'scheduler', 'steps', 'guidance', 'person', 'provider', 'likeness']);
export type StatsDimension = z.infer<typeof StatsDimension>;

/**
 * Fewer reviewed than this, and a keep rate says little: such rows are shown faded and ranked after the
 * others (at a realistic keep rate of ~25 %, even the 95 % lower bound of "2 of 2" would beat a recipe
 * measured over hundreds).
 */
export const FEW_REVIEWED = 10;

export const KeepRateRow = z.object({
  value: z.string().nullable(),
  label: z.string().nullable(),
  outputs: z.number().int(),
  reviewed: z.number().int(),
  picks: z.number().int(),
  rejects: z.number().int(),
  rated: z.number().int(),
  avgStars: z.number().nullable(),
  excellent: z.number().int(),
  keepRate: z.number().nullable(),
  keepRateLow: z.number().nullable(),
});
export type KeepRateRow = z.infer<typeof KeepRateRow>;

/** How well likeness predicted the user's own picks (see catalog/stats.ts). */
export const LikenessPrediction = z.object({
  picks: z.number().int(),
  rejects: z.number().int(),
  picksInTopQuarter: z.number().int(),
  topQuarterShare: z.number().nullable(),
  auc: z.number().nullable(),
});
export type LikenessPrediction = z.infer<typeof LikenessPrediction>;

export const OutputExportFormat = z.enum(['original', 'jpeg', 'png']);
export type OutputExportFormat = z.infer<typeof OutputExportFormat>;

export const OutputExportRequest = z
  .object({
    outDir: z.string().trim().min(1, 'choose a folder to export to'),
    /** Exactly these outputs; otherwise those the filter selects (picks by default). */
    ids: z.array(Id).min(1).max(100_000).optional(),
    filter: OutputFilter.optional(),
    /** original: the file as stored (metadata added where it lacks it); jpeg/png: converted. */
    format: OutputExportFormat.default('original'),
    /** Longest side in pixels (never enlarged); converts originals to their own format. */
    size: z.number().int().min(64, 'the size must be at least 64 pixels').max(16_384).optional(),
    quality: z.number().int().min(40).max(100).default(92),
    /** Write `name.xmp` beside each file (and embed the same XMP in JPEG/PNG). */
    xmp: z.boolean().default(true),
    /** Also write contact sheets (48 thumbnails a page) of what was exported. */
    contactSheet: z.boolean().default(false),
  })
  .refine((r) => !(r.ids && r.filter), { message: 'give either ids or a filter, not both' });
export type OutputExportRequest = z.input<typeof OutputExportRequest>;

export const OutputExportResult = z.object({
  outDir: z.string(),
  exported: z.number().int(),
  /** Exported into this folder before with the same settings: left as they are, not copied again. */
  alreadyThere: z.number().int(),
  files: z.array(z.string()),
  sidecars: z.number().int(),
  contactSheets: z.array(z.string()),
  failed: z.array(z.object({ id: Id, reason: z.string() })),
});
export type OutputExportResult = z.infer<typeof OutputExportResult>;

export const reviewApi = {
  /** Writes flag/stars/label/note/tags for every id; returns before and after once it is on disk. */
  set: method(ReviewPatch, ReviewWrite),
  /**
   * Writes exact states (undo and redo go through here, so an undone decision is written too). With `expected`
   * (what the caller last saw), a review changed since — in another tab or window — refuses the write (CONFLICT,
   * details.changed: the ids) and nothing is overwritten.
   */
  put: method(z.object({ states: z.array(ReviewState).min(1).max(100_000), expected: z.array(ReviewState).max(100_000).optional() }), ReviewWrite),
  /** Keep rates per template, model, LoRA, scheduler, steps, … over the outputs a filter selects. */
  stats: method(
    z.object({ by: StatsDimension, filter: OutputFilter.default({}) }),
    z.object({ by: StatsDimension, rows: z.array(KeepRateRow), likeness: LikenessPrediction }),
  ),
  /** Starts a `review.export` job: copies (or converts) outputs with their metadata, XMP sidecars, contact sheets. */
  export: method(OutputExportRequest, Job),
};
