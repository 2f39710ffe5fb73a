import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sharedFile } from '../testing/shared-data';
import { applyAffine } from './affine';
import { eyeLineRoll, levelledFaceCrop, refineTiltedLandmarks, type FaceDetector } from './face-landmarks';
import type { RgbImage } from './image-tensor';
import { detectFaces, openYunet, type DetectedFace } from './yunet';

const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const photos = sharedFile('fixtures/photos');

function tiltedFace(cx: number, cy: number, roll: number): DetectedFace {
  const r = (roll * Math.PI) / 180;
  const at = (dx: number, dy: number) => ({ x: cx + dx * Math.cos(r) - dy * Math.sin(r), y: cy + dx * Math.sin(r) + dy * Math.cos(r) });
  return {
    score: 0.9,
    box: { x: cx - 40, y: cy - 50, width: 80, height: 100 },
    landmarks: { rightEye: at(-20, -10), leftEye: at(20, -10), nose: at(0, 10), mouthRight: at(-15, 30), mouthLeft: at(15, 30) },
  };
}

describe('levelled face crops', () => {
  it('rotates the eye line level and centres the face box', () => {
    const face = tiltedFace(300, 200, 20);
    expect(eyeLineRoll(face.landmarks)).toBeCloseTo(20);
    const image: RgbImage = { data: new Uint8Array(600 * 400 * 3).fill(90), width: 600, height: 400 };
    const crop = levelledFaceCrop(face, { image, scale: 1 }, 250);
    const right = applyAffine(crop.matrix, face.landmarks.rightEye);
    const left = applyAffine(crop.matrix, face.landmarks.leftEye);
    expect(left.y - right.y).toBeCloseTo(0, 6);
    expect(applyAffine(crop.matrix, { x: 300, y: 200 })).toEqual({ x: 125, y: 125 });
    // 2.5 face heights (250 px) across 250 crop pixels: 1:1.
    expect(left.x - right.x).toBeCloseTo(40, 6);
  });
});

describe.skipIf(yunet.missing || photos.missing)('tilted heads (real YuNet)', () => {
  it('reads a 25° tilt close to 25° after re-detecting on the levelled face', async () => {
    const session = await openYunet(yunet.path);
    const detector: FaceDetector = { model: 'yunet', provider: session.provider, detect: (img) => detectFaces(session, img) };
    const { data, info } = await sharp(join(photos.path, 'astronaut.png'))
      .rotate(25, { background: '#777' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const image: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height };
    const [first] = await detector.detect(image);
    expect(first).toBeDefined();
    const refined = await refineTiltedLandmarks(first!, { image, scale: 1 }, detector, { minRoll: 8, minScore: 0.6 });
    expect(Math.abs(eyeLineRoll(refined.landmarks) - 25)).toBeLessThan(Math.abs(eyeLineRoll(first!.landmarks) - 25));
    expect(eyeLineRoll(refined.landmarks)).toBeGreaterThan(18);
    await session.release();
  });
});
