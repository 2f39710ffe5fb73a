import { z } from 'zod';
import { method } from '../method';
import { Empty, Id, Job, OutputSummary, ProviderName, Sha256 } from '../schemas';
import { ProviderChoice } from './generate';
import { Face } from './people';
import { AudioRef } from './reels';

/** The photo to work on: an output of the catalogue, or a file on the studio's machine (the CLI). */
export const PortraitSource = z.union([z.object({ outputId: Id }).strict(), z.object({ path: z.string().min(1) }).strict()]);
export type PortraitSource = z.infer<typeof PortraitSource>;

/** A driving video: a file dropped in the browser (staged with people.upload), a video output, or a file on the studio's machine. */
export const DrivingVideo = z.union([
  z.object({ uploadId: z.uuid() }).strict(),
  z.object({ outputId: Id }).strict(),
  z.object({ path: z.string().min(1) }).strict(),
]);
export type DrivingVideo = z.infer<typeof DrivingVideo>;

export const RestoreStep = z.object({
  model: z.string().default('gfpgan-1.4'),
  /** 0 keeps the photo's faces, 1 takes the restored faces fully. */
  strength: z.number().min(0).max(1).default(0.8),
  /** CodeFormer: 0 restores most, 1 stays closest to the photo. */
  fidelity: z.number().min(0).max(1).default(0.5),
  /** Which faces (indices from `inspect`, largest first); all when absent. */
  faces: z.array(z.number().int().min(0)).max(100).optional(),
});

export const ColorizeStep = z.object({
  model: z.string().default('ddcolor'),
  /** The side the model sees (256–1024); the model's own default when absent. */
  size: z.number().int().min(256).max(1024).optional(),
});

export const UpscaleStep = z.object({ scale: z.union([z.literal(2), z.literal(4)]) });

/** Upscaled results larger than this are refused: a scan is sharp enough long before, and memory is not endless. */
export const MAX_UPSCALED_PIXELS = 64_000_000;

/** Typed words spoken by an offline voice (espeak-ng), where no recording exists. */
export const Narration = z
  .object({ text: z.string().trim().min(1, 'type what the portrait says').max(1000), language: z.enum(['en', 'zh']).default('en') })
  .strict();

export const SpeechStep = z.object({
  /** A recording or file (by hash or path), or typed words to narrate. */
  audio: z.union([AudioRef, Narration]),
  model: z.string().default('edtalk-256'),
  /** How strongly the lips follow the sound (EDTalk). */
  weight: z.number().min(0).max(1).default(0.5),
});

export const AnimateStep = z.object({
  motion: z.union([z.object({ preset: z.string().regex(/^[a-z][a-z0-9-]*$/) }).strict(), z.object({ driving: DrivingVideo }).strict()]),
  /** Length of the clip; with speech, the voice's length when absent; else one cycle of the preset (at least 5 s). */
  seconds: z.number().min(1).max(60).optional(),
  fps: z.number().int().min(10).max(30).default(25),
  /** Which face moves (index from `inspect`, largest first). */
  face: z.number().int().min(0).default(0),
  /** Blinks and sway come from it; random when absent (and then recorded). */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
  speech: SpeechStep.optional(),
  /** The video's longest side (the photo is scaled down to it, never up). */
  maxSide: z.number().int().min(256).max(2160).default(1280),
});

export const ProcessRequest = z
  .object({
    source: PortraitSource,
    restore: RestoreStep.optional(),
    colorize: ColorizeStep.optional(),
    upscale: UpscaleStep.optional(),
    animate: AnimateStep.optional(),
    provider: ProviderChoice.default('auto'),
    /** Use models licensed for non-commercial use for this request (the library setting allows them for all). */
    allowNonCommercial: z.boolean().default(false),
    /** `preview`: a smaller, shorter render kept aside for before/after, not added to the catalogue. */
    quality: z.enum(['final', 'preview']).default('final'),
    /** The catalogue name of the outputs. */
    name: z.string().trim().max(200).optional(),
  })
  .refine((r) => r.restore || r.colorize || r.upscale || r.animate, { message: 'choose at least one step: restore, colorize, upscale or animate' });
export type ProcessRequest = z.input<typeof ProcessRequest>;

export const PortraitFaceInfo = Face.extend({ roll: z.number() });

export const Inspection = z.object({
  width: z.number().int(),
  height: z.number().int(),
  faces: z.array(PortraitFaceInfo),
  /** Mean colourfulness (√(a² + b²)): below about 3 a black-and-white or toned print. */
  chroma: z.number(),
  blackAndWhite: z.boolean(),
  /** Whether the face detector is installed (without it, faces is empty). */
  detector: z.boolean(),
});
export type Inspection = z.infer<typeof Inspection>;

export const MotionPresetInfo = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  seconds: z.number(),
  translations: z.record(z.string(), z.object({ name: z.string(), description: z.string() })),
});
export type MotionPresetInfo = z.infer<typeof MotionPresetInfo>;

export const PortraitModelState = z.object({
  id: z.string(),
  kind: z.enum(['face-restorer', 'colorizer', 'upscaler', 'portrait-animator', 'lip-sync', 'face-detector']),
  name: z.string(),
  description: z.string().nullable(),
  license: z.string(),
  commercialUse: z.boolean(),
  installed: z.boolean(),
  /** Installed, and allowed by the licence setting. */
  usable: z.boolean(),
});
export type PortraitModelState = z.infer<typeof PortraitModelState>;

export const PortraitStatus = z.object({
  models: z.array(PortraitModelState),
  nonCommercialAllowed: z.boolean(),
  ffmpeg: z.boolean(),
  /** Whether typed narration can be spoken here (espeak-ng found). */
  narration: z.boolean(),
});
export type PortraitStatus = z.infer<typeof PortraitStatus>;

export const ProcessResult = z.object({
  still: z.object({ outputId: Id.nullable(), hash: Sha256, width: z.number().int(), height: z.number().int() }).nullable(),
  video: z
    .object({
      outputId: Id.nullable(),
      hash: Sha256,
      width: z.number().int(),
      height: z.number().int(),
      durationMs: z.number().int(),
      frames: z.number().int(),
      fps: z.number(),
    })
    .nullable(),
  faces: z.number().int(),
  /** The providers the steps ran on, and every provider that could not be used, with why. */
  providers: z.record(z.string(), ProviderName),
  fallbacks: z.array(z.object({ model: z.string(), provider: ProviderName, reason: z.string(), remembered: z.boolean().optional() })),
  warnings: z.array(z.string()),
  /**
   * Whether the face still looks like the person in the original photo (restoration and animation can change
   * a face): the still's likeness and the clip's mean and worst sampled frame; null when not measured.
   */
  identity: z
    .object({
      model: z.string(),
      still: z.object({ score: z.number().nullable(), verdict: z.string() }).nullable(),
      video: z.object({ score: z.number().nullable(), worst: z.number().nullable(), verdict: z.string() }).nullable(),
    })
    .nullable()
    .optional(),
  /** Milliseconds per step, and of the animation loop: inside session.run and around it. */
  timings: z.record(z.string(), z.number()),
});
export type ProcessResult = z.infer<typeof ProcessResult>;

export const portraitApi = {
  status: method(Empty, PortraitStatus),
  /** Allows (or stops allowing) models licensed for non-commercial use, for this library. */
  setNonCommercial: method(z.object({ allowed: z.boolean() }), PortraitStatus),
  listPresets: method(Empty, z.array(MotionPresetInfo)),
  /** Adds a photo dropped in the browser (staged with people.upload) to the catalogue, to restore and animate. */
  importPhoto: method(z.object({ uploadId: z.uuid() }), OutputSummary),
  /** Faces (largest first) and whether the photo is black and white. */
  inspect: method(z.object({ source: PortraitSource }), Inspection),
  /** Starts a `portrait.process` job: restore, colorize, upscale (a still) and/or animate (a clip). */
  process: method(ProcessRequest, Job),
};
