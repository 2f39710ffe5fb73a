import { z } from 'zod';
import { StudioErrorShape } from './errors';

/** Shared building blocks of the contract. Timestamps are Unix epoch milliseconds. */
export const Id = z.number().int().positive();
export const Timestamp = z.number().int().nonnegative();
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest');
export const Empty = z.object({}).strict();

// ---------- system ----------

export const HostKind = z.enum(['electron', 'browser', 'cli']);
export type HostKind = z.infer<typeof HostKind>;

export const SystemInfo = z.object({
  appVersion: z.string(),
  libraryPath: z.string(),
  schemaVersion: z.number().int(),
  platform: z.string(),
  nodeVersion: z.string(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export const ProviderName = z.enum(['cpu', 'webgpu', 'cuda', 'dml', 'coreml']);
export type ProviderName = z.infer<typeof ProviderName>;

export const ProviderProbe = z.object({
  name: ProviderName,
  status: z.enum(['ok', 'error']),
  error: z.string().optional(),
  millis: z.number().optional(),
});
export type ProviderProbe = z.infer<typeof ProviderProbe>;

export const FfmpegReport = z.object({
  found: z.boolean(),
  path: z.string().optional(),
  source: z.enum(['setting', 'environment', 'bundled', 'path']).optional(),
  ffprobe: z.string().optional(),
  version: z.string().optional(),
  features: z.object({ libx264: z.boolean(), aac: z.boolean(), xfade: z.boolean(), loudnorm: z.boolean() }).optional(),
  error: z.string().optional(),
  hint: z.string().optional(),
});
export type FfmpegReport = z.infer<typeof FfmpegReport>;

export const DoctorReport = z.object({
  appVersion: z.string(),
  node: z.object({ version: z.string(), ok: z.boolean(), required: z.string() }),
  platform: z.object({ os: z.string(), arch: z.string(), release: z.string() }),
  ffmpeg: FfmpegReport,
  providers: z.array(ProviderProbe),
  onnxruntime: z.object({ version: z.string().optional(), error: z.string().optional() }),
  gpu: z.object({ adapters: z.array(z.string()), source: z.string().optional() }),
  library: z.object({
    path: z.string(),
    schemaVersion: z.number().int(),
    integrity: z.string(),
    outputs: z.number().int(),
    objects: z.number().int(),
    freeBytes: z.number().optional(),
  }),
  models: z.object({ path: z.string() }),
  /** The CUDA provider (Linux): installed by `likeness gpu install cuda`, and any CUDA/cuDNN library the machine lacks. */
  cuda: z
    .object({
      installed: z.boolean(),
      package: z.string().nullable(),
      version: z.string().nullable(),
      verified: z.boolean().nullable(),
      missingLibraries: z.array(z.string()),
      advice: z.string(),
    })
    .optional(),
});
export type DoctorReport = z.infer<typeof DoctorReport>;

export const DirectoryEntry = z.object({ name: z.string(), path: z.string(), isDirectory: z.boolean(), isImage: z.boolean() });
export const DirectoryListing = z.object({
  path: z.string(),
  parent: z.string().nullable(),
  entries: z.array(DirectoryEntry),
  imageCount: z.number().int(),
});
export type DirectoryListing = z.infer<typeof DirectoryListing>;

// ---------- jobs ----------

export const JobStatus = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type JobStatus = z.infer<typeof JobStatus>;
export const finishedJobStatuses: readonly JobStatus[] = ['done', 'failed', 'cancelled', 'interrupted'];

export const JobResource = z.enum(['cpu', 'gpu']);
export type JobResource = z.infer<typeof JobResource>;

export const Job = z.object({
  id: Id,
  kind: z.string(),
  resource: JobResource,
  status: JobStatus,
  title: z.string(),
  progress: z.number().min(0).max(1),
  message: z.string().nullable(),
  /** The message as a key of native/api/progress-keys.ts + its params, for the UI to translate (null: show `message`). */
  messageKey: z.string().nullable().optional(),
  messageParams: z
    .record(z.string(), z.union([z.string(), z.number()]))
    .nullable()
    .optional(),
  done: z.number().int().nullable(),
  total: z.number().int().nullable(),
  input: z.unknown(),
  result: z.unknown().nullable(),
  error: StudioErrorShape.nullable(),
  attempts: z.number().int(),
  createdAt: Timestamp,
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
});
export type Job = z.infer<typeof Job>;

export const JobQuery = z.object({
  status: z.array(JobStatus).optional(),
  limit: z.number().int().min(1).max(500).default(50),
});

// ---------- catalogue ----------

export const ImportRequest = z.object({
  path: z.string().min(1, 'choose a folder to import'),
  recursive: z.boolean().default(true),
});

export const ImportFailure = z.object({ path: z.string(), reason: z.string() });
export const ImportResult = z.object({
  scanned: z.number().int(),
  imported: z.number().int(),
  duplicates: z.number().int(),
  failed: z.array(ImportFailure),
  skipped: z.number().int(),
  /** The batch of the outputs this import added (Review opens it); absent on imports made before batches. */
  batchId: z.string().optional(),
});
export type ImportResult = z.infer<typeof ImportResult>;

// ---------- outputs and review (owned by the review area) ----------

export const Flag = z.enum(['pick', 'reject']);
export type Flag = z.infer<typeof Flag>;
export const ColorLabel = z.enum(['red', 'yellow', 'green', 'blue', 'purple']);
export type ColorLabel = z.infer<typeof ColorLabel>;
export const Stars = z.number().int().min(0).max(5);

export const Review = z.object({
  flag: Flag.nullable(),
  stars: Stars,
  label: ColorLabel.nullable(),
  note: z.string(),
  updatedAt: Timestamp.nullable(),
});
export type Review = z.infer<typeof Review>;

export const OutputKind = z.enum(['image', 'video']);

export const OutputSummary = z.object({
  id: Id,
  kind: OutputKind,
  hash: Sha256,
  thumbHash: Sha256.nullable(),
  width: z.number().int(),
  height: z.number().int(),
  durationMs: z.number().int().nullable(),
  source: z.string(),
  generator: z.string().nullable(),
  personId: Id.nullable(),
  prompt: z.string().nullable(),
  seed: z.number().nullable(),
  model: z.string().nullable(),
  template: z.string().nullable(),
  batchId: z.string().nullable(),
  originalName: z.string().nullable(),
  createdAt: Timestamp,
  /** Set while the output is in the trash. */
  deletedAt: Timestamp.nullable(),
  review: Review,
  /** 0–100: how much the face looks like its person (null: not scored, or no face). */
  likeness: z.number().nullable(),
});
export type OutputSummary = z.infer<typeof OutputSummary>;

export const LoraRef = z.object({ name: z.string(), weight: z.number().nullable(), hash: z.string().nullable() });

export const OutputDetail = OutputSummary.extend({
  negativePrompt: z.string().nullable(),
  steps: z.number().int().nullable(),
  scheduler: z.string().nullable(),
  guidance: z.number().nullable(),
  modelHash: z.string().nullable(),
  loras: z.array(LoraRef),
  provider: z.string().nullable(),
  appVersion: z.string().nullable(),
  timings: z.record(z.string(), z.number()).nullable(),
  jobId: Id.nullable(),
  originalPath: z.string().nullable(),
  provenance: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
  collections: z.array(z.object({ id: Id, name: z.string() })),
});
export type OutputDetail = z.infer<typeof OutputDetail>;

/** What the review grid can narrow the catalogue to; every field is optional and they combine with AND. */
export const OutputFilter = z.object({
  flag: z.enum(['pick', 'reject', 'none']).optional(),
  minStars: Stars.optional(),
  /** A colour label, or 'none' for outputs without one. */
  label: z.union([ColorLabel, z.literal('none')]).optional(),
  personId: Id.optional(),
  model: z.string().max(500).optional(),
  lora: z.string().max(500).optional(),
  template: z.string().max(500).optional(),
  provider: z.string().max(100).optional(),
  batchId: z.string().max(500).optional(),
  /** Just these outputs (a link from a finished restore, reel or animation: "Open in Review"). */
  ids: z.array(Id).min(1).max(1000).optional(),
  generator: z.string().max(100).optional(),
  kind: OutputKind.optional(),
  /** created_at in [from, to) (ms). */
  from: Timestamp.optional(),
  to: Timestamp.optional(),
  /** Words searched in prompts, tags, notes and file/model names (prefix match; CJK by substring). */
  text: z.string().max(500).optional(),
  tag: z.string().max(100).optional(),
  collectionId: Id.optional(),
  /** Only what is in the trash (otherwise the trash is left out). */
  trash: z.boolean().optional(),
  /** Likeness at least this (0–100); unscored outputs are left out. */
  minLikeness: z.number().min(0).max(100).optional(),
  /** "Likely keepers": the top quarter by likeness of the scored outputs (of the person filtered on), not yet flagged. */
  keepers: z.boolean().optional(),
});
export type OutputFilter = z.input<typeof OutputFilter>;

export const OutputSort = z.enum(['newest', 'oldest', 'stars', 'seed', 'likeness']);
export type OutputSort = z.infer<typeof OutputSort>;
export const OutputGrouping = z.enum(['none', 'batch', 'template', 'person', 'day']);
export type OutputGrouping = z.infer<typeof OutputGrouping>;

export const OutputQuery = OutputFilter.extend({
  sort: OutputSort.default('newest'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type OutputQuery = z.input<typeof OutputQuery>;

export const OutputPage = z.object({ items: z.array(OutputSummary), total: z.number().int() });
export type OutputPage = z.infer<typeof OutputPage>;

/**
 * The ordered list of matching ids, or a window of it (the grid fetches summaries for what is on screen). The grid
 * asks for its first screens, paints, then loads the rest in chunks: at 1,000,000 outputs the whole list is 7 MB
 * of JSON and over 100 ms to read, a window a few ms.
 */
export const OUTPUT_ID_WINDOWS = {
  /** The first request: several screens of the smallest tiles, and the loupe's neighbours. */
  first: 2_000,
  /** Each next request, until the list is whole (100,000 ids: about 30 ms at 1,000,000 outputs, bench/review). */
  chunk: 100_000,
} as const;

export const OutputIdsQuery = OutputFilter.extend({
  sort: OutputSort.default('newest'),
  group: OutputGrouping.default('none'),
  /** The window: the ids from position `offset`, at most `limit` of them (none: to the end). */
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).optional(),
  /** The viewer's offset from UTC in minutes (east positive), so "day" groups follow their local midnight. */
  utcOffsetMinutes: z
    .number()
    .int()
    .min(-14 * 60)
    .max(14 * 60)
    .default(0),
});
export type OutputIdsQuery = z.input<typeof OutputIdsQuery>;

export const OutputGroup = z.object({
  /** The batch id, template, person id or day (yyyy-mm-dd); null for outputs without one. */
  key: z.string().nullable(),
  /** A person's name for person groups; otherwise the key. */
  label: z.string().nullable(),
  start: z.number().int(),
  count: z.number().int(),
  /** How many of them are videos. */
  videos: z.number().int(),
});
export type OutputGroup = z.infer<typeof OutputGroup>;

export const OutputIds = z.object({
  /** The window asked for: the ids at positions offset, offset + 1, … of the whole list. */
  ids: z.array(Id),
  offset: z.number().int(),
  /** How many ids the whole list has. Groups and videos describe the whole list too, not the window. */
  total: z.number().int(),
  groups: z.array(OutputGroup),
  /** How many of the list's outputs are videos (reels, animated portraits); the rest are images. */
  videos: z.number().int(),
});
export type OutputIds = z.infer<typeof OutputIds>;

const FacetValue = z.object({ value: z.string(), count: z.number().int() });
export const OutputFacets = z.object({
  total: z.number().int(),
  trash: z.number().int(),
  picks: z.number().int(),
  models: z.array(FacetValue),
  loras: z.array(FacetValue),
  templates: z.array(FacetValue),
  providers: z.array(FacetValue),
  generators: z.array(FacetValue),
  tags: z.array(FacetValue),
  people: z.array(z.object({ id: Id, name: z.string(), count: z.number().int() })),
  collections: z.array(z.object({ id: Id, name: z.string(), count: z.number().int() })),
  kinds: z.array(FacetValue),
});
export type OutputFacets = z.infer<typeof OutputFacets>;

const TagName = z.string().trim().min(1, 'a tag needs at least one character').max(100);

/** A change to the review of some outputs: every given field is written for every id, in one transaction. */
export const ReviewPatch = z
  .object({
    ids: z.array(Id).min(1).max(100_000),
    flag: Flag.nullable().optional(),
    stars: Stars.optional(),
    label: ColorLabel.nullable().optional(),
    note: z.string().max(10_000).optional(),
    addTags: z.array(TagName).max(50).optional(),
    removeTags: z.array(TagName).max(50).optional(),
  })
  .refine(
    (p) =>
      p.flag !== undefined || p.stars !== undefined || p.label !== undefined || p.note !== undefined || p.addTags?.length || p.removeTags?.length,
    { message: 'say what to change: flag, stars, label, note or tags' },
  );
export type ReviewPatch = z.input<typeof ReviewPatch>;

/** The review fields of one output; a field left out was not touched (undo writes back only what changed). */
export const ReviewState = z.object({
  id: Id,
  flag: Flag.nullable().optional(),
  stars: Stars.optional(),
  label: ColorLabel.nullable().optional(),
  note: z.string().max(10_000).optional(),
  tags: z.array(TagName).max(200).optional(),
});
export type ReviewState = z.infer<typeof ReviewState>;

/** What a review write did: the fields before and after, per output, once the transaction is on disk. */
export const ReviewWrite = z.object({
  updated: z.number().int(),
  before: z.array(ReviewState),
  after: z.array(ReviewState),
  savedAt: Timestamp,
});
export type ReviewWrite = z.infer<typeof ReviewWrite>;
