import { describe, expect, it } from 'vitest';
import { rotationMatrix, transformKeypoints } from './liveportrait';
import {
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
