import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { appRoot } from '../core/entry-points';

/**
 * Motion without a driving video: a preset (assets/motion/<id>.json) is a set of key curves — head pitch, yaw and
 * roll in degrees, smile, gaze, eye and lip openness — eased between keys, looped over the clip, with a faint
 * idle sway and random blinks at a natural rate, all from a seed so a clip can be made again exactly.
 */

const Key = z.tuple([z.number().min(0), z.number()]);
const Curve = z.array(Key).min(1);

export const MotionPreset = z.object({
  $comment: z.string().optional(),
  id: z.string().regex(/^[a-z][a-z0-9-]*$/),
  name: z.string(),
  description: z.string(),
  translations: z.record(z.string(), z.object({ name: z.string(), description: z.string() })).default({}),
  /** Length of one cycle of the curves. */
  seconds: z.number().positive().max(60),
  /** Clips longer than one cycle repeat it (the curves start and end at rest). */
  loop: z.boolean().default(true),
  curves: z
    .object({
      /** Degrees, added to the photo's own pose: pitch + looks down, yaw + turns to the picture's right, roll + tilts clockwise. */
      pitch: Curve,
      yaw: Curve,
      roll: Curve,
      /** 0 … 1 */
      smile: Curve,
      /** −1 … 1: left/right, up/down. */
      gazeX: Curve,
      gazeY: Curve,
      /** Eye openness as a share of the photo's (blinks multiply it). */
      eyes: Curve,
      /** Parted lips, 0 … 1. */
      lips: Curve,
    })
    .partial(),
  blinks: z
    .object({ perMinute: z.number().min(0).max(60), minGapSeconds: z.number().min(0.3).max(30) })
    .default({ perMinute: 14, minGapSeconds: 1.6 }),
  /** The faint sway of a living head, in degrees. */
  idle: z.object({ degrees: z.number().min(0).max(3) }).default({ degrees: 0.6 }),
});
export type MotionPreset = z.output<typeof MotionPreset>;

export function motionDir(): string {
  return join(appRoot(), 'assets', 'motion');
}

let cached: Map<string, MotionPreset> | undefined;

export function loadMotionPresets(dir = motionDir()): Map<string, MotionPreset> {
  if (cached && dir === motionDir()) return cached;
  const presets = new Map<string, MotionPreset>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const parsed = MotionPreset.safeParse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    if (!parsed.success) throw new StudioError('INTERNAL', `The motion preset ${file} is invalid: ${parsed.error.message}`);
    if (`${parsed.data.id}.json` !== file) throw new StudioError('INTERNAL', `The motion preset ${file} has the id “${parsed.data.id}”.`);
    presets.set(parsed.data.id, parsed.data);
  }
  if (dir === motionDir()) cached = presets;
  return presets;
}

export function requireMotionPreset(id: string): MotionPreset {
  const preset = loadMotionPresets().get(id);
  if (!preset)
    throw new StudioError('INVALID_INPUT', `There is no motion preset “${id}”.`, `Choose one of: ${[...loadMotionPresets().keys()].join(', ')}.`);
  return preset;
}

/** What the animator applies at one frame. */
export interface MotionFrame {
  pitch: number;
  yaw: number;
  roll: number;
  smile: number;
  gazeX: number;
  gazeY: number;
  /** 1 = as open as in the photo, 0 = closed. */
  eyes: number;
  /** 0 = as in the photo, 1 = clearly parted. */
  lips: number;
}

export const restFrame: MotionFrame = { pitch: 0, yaw: 0, roll: 0, smile: 0, gazeX: 0, gazeY: 0, eyes: 1, lips: 0 };

/** The curve's value at t: eased (smoothstep) between keys, flat before the first and after the last. */
export function sampleCurve(curve: readonly (readonly [number, number])[], t: number): number {
  const keys = [...curve].sort((a, b) => a[0] - b[0]);
  if (t <= keys[0]![0]) return keys[0]![1];
  for (let i = 1; i < keys.length; i++) {
    const [t1, v1] = keys[i]!;
    if (t <= t1) {
      const [t0, v0] = keys[i - 1]!;
      const u = t1 === t0 ? 1 : (t - t0) / (t1 - t0);
      return v0 + (v1 - v0) * u * u * (3 - 2 * u);
    }
  }
  return keys.at(-1)![1];
}

/** A small, fast, seedable generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Blink start times over `seconds`: the first after a moment, then random gaps (exponential, at least `minGap`). */
export function blinkTimes(seconds: number, perMinute: number, minGap: number, random: () => number): number[] {
  if (perMinute <= 0) return [];
  const mean = 60 / perMinute;
  const times: number[] = [];
  let t = 0.6 + random() * Math.min(2, mean);
  while (t < seconds - 0.3) {
    times.push(t);
    t += Math.max(minGap, -Math.log(1 - random()) * mean);
  }
  return times;
}

/** Eye openness during a blink that starts at 0: closes in 80 ms, stays shut 40 ms, opens over 150 ms. */
export function blinkOpenness(sinceStart: number): number {
  if (sinceStart < 0 || sinceStart > 0.27) return 1;
  if (sinceStart < 0.08) return 1 - sinceStart / 0.08;
  if (sinceStart < 0.12) return 0;
  const u = (sinceStart - 0.12) / 0.15;
  return u * u * (3 - 2 * u);
}

export interface MotionPlan {
  fps: number;
  frames: MotionFrame[];
  blinks: number[];
}

/** Every frame's motion for a clip of `frameCount` frames at `fps`. */
export function planPresetMotion(preset: MotionPreset, options: { fps: number; frameCount: number; seed: number }): MotionPlan {
  const random = seededRandom(options.seed);
  const seconds = options.frameCount / options.fps;
  const blinks = blinkTimes(seconds, preset.blinks.perMinute, preset.blinks.minGapSeconds, random);
  // Idle sway: two slow sines per axis with random phases (0.1–0.35 Hz), small enough to read as life, not motion.
  const sway = ['pitch', 'yaw', 'roll'].map(() => [0, 1].map(() => ({ hz: 0.1 + random() * 0.25, phase: random() * 2 * Math.PI })));
  const amplitude = preset.idle.degrees;
  const frames: MotionFrame[] = [];
  for (let i = 0; i < options.frameCount; i++) {
    const t = i / options.fps;
    const ct = preset.loop ? t % preset.seconds : Math.min(t, preset.seconds);
    const curve = (name: keyof MotionPreset['curves'], rest: number) => {
      const keys = preset.curves[name];
      return keys ? sampleCurve(keys, ct) : rest;
    };
    // The sway fades in over the first second so frame 0 is the photo as it is.
    const fade = Math.min(1, t);
    const idle = (axis: number, scale: number) =>
      fade * scale * amplitude * sway[axis]!.reduce((s, w) => s + 0.5 * Math.sin(2 * Math.PI * w.hz * t + w.phase) - 0.5 * Math.sin(w.phase), 0);
    const blink = blinks.reduce((open, start) => Math.min(open, blinkOpenness(t - start)), 1);
    frames.push({
      pitch: curve('pitch', 0) + idle(0, 1),
      yaw: curve('yaw', 0) + idle(1, 1),
      roll: curve('roll', 0) + idle(2, 0.5),
      smile: curve('smile', 0),
      gazeX: curve('gazeX', 0),
      gazeY: curve('gazeY', 0),
      eyes: curve('eyes', 1) * blink,
      lips: curve('lips', 0),
    });
  }
  return { fps: options.fps, frames, blinks };
}

/**
 * Expression offsets (21 keypoints × 3) for a smile and a gaze, on the keypoints LivePortrait's expression space
 * moves for them (the mapping FaceFusion's face editor uses: mouth corners 14/17/20, cheeks 3/7, eyes 11/13/15/16).
 */
export function expressionOffsets(frame: Pick<MotionFrame, 'smile' | 'gazeX' | 'gazeY'>): Float32Array {
  const d = new Float32Array(63);
  const add = (point: number, axis: number, value: number) => (d[point * 3 + axis]! += value);
  const s = Math.max(0, Math.min(1, frame.smile));
  add(20, 1, -0.015 * s);
  add(14, 1, -0.025 * s);
  add(17, 1, 0.01 * s);
  add(17, 2, 0.004 * s);
  add(3, 1, -0.0045 * s);
  add(7, 1, -0.0045 * s);
  const h = Math.max(-1, Math.min(1, frame.gazeX));
  add(11, 0, (h > 0 ? 0.015 : 0.02) * h);
  add(15, 0, (h > 0 ? 0.02 : 0.015) * h);
  const v = Math.max(-1, Math.min(1, frame.gazeY));
  add(1, 1, 0.0025 * v);
  add(2, 1, -0.0025 * v);
  add(11, 1, -0.01 * v);
  add(13, 1, -0.005 * v);
  add(15, 1, -0.01 * v);
  add(16, 1, -0.005 * v);
  return d;
}

/**
 * The range of each expression offset (21 keypoints × x, y, z) that LivePortrait renders without tearing the face,
 * as FaceFusion clamps them (facefusion/processors/live_portrait.py, EXPRESSION_MIN / EXPRESSION_MAX, applied
 * after every edit and after blending a driver's expression).
 */
const EXPRESSION_MIN = Float32Array.from([
  -2.88067125e-2, -8.12731311e-2, -1.70541159e-3, -4.88598682e-2, -3.32196616e-2, -1.67431499e-4, -6.75425082e-2, -4.28681746e-2, -1.98950816e-4,
  -7.23103955e-2, -3.28503326e-2, -7.31324719e-4, -3.87073644e-2, -6.01546466e-2, -5.50269964e-4, -6.38048723e-2, -2.23840728e-1, -7.13261834e-4,
  -3.02710701e-2, -3.9319545e-2, -8.2408651e-6, -2.95799859e-2, -5.39318882e-2, -1.74219604e-4, -2.92359516e-2, -1.53050944e-2, -6.30460854e-5,
  -5.56493877e-3, -2.34344602e-2, -1.26858242e-4, -4.37593013e-2, -2.77768299e-2, -2.70503685e-2, -1.76926646e-2, -1.91676542e-2, -1.15090821e-4,
  -8.34268332e-3, -3.9977557e-3, -3.27481248e-5, -3.40162888e-2, -2.81868968e-2, -1.96679524e-4, -2.9185541e-2, -3.97511162e-2, -2.81230678e-5,
  -1.50395725e-2, -2.49494594e-2, -9.42573533e-5, -1.67938769e-2, -2.00953931e-2, -4.00750607e-4, -1.86435618e-2, -2.48535164e-2, -2.74416432e-2,
  -4.61211195e-3, -1.21660791e-2, -2.93173041e-4, -4.10017073e-2, -7.4382402e-2, -4.42762971e-2, -1.90370996e-2, -3.74363363e-2, -1.34740388e-2,
]);
const EXPRESSION_MAX = Float32Array.from([
  4.46682945e-2, 7.08772913e-2, 4.08344204e-4, 2.14308221e-2, 6.15894832e-2, 4.85319615e-5, 3.02363783e-2, 4.45043296e-2, 1.28298725e-5,
  3.05869691e-2, 3.79812494e-2, 6.57040102e-4, 4.45670523e-2, 3.9725922e-2, 7.10966764e-4, 9.43699256e-2, 9.85926315e-2, 2.0255195e-4, 1.61131397e-2,
  2.92906128e-2, 3.44733417e-6, 5.23825921e-2, 1.07065082e-1, 6.61510974e-4, 2.85718683e-3, 8.32320191e-3, 2.39314613e-4, 2.57947259e-2,
  1.60935968e-2, 2.41853559e-5, 4.90833223e-2, 3.4390308e-2, 3.22353356e-2, 1.44766076e-2, 3.39248963e-2, 1.42291479e-4, 8.75749043e-4, 6.82212645e-3,
  2.76097053e-5, 1.86958015e-2, 3.84016186e-2, 7.33085908e-5, 2.01714113e-2, 4.90544215e-2, 2.34028921e-5, 2.46518422e-2, 3.29151377e-2, 3.4857163e-5,
  2.22457591e-2, 1.21796541e-2, 1.56396593e-4, 1.72109623e-2, 3.01626958e-2, 1.36556877e-2, 1.83460284e-2, 1.61141958e-2, 2.8744017e-4, 3.57594155e-2,
  1.80554688e-1, 2.75554154e-2, 2.1745095e-2, 8.66811201e-2, 3.34241726e-2,
]);

/** Each expression offset clamped to the range LivePortrait renders well (EXPRESSION_MIN/MAX above). */
export function limitExpression(expression: Float32Array): Float32Array {
  return expression.map((v, i) => Math.min(EXPRESSION_MAX[i]!, Math.max(EXPRESSION_MIN[i]!, v)));
}

/** Head angles LivePortrait renders well, around the photo's own pose (the limits FaceFusion's editor keeps to). */
export function limitPose(photo: { pitch: number; yaw: number; roll: number }, wanted: { pitch: number; yaw: number; roll: number }) {
  const clamp = (v: number, own: number, limit: number) => Math.min(Math.max(limit, own), Math.max(Math.min(-limit, own), v));
  return { pitch: clamp(wanted.pitch, photo.pitch, 30), yaw: clamp(wanted.yaw, photo.yaw, 60), roll: clamp(wanted.roll, photo.roll, 20) };
}
