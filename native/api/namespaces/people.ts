import { z } from 'zod';
import { StudioErrorShape } from '../errors';
import { method } from '../method';
import { Empty, Id, Job, Sha256, Timestamp } from '../schemas';

// ---------- a person (the photos and sample sets follow) ----------

/** A trigger is one short lower-case word the base model does not already know (e.g. `ohwx`). */
export const TriggerWord = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9]{1,15}$/, 'use one short lower-case word (letters and digits), e.g. ohwx');

/** Training resolution: the side of the square face crops (512 for SD 1.5, 768 for SD 2.x, 1024 for SDXL-class models). */
export const cropSizes = [512, 768, 1024] as const;
export const CropSize = z.union([z.literal(512), z.literal(768), z.literal(1024)]);
export type CropSize = z.infer<typeof CropSize>;
/** Faces near the border: `shift` moves the square inside the photo (no invented pixels); `mirror` keeps the face centred and mirrors the edge. */
export const CropPadding = z.enum(['shift', 'mirror']);
export type CropPadding = z.infer<typeof CropPadding>;

export const Person = z.object({
  id: Id,
  name: z.string(),
  trigger: z.string(),
  classWord: z.string(),
  notes: z.string(),
  cropSize: CropSize,
  cropPadding: CropPadding,
  photoCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Person = z.infer<typeof Person>;

export const PersonDraft = z.object({
  name: z.string().trim().min(1, 'a name is required').max(120),
  trigger: TriggerWord.optional(),
  classWord: z.string().trim().min(1).max(40).default('person'),
  notes: z.string().max(10_000).default(''),
  cropSize: CropSize.default(512),
  cropPadding: CropPadding.default('shift'),
});
export type PersonDraft = z.input<typeof PersonDraft>;

export const PersonPatch = z.object({
  id: Id,
  name: z.string().trim().min(1).max(120).optional(),
  trigger: TriggerWord.optional(),
  classWord: z.string().trim().min(1).max(40).optional(),
  notes: z.string().max(10_000).optional(),
  cropSize: CropSize.optional(),
  cropPadding: CropPadding.optional(),
});

// ---------- vetting ----------

/** `review` is "needs a look". */
export const Verdict = z.enum(['accepted', 'rejected', 'review']);
export type Verdict = z.infer<typeof Verdict>;

/**
 * Why a photo got its verdict, as codes the UI translates (English text for the CLI comes from the same codes,
 * native/people/reasons.ts). Parameters are already rounded for display.
 */
export const reasonCodes = [
  'no-face',
  'several-faces',
  'main-face',
  'matched-face',
  'chosen-face',
  'unlike-others',
  'other-face-in-crop',
  'low-confidence',
  'face-too-small',
  'face-small',
  'face-enlarged',
  'face-cut-off',
  'blurred',
  'soft',
  'overexposed',
  'underexposed',
  'dark',
  'low-contrast',
  'profile',
  'turned',
  'tilted',
  'near-duplicate',
  'black-and-white',
  'sepia',
  'toned',
  // crop notes
  'crop-upscaled',
  'crop-padded',
  'crop-shifted',
  'crop-no-face',
] as const;
export const ReasonCode = z.enum(reasonCodes);
export type ReasonCode = z.infer<typeof ReasonCode>;

/** reject → rejected, review → needs a look, info → a note that changes nothing. */
export const Severity = z.enum(['reject', 'review', 'info']);
export type Severity = z.infer<typeof Severity>;

export const Reason = z.object({
  code: ReasonCode,
  severity: Severity,
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});
export type Reason = z.infer<typeof Reason>;

export const FacePoint = z.object({ x: z.number(), y: z.number() });
export const FaceBox = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
export const Face = z.object({
  score: z.number(),
  box: FaceBox,
  landmarks: z.object({ rightEye: FacePoint, leftEye: FacePoint, nose: FacePoint, mouthRight: FacePoint, mouthLeft: FacePoint }),
});
export type Face = z.infer<typeof Face>;

const Exposure = z.object({
  /** Mean luma 0..255. */
  brightness: z.number(),
  /** RMS contrast: standard deviation of luma / 255. */
  contrast: z.number(),
  /** Share of pixels burnt out (luma ≥ 250) and crushed (luma ≤ 5). */
  highlights: z.number(),
  shadows: z.number(),
});

/** What vetting measured on one photo (display coordinates: after EXIF orientation, in source pixels). */
export const PhotoMeasures = z.object({
  version: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  source: z.object({
    format: z.string(),
    space: z.string().nullable(),
    channels: z.number().int().nullable(),
    depth: z.string().nullable(),
    hasAlpha: z.boolean(),
    orientation: z.number().int().nullable(),
    pages: z.number().int().nullable(),
  }),
  detector: z.object({ model: z.string(), provider: z.string(), inputWidth: z.number().int(), inputHeight: z.number().int() }),
  /** Faces found, largest first. */
  faces: z.array(Face),
  /** Index into faces of the face `face` describes: the largest confident one (null: no face). */
  measuredFace: z.number().int().nullable(),
  /** In a photo of several people: 'likeness', the face that looks like the person's other photos; 'user', the one the user chose. */
  faceChosenBy: z.enum(['size', 'likeness', 'user']).optional(),
  face: z
    .object({
      heightPx: z.number(),
      widthPx: z.number(),
      /** Face box area / image area. */
      share: z.number(),
      /** Share of the face box outside the photo. */
      outside: z.number(),
      /** Laplacian-of-Gaussian standard deviation / luma standard deviation, face scaled to at most 128 px tall. */
      sharpness: z.number(),
      exposure: Exposure,
      /** Degrees the eye line is tilted (positive: clockwise). */
      roll: z.number(),
      /** Estimated degrees the head is turned (positive: towards the picture's right). */
      yaw: z.number(),
    })
    .nullable(),
  image: Exposure,
  tone: z.object({
    kind: z.enum(['colour', 'black-and-white', 'sepia', 'toned']),
    /** Spread of the chroma among pixels of the same brightness (YCbCr units): near 0 for monochrome prints. */
    chroma: z.number(),
    /** Size of the mean colour cast (YCbCr units). */
    tint: z.number(),
  }),
  /** 64-bit DCT perceptual hash, hex. */
  phash: z.string(),
  timings: z.object({ decodeMs: z.number(), detectMs: z.number(), measureMs: z.number() }),
});
export type PhotoMeasures = z.infer<typeof PhotoMeasures>;

/** The user's adjustment of a crop: offsets in shares of the crop side (in the levelled frame), zoom > 1 is tighter. */
export const CropNudge = z.object({
  dx: z.number().min(-0.5).max(0.5).default(0),
  dy: z.number().min(-0.5).max(0.5).default(0),
  zoom: z.number().min(0.5).max(2.5).default(1),
});
export type CropNudge = z.infer<typeof CropNudge>;

export const CropInfo = z.object({
  /** Degrees the source was rotated to level the eyes. */
  angle: z.number(),
  /** The crop square in source pixels: centre and side. */
  center: FacePoint,
  side: z.number(),
  /** Crop size / side: > 1 means the source was enlarged. */
  scale: z.number(),
  /** Share of the crop filled by mirrored edge (mirror padding). */
  padded: z.number(),
  shifted: z.boolean(),
  notes: z.array(Reason),
});
export type CropInfo = z.infer<typeof CropInfo>;

export const PhotoOverride = z.object({ verdict: Verdict, reason: z.string(), at: Timestamp });

export const Photo = z.object({
  id: Id,
  personId: Id,
  hash: Sha256,
  thumbHash: Sha256.nullable(),
  originalName: z.string(),
  format: z.string().nullable(),
  width: z.number().int(),
  height: z.number().int(),
  importedAt: Timestamp,
  vettedAt: Timestamp.nullable(),
  /** The verdict that counts: the override when there is one, else vetting's (null: not vetted yet). */
  verdict: Verdict.nullable(),
  computedVerdict: Verdict.nullable(),
  reasons: z.array(Reason),
  override: PhotoOverride.nullable(),
  /** Why vetting could not run (e.g. the face detector is not installed), with what to do. */
  vetError: StudioErrorShape.nullable(),
  measures: PhotoMeasures.nullable(),
  /** The caption that will be written: custom or the default `photo of {trigger} {class}`, then the extra words. */
  caption: z.string(),
  captionCustom: z.string().nullable(),
  captionExtra: z.string(),
  /** The face the user chose in a photo of several people (index into measures.faces); null: Likeness chooses. */
  chosenFace: z.number().int().nullable(),
  nudge: CropNudge.nullable(),
  crop: z.object({ hash: Sha256, size: z.number().int(), info: CropInfo }).nullable(),
  /** Versions that include this photo. */
  versions: z.array(z.number().int()),
});
export type Photo = z.infer<typeof Photo>;

export const PhotoFilter = z.enum(['accepted', 'rejected', 'review', 'unvetted']);

// ---------- import ----------

export const PeopleImportRequest = z
  .object({
    personId: Id,
    /** Files and folders on the machine that runs the studio. */
    paths: z.array(z.string().min(1)).default([]),
    /** Files staged with `people.upload` (drag and drop in a browser). */
    uploads: z.array(z.uuid()).default([]),
    recursive: z.boolean().default(true),
  })
  .refine((r) => r.paths.length + r.uploads.length > 0, { message: 'choose photos or folders to import' });

/** Why a file was not imported, as a word the UI translates (`reason` keeps the engine's English with the details). */
export const RejectedFileKind = z.enum(['missing', 'heic', 'too-many-pixels', 'too-large-file', 'empty', 'not-an-image', 'damaged', 'unreadable']);
export type RejectedFileKind = z.infer<typeof RejectedFileKind>;
export const RejectedFile = z.object({
  path: z.string(),
  name: z.string(),
  code: z.string(),
  reason: z.string(),
  hint: z.string().nullable(),
  /** Absent in imports recorded before it existed. */
  kind: RejectedFileKind.optional(),
});
export type RejectedFile = z.infer<typeof RejectedFile>;

export const VerdictCounts = z.object({
  accepted: z.number().int(),
  rejected: z.number().int(),
  review: z.number().int(),
  unvetted: z.number().int(),
});
export type VerdictCounts = z.infer<typeof VerdictCounts>;

export const VettingOutcome = z.object({
  vetted: z.number().int(),
  /** `skipped`: the detector is missing (error says how to install it); photos stay "not vetted". */
  status: z.enum(['done', 'skipped']),
  error: StudioErrorShape.nullable(),
  counts: VerdictCounts,
});
export type VettingOutcome = z.infer<typeof VettingOutcome>;

export const PeopleImportResult = z.object({
  scanned: z.number().int(),
  imported: z.number().int(),
  /** Files this person already had (same content). */
  duplicates: z.number().int(),
  /** Captions read from files beside the photos (kohya `.txt`, diffusers `metadata.jsonl`). */
  captions: z.number().int(),
  skipped: z.number().int(),
  rejected: z.array(RejectedFile),
  photoIds: z.array(Id),
  vetting: VettingOutcome,
});
export type PeopleImportResult = z.infer<typeof PeopleImportResult>;

/** One chunk of a file dropped into the browser, appended at `offset` to the staged upload. */
export const MAX_UPLOAD_CHUNK = 4 * 1024 * 1024;
export const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
export const UploadChunk = z.object({
  uploadId: z.uuid(),
  name: z.string().min(1).max(255),
  offset: z.number().int().min(0).max(MAX_UPLOAD_BYTES),
  /** Base64 of at most 4 MiB. */
  data: z.string().max(Math.ceil(MAX_UPLOAD_CHUNK / 3) * 4, 'send at most 4 MiB per chunk'),
});

// ---------- sample sets ----------

export const SampleSet = z.object({
  id: Id,
  personId: Id,
  version: z.number().int(),
  cropSize: z.number().int(),
  trigger: z.string(),
  classWord: z.string(),
  note: z.string(),
  createdAt: Timestamp,
  itemCount: z.number().int(),
  settings: z.record(z.string(), z.unknown()),
});
export type SampleSet = z.infer<typeof SampleSet>;

export const SampleSetItem = z.object({
  photoId: Id,
  position: z.number().int(),
  originalName: z.string(),
  sourceHash: Sha256,
  cropHash: Sha256,
  caption: z.string(),
  cropInfo: CropInfo,
});
export type SampleSetItem = z.infer<typeof SampleSetItem>;

export const SampleSetDetail = SampleSet.extend({ items: z.array(SampleSetItem) });
export type SampleSetDetail = z.infer<typeof SampleSetDetail>;

export const DatasetExportFormat = z.enum(['kohya', 'diffusers']);
export type DatasetExportFormat = z.infer<typeof DatasetExportFormat>;

export const DatasetExportRequest = z.object({
  personId: Id,
  /** The latest version when absent. */
  version: z.number().int().positive().optional(),
  format: DatasetExportFormat,
  /** A folder on the studio's machine: the dataset is written inside it (a new folder or an empty one). */
  out: z.string().min(1, 'choose a folder to export to'),
  zip: z.boolean().default(false),
  /** Repeats are chosen so that images × repeats × epochs / batch ≈ this many steps. */
  targetSteps: z.number().int().min(1).max(1_000_000).default(1500),
  epochs: z.number().int().min(1).max(1000).default(10),
  batchSize: z.number().int().min(1).max(64).default(1),
  /** Overrides the computed repeats. */
  repeats: z.number().int().min(1).max(10_000).optional(),
});

/**
 * kohya/sd-scripts counts a step per batch: images × repeats / batch size per epoch. Pure and in the contract, so the
 * export dialog shows the same plan the export writes.
 */
export function planRepeats(images: number, options: { targetSteps: number; epochs: number; batchSize: number; repeats?: number | undefined }) {
  const repeats = options.repeats ?? Math.max(1, Math.round((options.targetSteps * options.batchSize) / Math.max(1, images * options.epochs)));
  const steps = Math.ceil((images * repeats) / options.batchSize) * options.epochs;
  return { repeats, steps };
}

export const DatasetExportResult = z.object({
  format: DatasetExportFormat,
  version: z.number().int(),
  /** The dataset folder (also written when a zip is asked for: the zip is made from it). */
  folder: z.string(),
  zip: z.string().nullable(),
  images: z.number().int(),
  repeats: z.number().int(),
  epochs: z.number().int(),
  batchSize: z.number().int(),
  steps: z.number().int(),
  report: z.string(),
  warnings: z.array(Reason.extend({ name: z.string() })),
});
export type DatasetExportResult = z.infer<typeof DatasetExportResult>;

// ---------- training ----------

/**
 * An external trainer (kohya sd-scripts first), run as a job on an exported version. `args` may use
 * {dataset} {output_dir} {output_name} {resolution} {steps} {epochs} {repeats} {batch_size} {trigger} {class}.
 */
export const TrainerSettings = z.object({
  program: z.string().trim().default(''),
  args: z.array(z.string()).default([]),
  /** Working folder for the trainer (e.g. the sd-scripts checkout); the program's own folder when empty. */
  cwd: z.string().trim().default(''),
  /** Base-model family the LoRA is for (sd15, sdxl…), stored with it. */
  family: z.string().trim().default(''),
  targetSteps: z.number().int().min(1).max(1_000_000).default(1500),
  epochs: z.number().int().min(1).max(1000).default(10),
  batchSize: z.number().int().min(1).max(64).default(1),
});
export type TrainerSettings = z.infer<typeof TrainerSettings>;
export const TrainerStatus = TrainerSettings.extend({
  configured: z.boolean(),
  /** Why it cannot run, in English (CLI), and as a code the UI translates. */
  problem: z.string().nullable(),
  problemCode: z.enum(['not-set', 'not-found', 'no-folder']).nullable(),
});

export const TrainRequest = z.object({ personId: Id, version: z.number().int().positive().optional() });

export const TrainedLora = z.object({
  id: z.string(),
  name: z.string(),
  path: z.string(),
  sha256: Sha256.nullable(),
  size: z.number().int().nullable(),
  family: z.string().nullable(),
  personId: Id.nullable(),
  sampleSetId: Id.nullable(),
  version: z.number().int().nullable(),
  installedAt: Timestamp,
  meta: z.record(z.string(), z.unknown()),
});
export type TrainedLora = z.infer<typeof TrainedLora>;

export const TrainResult = z.object({ lora: TrainedLora, log: z.string(), steps: z.number().int().nullable() });

// ---------- the namespace ----------

export const peopleApi = {
  list: method(Empty, z.array(Person)),
  get: method(z.object({ id: Id }), Person),
  create: method(PersonDraft, Person),
  /** Changing the crop size or padding re-judges the photos and renders their crops again (a job). */
  update: method(PersonPatch, Person),
  remove: method(z.object({ id: Id }), z.object({ removed: z.boolean() })),

  listPhotos: method(z.object({ personId: Id, filter: PhotoFilter.optional() }), z.array(Photo)),
  /** Starts a `people.import` job: files, folders and staged uploads; every photo is then vetted. */
  import: method(PeopleImportRequest, Job),
  /** Stages one chunk of a dropped file (browser uploads); then pass the uploadId to `import`. */
  upload: method(UploadChunk, z.object({ uploadId: z.uuid(), received: z.number().int() })),
  /** Starts a `people.vet` job: measures what was not measured (everything with `force`), judges, renders crops. */
  vet: method(z.object({ personId: Id, force: z.boolean().default(false) }), Job),
  /** Overrules vetting (null clears the override); the reason is kept with it. */
  override: method(
    z
      .object({ photoIds: z.array(Id).min(1).max(10_000), verdict: Verdict.nullable(), reason: z.string().trim().max(500).default('') })
      .refine((o) => o.verdict === null || o.reason.length > 0, { message: 'say why you overrule the verdict', path: ['reason'] }),
    z.array(Photo),
  ),
  /** caption null = the default `photo of {trigger} {class}`; extra words are appended. */
  setCaption: method(
    z.object({ photoId: Id, caption: z.string().trim().max(1000).nullable(), extra: z.string().trim().max(500).default('') }),
    Photo,
  ),
  nudgeCrop: method(z.object({ photoId: Id, nudge: CropNudge.nullable() }), Photo),
  /**
   * In a photo of several people, which face is the person (an index into measures.faces; null: Likeness chooses).
   * Starts a `people.vet` job that measures, crops and judges the photo on that face.
   */
  chooseFace: method(z.object({ photoId: Id, face: z.number().int().min(0).max(1000).nullable() }), Job),
  removePhotos: method(
    z.object({ photoIds: z.array(Id).min(1).max(10_000) }),
    // The people whose photos went (their verdicts were judged again: near-duplicates depend on the others).
    z.object({ removed: z.number().int(), personIds: z.array(Id) }),
  ),

  /** Freezes the accepted photos, their crops and captions as the next immutable version. */
  freeze: method(z.object({ personId: Id, note: z.string().max(1000).default('') }), SampleSetDetail),
  listVersions: method(z.object({ personId: Id }), z.array(SampleSet)),
  getVersion: method(z.object({ personId: Id, version: z.number().int().positive() }), SampleSetDetail),
  /** Starts a `people.export` job (kohya or diffusers folder, optionally zipped, with a report). */
  export: method(DatasetExportRequest, Job),

  trainer: method(Empty, TrainerStatus),
  setTrainer: method(TrainerSettings, TrainerStatus),
  /** Starts a `people.train` job: exports the version, runs the trainer, registers the LoRA. */
  train: method(TrainRequest, Job),
  listLoras: method(z.object({ personId: Id }), z.array(TrainedLora)),
};
