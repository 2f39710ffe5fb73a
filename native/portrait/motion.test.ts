import { describe, expect, it } from 'vitest';
import { applyAffine, estimateSimilarity } from '../inference/affine';
import { LIVEPORTRAIT_ZOOM, LIVEPORTRAIT_ZOOM_ABOUT } from './animate';
import { alignmentMatrix, FFHQ_TEMPLATE } from './faces';
import { rotationMatrix, transformKeypoints } from './liveportrait';
import {
  limitExpression,
  blinkOpenness,
  blinkTimes,
  expressionOffsets,
  limitPose,
  loadMotionPresets,
  planPresetMotion,
  restFrame,
  sampleCurve,
  seededRandom,
} from './motion';

describe('motion presets', () => {
  it('ships gentle nod, turn and return, look around, smile and blink, each valid and named in Chinese too', () => {
    const presets = loadMotionPresets();
    expect([...presets.keys()].sort()).toEqual(['blink', 'gentle-nod', 'look-around', 'smile', 'turn-and-return']);
    for (const preset of presets.values()) {
      expect(preset.translations['zh-CN']?.name).toMatch(/\S/);
      // Curves start and end at rest so loops join without a jump.
      for (const [name, keys] of Object.entries(preset.curves)) {
        const rest = name === 'eyes' ? 1 : 0;
        expect(sampleCurve(keys, 0)).toBeCloseTo(rest);
        expect(sampleCurve(keys, preset.seconds)).toBeCloseTo(rest);
      }
    }
  });

  it('eases between keys: slow at each key, fastest in between', () => {
    const curve: [number, number][] = [
      [0, 0],
      [1, 10],
    ];
    expect(sampleCurve(curve, 0.5)).toBeCloseTo(5);
    expect(sampleCurve(curve, 0.1)).toBeLessThan(1); // linear would be 1
    expect(sampleCurve(curve, 2)).toBe(10);
  });

  it('blinks at a natural rate, never too close together, the same for the same seed', () => {
    const times = blinkTimes(600, 15, 1.6, seededRandom(7));
    expect(times.length).toBeGreaterThan(110);
    expect(times.length).toBeLessThan(190);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1.6 - 1e-9);
    expect(blinkTimes(600, 15, 1.6, seededRandom(7))).toEqual(times);
    expect(blinkTimes(600, 15, 1.6, seededRandom(8))).not.toEqual(times);
    // A blink closes faster than it opens.
    expect(blinkOpenness(0.04)).toBeCloseTo(0.5);
    expect(blinkOpenness(0.1)).toBe(0);
    expect(blinkOpenness(0.12 + 0.075)).toBeCloseTo(0.5);
    expect(blinkOpenness(0.5)).toBe(1);
  });

  it('plans every frame: the first at rest, the nod’s keys where the preset puts them, blinks closing the eyes', () => {
    const preset = loadMotionPresets().get('gentle-nod')!;
    const plan = planPresetMotion(preset, { fps: 25, frameCount: 250, seed: 3 });
    expect(plan.frames).toHaveLength(250);
    expect(plan.frames[0]).toEqual(restFrame);
    // At 1.7 s the preset nods down 7°; the idle sway adds at most a degree or so.
    expect(plan.frames[Math.round(1.7 * 25)]!.pitch).toBeGreaterThan(5);
    const closed = plan.frames.filter((f) => f.eyes < 0.05).length;
    expect(closed).toBeGreaterThan(0);
    expect(plan.blinks.length).toBeGreaterThanOrEqual(1);
    // Looped: the second cycle follows the same curves.
    expect(plan.frames[Math.round(7.7 * 25)]!.pitch).toBeGreaterThan(5);
  });

  it('moves the mouth corners for a smile and the eyes for a gaze, and keeps poses LivePortrait renders well', () => {
    expect(expressionOffsets(restFrame).every((v) => v === 0)).toBe(true);
    const smile = expressionOffsets({ smile: 1, gazeX: 0, gazeY: 0 });
    expect(smile[14 * 3 + 1]).toBeCloseTo(-0.025);
    const gaze = expressionOffsets({ smile: 0, gazeX: -1, gazeY: 0 });
    expect(gaze[11 * 3]).toBeCloseTo(-0.02);
    expect(limitPose({ pitch: 0, yaw: 0, roll: 0 }, { pitch: 45, yaw: -80, roll: 5 })).toEqual({ pitch: 30, yaw: -60, roll: 5 });
    // A photo already turned further than the limit keeps its own pose as the bound.
    expect(limitPose({ pitch: 0, yaw: 70, roll: 0 }, { pitch: 0, yaw: 75, roll: 0 }).yaw).toBe(70);
  });
});

describe('LivePortrait keypoint maths', () => {
  it('rotates as Rz(roll)·Ry(yaw)·Rx(pitch) (scipy’s extrinsic xyz, as LivePortrait builds it)', () => {
    const r = (d: number) => (d * Math.PI) / 180;
    const [p, y, z] = [10, 20, 30];
    const rx = [1, 0, 0, 0, Math.cos(r(p)), -Math.sin(r(p)), 0, Math.sin(r(p)), Math.cos(r(p))];
    const ry = [Math.cos(r(y)), 0, Math.sin(r(y)), 0, 1, 0, -Math.sin(r(y)), 0, Math.cos(r(y))];
    const rz = [Math.cos(r(z)), -Math.sin(r(z)), 0, Math.sin(r(z)), Math.cos(r(z)), 0, 0, 0, 1];
    const mul = (a: number[], b: number[]) =>
      Array.from({ length: 9 }, (_, k) => [0, 1, 2].reduce((s, m) => s + a[Math.floor(k / 3) * 3 + m]! * b[m * 3 + (k % 3)]!, 0));
    const expected = mul(rz, mul(ry, rx));
    Array.from(rotationMatrix(p, y, z)).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
  });

  it('places keypoints: scale · (kp · Rᵀ + expression) + (tx, ty, 0)', () => {
    const keypoints = new Float32Array(63);
    keypoints.set([1, 0, 0], 0);
    const expression = new Float32Array(63);
    expression[1] = 0.5;
    const out = transformKeypoints({ keypoints, expression, scale: 2, translation: [0.1, 0.2, 9] }, rotationMatrix(0, 0, 90));
    // (1, 0, 0) turned 90° about z → (0, 1, 0); + expression (0, 0.5, 0); × 2; + (0.1, 0.2, 0)
    expect(out[0]).toBeCloseTo(0.1, 6);
    expect(out[1]).toBeCloseTo(3.2, 6);
    expect(out[2]).toBeCloseTo(0, 6);
  });
});

describe('LivePortrait as FaceFusion runs it', () => {
  it('crops as FaceFusion does: the five landmarks scaled ×1.5 about the nose, then fitted to FFHQ at 512', () => {
    // A face at an angle in a large photo, its landmarks a little off the template (as real ones are).
    const turn = (12 * Math.PI) / 180;
    const jitter = [3, -2, 1, -1, 2, 3, -3, 2, 1, -2];
    const points = FFHQ_TEMPLATE.map((p, i) => {
      const [x, y] = [(p.x - 0.5) * 300, (p.y - 0.5) * 300];
      return {
        x: 900 + x * Math.cos(turn) - y * Math.sin(turn) + jitter[i * 2]!,
        y: 700 + x * Math.sin(turn) + y * Math.cos(turn) + jitter[i * 2 + 1]!,
      };
    });
    const landmarks = { rightEye: points[0]!, leftEye: points[1]!, nose: points[2]!, mouthRight: points[3]!, mouthLeft: points[4]! };
    // facefusion/face_helper.py: scale_face_landmark_5 = (lm − lm[nose]) · 1.5 + lm[nose]; warp_face_by_face_landmark_5
    // fits the scaled points to the ffhq_512 template × 512 with a similarity.
    const nose = points[2]!;
    const scaled = points.map((p) => ({ x: nose.x + (p.x - nose.x) * 1.5, y: nose.y + (p.y - nose.y) * 1.5 }));
    const reference = estimateSimilarity(
      scaled,
      FFHQ_TEMPLATE.map((p) => ({ x: p.x * 512, y: p.y * 512 })),
    );
    const ours = alignmentMatrix(landmarks, 512, LIVEPORTRAIT_ZOOM, LIVEPORTRAIT_ZOOM_ABOUT);
    for (const p of points) {
      const [a, b] = [applyAffine(reference, p), applyAffine(ours, p)];
      expect(Math.hypot(a.x - b.x, a.y - b.y)).toBeLessThan(1e-6);
    }
    // The zoom about the crop's centre (before) put the face about 19 px higher.
    const centred = alignmentMatrix(landmarks, 512, LIVEPORTRAIT_ZOOM);
    expect(applyAffine(reference, nose).y - applyAffine(centred, nose).y).toBeGreaterThan(15);
  });

  it('clamps expressions to the range FaceFusion keeps them in (EXPRESSION_MIN/MAX), per keypoint and axis', () => {
    const wild = new Float32Array(63).fill(1);
    wild[16] = -1; // keypoint 5, y: the widest range, −0.2238 … 0.0986
    const limited = limitExpression(wild);
    expect(limited[16]).toBeCloseTo(-2.23840728e-1, 7);
    expect(limited[0]).toBeCloseTo(4.46682945e-2, 7);
    expect(limited[62]).toBeCloseTo(3.34241726e-2, 7);
    const gentle = new Float32Array(63).fill(1e-6);
    expect(Array.from(limitExpression(gentle))).toEqual(Array.from(gentle));
  });
});
