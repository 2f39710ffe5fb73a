import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { applyAffine } from '../inference/affine';
import { faceDetectorFromFile } from '../inference/face-detector';
import { openSession } from '../inference/session';
import { sharedFile } from '../testing/shared-data';
import { FFHQ_TEMPLATE, alignFace, alignmentMatrix } from './faces';
import { createLipSyncer, lowerFaceMask, wav2lipBox } from './lipsync';
import { wav2lipModel } from './testing/tiny-models';

const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const photos = sharedFile('fixtures/photos');

describe('Wav2Lip as FaceFusion pastes it', () => {
  // An FFHQ-aligned 512 crop of an average face: the five landmarks on the template.
  const at = (i: number, dx = 0, dy = 0) => ({ x: FFHQ_TEMPLATE[i]!.x * 512 + dx, y: FFHQ_TEMPLATE[i]!.y * 512 + dy });
  const face = (dy = 0) => ({ rightEye: at(0), leftEye: at(1), nose: at(2, 0, dy), mouthRight: at(3, 0, dy), mouthLeft: at(4, 0, dy) });

  it('takes the face box from the landmarks: brows to below the chin, and it follows a mouth that sits lower', () => {
    const box = wav2lipBox(face());
    expect(box.x / 512).toBeCloseTo(0.17, 1);
    expect(box.y / 512).toBeCloseTo(0.3, 1);
    expect((box.x + box.w) / 512).toBeCloseTo(0.83, 1);
    expect((box.y + box.h) / 512).toBeCloseTo(0.97, 1);
    const lower = wav2lipBox(face(20));
    expect(lower.y + lower.h).toBeGreaterThan(box.y + box.h + 20);
  });

  it('pastes through a lower-face mask: all of the mouth and chin, none of the eyes, soft at the edge, placed by the landmarks', async () => {
    const value = (mask: Float32Array, p: { x: number; y: number }) => mask[Math.round(p.y) * 512 + Math.round(p.x)]!;
    const mask = await lowerFaceMask(face(), 512);
    const mouth = { x: 256, y: FFHQ_TEMPLATE[3]!.y * 512 };
    expect(value(mask, mouth)).toBe(1);
    expect(value(mask, { x: 256, y: mouth.y + 50 })).toBeGreaterThan(0.9); // the chin
    expect(value(mask, at(0))).toBe(0); // an eye
    expect(value(mask, { x: 20, y: mouth.y })).toBe(0); // outside the jaw
    const edge = [...mask].filter((v) => v > 0.05 && v < 0.95).length;
    expect(edge).toBeGreaterThan(2000); // a feathered edge, not a hard cut
    const lower = await lowerFaceMask(face(40), 512);
    expect(value(lower, { x: 256, y: mouth.y + 95 })).toBeGreaterThan(value(mask, { x: 256, y: mouth.y + 95 }));
  });
});

describe.skipIf(yunet.missing ?? photos.missing)('a Wav2Lip frame on a real face (tiny model: the face back, brighter by the sound)', () => {
  it('changes the lower face by what the model drew, and nothing above the nose or outside the face box', async () => {
    const { data, info } = await sharp(readFileSync(join(photos.path, 'astronaut.png')))
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const detector = await faceDetectorFromFile(yunet.path);
    const [found] = await detector.detect({ data: new Uint8Array(data), width: info.width, height: info.height });
    // The animated frame lip sync receives: the face aligned into a 512 crop, a little smaller and off centre.
    const crop = alignFace({ data: new Uint8Array(data), width: info.width, height: info.height }, found!.landmarks, 512, 0.8).crop;
    const session = await openSession(wav2lipModel(), { model: 'wav2lip-gan-96', provider: 'cpu' });
    const syncer = createLipSyncer(session, 'wav2lip-gan-96', detector, { weight: 1 });
    // The tiny model adds (mean of the window + 4) · 0.02 to the face: 0.09 of full scale, 23 levels.
    const frame = await syncer.apply(crop, new Float32Array(80 * 16).fill(0.5));

    const [face] = await detector.detect(crop);
    const l = face!.landmarks;
    // The mean change over 9 × 9 pixels around a point, per channel: a 96-px face resampled back to the frame
    // blurs the lips' detail, so single pixels move by the brightening ± a few levels.
    const change = (p: { x: number; y: number }) =>
      [0, 1, 2].map((c) => {
        let sum = 0;
        for (let dy = -4; dy <= 4; dy++) {
          for (let dx = -4; dx <= 4; dx++) {
            const i = ((Math.round(p.y) + dy) * 512 + Math.round(p.x) + dx) * 3 + c;
            sum += frame.data[i]! - crop.data[i]!;
          }
        }
        return sum / 81;
      });
    const mouth = { x: (l.mouthLeft.x + l.mouthRight.x) / 2, y: (l.mouthLeft.y + l.mouthRight.y) / 2 };
    const down = mouth.y - (l.leftEye.y + l.rightEye.y) / 2;
    // The chin is skin, far from white: all of the brightening. The lips are red, and red clips at 255.
    for (const delta of change({ x: mouth.x, y: mouth.y + 0.4 * down })) expect(Math.abs(delta - 23)).toBeLessThanOrEqual(2);
    for (const delta of change(mouth)) expect(delta).toBeGreaterThan(15);
    for (const eye of [l.leftEye, l.rightEye]) expect(change(eye)).toEqual([0, 0, 0]);
    // Inside the box but outside the jaw (the cheek by the ear): untouched; between it and the mouth the change
    // fades through the mask's feathered edge, not a hard cut.
    const eyes = { x: (l.leftEye.x + l.rightEye.x) / 2, y: (l.leftEye.y + l.rightEye.y) / 2 };
    const across = Math.abs(l.leftEye.x - l.rightEye.x);
    const cheek = { x: eyes.x - 1.25 * across, y: mouth.y };
    expect(change(cheek)).toEqual([0, 0, 0]);
    // Pixel by pixel along the line from the mouth to the cheek (green): a blurred mask ramps over many pixels;
    // a hard one, scaled up from the 96² box, over a few (28 against 6 here).
    const steps = Math.round(mouth.x - cheek.x);
    const ramp = Array.from({ length: steps }, (_, i) => {
      const at = (Math.round(mouth.y) * 512 + Math.round(mouth.x - i)) * 3 + 1;
      return frame.data[at]! - crop.data[at]!;
    }).filter((delta) => delta > 3 && delta < 18);
    expect(ramp.length).toBeGreaterThanOrEqual(14);

    // Outside the face box (measured in the aligned frame, as Wav2Lip's box is) not one sample moved.
    const aligned = alignmentMatrix(l, 512);
    const p = (q: { x: number; y: number }) => applyAffine(aligned, q);
    const box = wav2lipBox({
      rightEye: p(l.rightEye),
      leftEye: p(l.leftEye),
      nose: p(l.nose),
      mouthRight: p(l.mouthRight),
      mouthLeft: p(l.mouthLeft),
    });
    let outside = 0;
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        const q = applyAffine(aligned, { x, y });
        const margin = 2;
        if (q.x > box.x - margin && q.x < box.x + box.w + margin && q.y > box.y - margin && q.y < box.y + box.h + margin) continue;
        const i = (y * 512 + x) * 3;
        if (frame.data[i] !== crop.data[i] || frame.data[i + 1] !== crop.data[i + 1] || frame.data[i + 2] !== crop.data[i + 2]) outside++;
      }
    }
    expect(outside).toBe(0);
  });
});
