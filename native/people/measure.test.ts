import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { FaceLandmarks } from '../inference/yunet';
import { exposureOf, hammingDistance, headPose, lumaOf, perceptualHash, sharpnessOf, toneOf, type Gray } from './measure';

/** A 96×96 luma image of stripes and rings (plenty of edges), optionally blurred by sharp. */
async function pattern(blur?: number): Promise<Gray> {
  const svg = `<svg width="96" height="96"><rect width="96" height="96" fill="#777"/>
    ${Array.from({ length: 8 }, (_, i) => `<rect x="${i * 12}" y="0" width="6" height="48" fill="#eee"/>`).join('')}
    ${Array.from({ length: 5 }, (_, i) => `<circle cx="48" cy="72" r="${4 + i * 5}" stroke="#111" stroke-width="2" fill="none"/>`).join('')}</svg>`;
  let image = sharp(Buffer.from(svg)).grayscale();
  if (blur) image = image.blur(blur);
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  return lumaOf(new Uint8Array(data), info.width, info.height, info.channels);
}

function rgbFill(pixels: number, colour: (i: number) => [number, number, number]): Uint8Array {
  const data = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) data.set(colour(i), i * 3);
  return data;
}

describe('sharpness', () => {
  it('falls as the blur grows, and ignores how bright or contrasty the picture is', async () => {
    const sharp0 = sharpnessOf(await pattern());
    const soft = sharpnessOf(await pattern(1.5));
    const blurred = sharpnessOf(await pattern(3));
    expect(sharp0).toBeGreaterThan(soft);
    expect(soft).toBeGreaterThan(blurred);
    const base = await pattern();
    const faded: Gray = { ...base, data: base.data.map((v) => 100 + v * 0.3) };
    expect(sharpnessOf(faded)).toBeCloseTo(sharp0, 5);
  });

  it('is zero for a flat patch rather than dividing by zero', () => {
    expect(sharpnessOf({ data: new Float32Array(100).fill(128), width: 10, height: 10 })).toBe(0);
  });
});

describe('exposure', () => {
  it('counts burnt-out and crushed pixels and measures contrast', () => {
    const data = new Float32Array(100);
    data.fill(255, 0, 20);
    data.fill(0, 20, 50);
    data.fill(128, 50);
    const e = exposureOf({ data, width: 10, height: 10 });
    expect(e.highlights).toBeCloseTo(0.2);
    expect(e.shadows).toBeCloseTo(0.3);
    expect(e.contrast).toBeGreaterThan(0.3);
  });
});

describe('tone', () => {
  const n = 64 * 64;
  const ramp = (i: number) => Math.round((i / n) * 255);
  it('tells black and white, sepia and other tones from colour', () => {
    expect(
      toneOf(
        rgbFill(n, (i) => [ramp(i), ramp(i), ramp(i)]),
        n,
        3,
      ).kind,
    ).toBe('black-and-white');
    // Warm: the colour follows the brightness, as in a sepia print.
    expect(
      toneOf(
        rgbFill(n, (i) => [Math.min(255, ramp(i) + 30), ramp(i), Math.max(0, ramp(i) - 30)]),
        n,
        3,
      ).kind,
    ).toBe('sepia');
    expect(
      toneOf(
        rgbFill(n, (i) => [Math.max(0, ramp(i) - 30), ramp(i), Math.min(255, ramp(i) + 30)]),
        n,
        3,
      ).kind,
    ).toBe('toned');
    // Pixels of the same brightness in different colours: a colour photo, even a muted one.
    expect(
      toneOf(
        rgbFill(n, (i) => (i % 2 ? [150, 110, 110] : [110, 130, 150])),
        n,
        3,
      ).kind,
    ).toBe('colour');
    expect(toneOf(new Uint8Array(n), n, 1).kind).toBe('black-and-white');
  });
});

describe('perceptual hash', () => {
  it('barely changes with resizing and recompression, and differs between pictures', async () => {
    const hashOf = async (input: Buffer) => {
      const { data, info } = await sharp(input).resize(32, 32, { fit: 'fill' }).grayscale().raw().toBuffer({ resolveWithObject: true });
      return perceptualHash(lumaOf(new Uint8Array(data), 32, 32, info.channels));
    };
    const svg = (shift: number) =>
      Buffer.from(`<svg width="200" height="150"><rect width="200" height="150" fill="#345"/><circle cx="${70 + shift}" cy="60" r="40" fill="#fc8"/>
      <rect x="120" y="90" width="60" height="40" fill="#e33"/></svg>`);
    const original = await sharp(svg(0)).png().toBuffer();
    const a = await hashOf(original);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(hammingDistance(a, await hashOf(await sharp(original).resize(90).jpeg({ quality: 60 }).toBuffer()))).toBeLessThanOrEqual(4);
    expect(hammingDistance(a, await hashOf(await sharp(svg(0)).flop().png().toBuffer()))).toBeGreaterThan(12);
    expect(hammingDistance('ff', '00')).toBe(8);
  });
});

describe('head pose', () => {
  const face = (roll: number, noseShift: number): FaceLandmarks => {
    const r = (roll * Math.PI) / 180;
    const at = (x: number, y: number) => ({ x: 100 + x * Math.cos(r) - y * Math.sin(r), y: 100 + x * Math.sin(r) + y * Math.cos(r) });
    return { rightEye: at(-20, 0), leftEye: at(20, 0), nose: at(noseShift, 20), mouthRight: at(-15, 40), mouthLeft: at(15, 40) };
  };

  it('reads the tilt of the eye line and how far the head is turned', () => {
    expect(headPose(face(0, 0))).toEqual({ roll: 0, yaw: 0 });
    expect(headPose(face(20, 0)).roll).toBeCloseTo(20);
    expect(headPose(face(-12, 0)).roll).toBeCloseTo(-12);
    // Nose tip half an eye-distance aside: atan(1 / 0.8) ≈ 51° towards the picture's right.
    expect(headPose(face(0, 20)).yaw).toBeCloseTo(51.3, 0);
    expect(headPose(face(15, -20)).yaw).toBeCloseTo(-51.3, 0);
  });
});
