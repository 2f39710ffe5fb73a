import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { appRoot } from '../core/entry-points';

const Seconds = z.number().positive().max(600);
const Optionality = z.enum(['none', 'optional', 'required']);

/**
 * A reel template (assets/reels/<id>.json): what it takes and how its timeline moves. The planner turns it,
 * with the chosen photos, audio and text, into a plan; the graph builder turns the plan into one ffmpeg graph.
 */
export const ReelTemplate = z
  .object({
    $comment: z.string().optional(),
    id: z.string().regex(/^[a-z][a-z0-9-]*$/),
    name: z.string().min(1),
    description: z.string(),
    visuals: z.object({
      min: z.number().int().min(1),
      max: z.number().int().min(1).max(50),
      /** Names of the visuals in order (before-after), shown in errors and the UI. */
      roles: z.array(z.string()).optional(),
    }),
    voice: Optionality,
    music: Optionality,
    /** `card`: a title segment before the first visual; `overlay`: text over the first seconds. */
    title: z.object({ style: z.enum(['card', 'overlay']), seconds: Seconds }),
    timing: z.object({
      /** Seconds on screen per visual (stills); the last value repeats for further visuals. */
      seconds: z.array(Seconds).min(1),
      minSeconds: Seconds,
      maxSeconds: Seconds,
      /** Stretch the stills so the whole voice fits (never cut a voice). */
      followVoice: z.boolean(),
      voiceLeadSeconds: z.number().min(0).max(10),
      voiceTailSeconds: z.number().min(0).max(10),
    }),
    motion: z.object({
      /** Zoom at the wide and the close end of the move (1 = the whole prepared frame). */
      zoom: z.tuple([z.number().min(1).max(2), z.number().min(1).max(2)]),
      direction: z.enum(['in', 'out', 'alternate']),
      /** Move toward the face (or the centre-weighted point when no face is known). */
      towardFace: z.boolean(),
      /** One move across all visuals (they stay aligned, e.g. before/after) instead of one per visual. */
      continuous: z.boolean(),
    }),
    fit: z.object({
      /** Fill the frame by cropping when that loses at most this share of the photo; else fit it on a blurred copy. */
      maxCropLoss: z.number().min(0).max(1),
    }),
    transition: z.object({ kind: z.enum(['fade', 'wipe']), seconds: Seconds }).nullable(),
    fade: z.object({ in: z.number().min(0).max(5), out: z.number().min(0).max(5) }),
    /** How music sits under the voice. */
    mix: z.object({
      /** The music bed relative to −20 LUFS (the voice is levelled to −16 LUFS before mixing). */
      gainDb: z.number().min(-40).max(12),
      fadeInSeconds: z.number().min(0).max(10),
      fadeOutSeconds: z.number().min(0).max(10),
      /** Ducking under the voice: ffmpeg's sidechaincompress with the voice as the key. */
      duck: z.object({
        threshold: z.number().min(0.001).max(1),
        ratio: z.number().min(1).max(20),
        attackMs: z.number().min(0.01).max(2000),
        releaseMs: z.number().min(0.01).max(9000),
      }),
    }),
    /** Small corner labels naming each visual's role (before/after). */
    labels: z.boolean(),
  })
  .refine((t) => t.visuals.min <= t.visuals.max, { message: 'visuals.min must not exceed visuals.max' })
  .refine((t) => !t.visuals.roles || t.visuals.roles.length === t.visuals.max, { message: 'one role per visual' });
export type ReelTemplate = z.infer<typeof ReelTemplate>;

export function templatesDir(): string {
  return join(appRoot(), 'assets', 'reels');
}

let cached: Map<string, ReelTemplate> | undefined;

/** Every template in assets/reels, validated (a broken file is a bug in the app, named with its problem). */
export function loadTemplates(dir = templatesDir()): Map<string, ReelTemplate> {
  if (cached && dir === templatesDir()) return cached;
  const templates = new Map<string, ReelTemplate>();
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const parsed = ReelTemplate.safeParse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    if (!parsed.success) throw new StudioError('INTERNAL', `The reel template ${name} is invalid: ${parsed.error.message}`);
    if (`${parsed.data.id}.json` !== name) throw new StudioError('INTERNAL', `The reel template ${name} has the id “${parsed.data.id}”.`);
    templates.set(parsed.data.id, parsed.data);
  }
  if (dir === templatesDir()) cached = templates;
  return templates;
}

export function requireTemplate(id: string): ReelTemplate {
  const template = loadTemplates().get(id);
  if (!template) {
    throw new StudioError('INVALID_INPUT', `There is no reel template “${id}”.`, `Choose one of: ${[...loadTemplates().keys()].join(', ')}.`);
  }
  return template;
}
