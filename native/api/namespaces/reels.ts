import { z } from 'zod';
import { method } from '../method';
import { Empty, Id, Job, Sha256 } from '../schemas';

/** Delivery sizes: vertical (phones, the default), square, landscape. */
export const ReelSize = z.enum(['1080x1920', '1080x1080', '1920x1080']);
export type ReelSize = z.infer<typeof ReelSize>;

/** A face (or what the move should head for) as fractions of the image: left, top, width, height. */
export const FocusBox = z
  .object({ x: z.number().min(0).max(1), y: z.number().min(0).max(1), w: z.number().gt(0).max(1), h: z.number().gt(0).max(1) })
  .refine((b) => b.x + b.w <= 1.0001 && b.y + b.h <= 1.0001, { message: 'the focus box must lie inside the image' });

/** A photo or clip: an output of the catalogue, or a file on the studio's machine (the CLI). */
export const ReelVisual = z.union([
  z.object({ outputId: Id, focus: FocusBox.optional() }).strict(),
  z.object({ path: z.string().min(1), focus: FocusBox.optional() }).strict(),
]);
export type ReelVisual = z.infer<typeof ReelVisual>;

/** Sound: an uploaded recording or file (by its hash in the store), or a file on the studio's machine. */
export const AudioRef = z.union([z.object({ hash: Sha256 }).strict(), z.object({ path: z.string().min(1) }).strict()]);
export type AudioRef = z.infer<typeof AudioRef>;

/** Captions: plain text (spread over the voice), SubRip text, or an .srt/.txt file on the studio's machine. */
export const ReelCaptions = z.union([
  z.object({ text: z.string().trim().min(1, 'type some captions').max(5000) }).strict(),
  z.object({ srt: z.string().min(1).max(200_000) }).strict(),
  z.object({ path: z.string().min(1) }).strict(),
]);

/** `metadata`: a comment in the file says it is AI-generated; `visible`: also a mark in the picture. */
export const AiLabel = z.enum(['off', 'metadata', 'visible']);

export const ReelRequest = z.object({
  template: z.string().regex(/^[a-z][a-z0-9-]*$/, 'choose a template: memories, talking or before-after'),
  size: ReelSize.default('1080x1920'),
  visuals: z.array(ReelVisual).min(1, 'choose at least one photo').max(50),
  voice: AudioRef.optional(),
  music: AudioRef.optional(),
  title: z.string().trim().max(120).optional(),
  captions: ReelCaptions.optional(),
  /** Seconds per photo (the template's choice when absent). */
  secondsPerVisual: z.number().min(1).max(20).optional(),
  aiLabel: AiLabel.default('metadata'),
  aiLabelText: z.string().trim().min(1).max(40).default('AI-generated'),
  /** Names shown over each visual where the template labels them (before-after: e.g. "1952", "Restored"). */
  roleLabels: z.array(z.string().trim().max(40)).max(10).optional(),
  /** `preview`: a quick low-resolution render that is not added to the catalogue. */
  quality: z.enum(['final', 'preview']).default('final'),
  /** A name for the catalogue (the file name people see). */
  name: z.string().trim().max(200).optional(),
});
export type ReelRequest = z.input<typeof ReelRequest>;

export const ReelTemplateInfo = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  visuals: z.object({ min: z.number().int(), max: z.number().int(), roles: z.array(z.string()).nullable() }),
  voice: z.enum(['none', 'optional', 'required']),
  music: z.enum(['none', 'optional', 'required']),
  titleStyle: z.enum(['card', 'overlay']),
  secondsPerVisual: z.number(),
  labels: z.boolean(),
});
export type ReelTemplateInfo = z.infer<typeof ReelTemplateInfo>;

export const ReelPlanSummary = z.object({
  seconds: z.number(),
  frames: z.number().int(),
  width: z.number().int(),
  height: z.number().int(),
  segments: z.number().int(),
  captions: z.number().int(),
  transitions: z.enum(['xfade', 'fallback', 'none']),
  warnings: z.array(z.string()),
  /** The pictures a model made or changed, and why: the reel is marked AI-generated exactly when there is one. */
  aiContent: z.array(z.object({ name: z.string(), why: z.string() })),
  /** How it is marked: in the picture, in the file's metadata only, or not (nothing AI in it, or the user said off). */
  aiMark: z.enum(['visible', 'metadata', 'off']),
});
export type ReelPlanSummary = z.infer<typeof ReelPlanSummary>;

export const ReelResult = z.object({
  /** The new catalogue output (null for previews). */
  outputId: Id.nullable(),
  hash: Sha256,
  width: z.number().int(),
  height: z.number().int(),
  durationMs: z.number().int(),
  loudness: z.object({ integrated: z.number(), truePeak: z.number() }).nullable(),
  warnings: z.array(z.string()),
});
export type ReelResult = z.infer<typeof ReelResult>;

export const AudioAsset = z.object({ hash: Sha256, name: z.string(), mime: z.string(), size: z.number().int(), durationMs: z.number().int() });
export type AudioAsset = z.infer<typeof AudioAsset>;

/** Uploads are JSON (the same over IPC and HTTP): base64 of at most 40 MB of audio. */
export const MAX_AUDIO_UPLOAD_BYTES = 40 * 1024 * 1024;
export const AudioUpload = z.union([
  /** A file sent in chunks with people.upload (the way the UI sends recordings and files: any size up to 40 MB). */
  z.object({ uploadId: z.uuid(), name: z.string().trim().min(1).max(200).optional() }),
  /** Or small audio inline (the CLI, tests). The type is read from the content, not from `mime`. */
  z.object({
    name: z.string().trim().min(1).max(200),
    mime: z.string().max(100).default('application/octet-stream'),
    base64: z
      .string()
      .min(4, 'the recording is empty')
      .max(Math.ceil(MAX_AUDIO_UPLOAD_BYTES / 3) * 4, 'audio files up to 40 MB can be uploaded')
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'send the audio as base64'),
  }),
]);

export const reelsApi = {
  listTemplates: method(Empty, z.array(ReelTemplateInfo)),
  /** The timeline a request would get (length, warnings) without rendering it. */
  plan: method(ReelRequest, ReelPlanSummary),
  /** Starts a `reels.render` job (a preview, or a final reel that lands in the catalogue as a video output). */
  render: method(ReelRequest, Job),
  /** Stores a recording or an audio file in the library and measures it. */
  uploadAudio: method(AudioUpload, AudioAsset),
};
