import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Face } from '../api/namespaces/people';
import { sharedFile } from '../testing/shared-data';
import { measurePhoto } from './analyse';
import { cropGeometry, cropInfoOf, cropPointToSource, renderCrop } from './crop';
import { decodePhoto, inspectPhoto } from './decode';
import { faceDetectorFromFile } from '../inference/face-detector';
import { headPose, lumaOf } from './measure';
import { thresholds } from './thresholds';

/** A face 100 px tall whose eye line is tilted by `roll` degrees, centred at (cx, cy). */
function tiltedFace(cx: number, cy: number, roll = 0): Face {
  const r = (roll * Math.PI) / 180;
  const at = (x: number, y: number) => ({ x: cx + x * Math.cos(r) - y * Math.sin(r), y: cy + x * Math.sin(r) + y * Math.cos(r) });
  return {
    score: 0.9,
    box: { x: cx - 40, y: cy - 50, width: 80, height: 100 },
    landmarks: { rightEye: at(-20, -15), leftEye: at(20, -15), nose: at(0, 5), mouthRight: at(-15, 25), mouthLeft: at(15, 25) },
  };
}

describe('crop geometry', () => {
  it('centres a square of 2.5 face heights on the face, levelled by the eye-line tilt', () => {
    const g = cropGeometry({ width: 2000, height: 2000, face: tiltedFace(1000, 900, 12), padding: 'shift' });
    expect(g.angle).toBeCloseTo(12);
    expect(g.side).toBeCloseTo(thresholds.cropSideToFace * 100);
    expect([g.cx, g.cy]).toEqual([1000, 900]);
    expect(g.shifted).toBe(false);
    expect(g.outside).toBe(0);
    expect(cropInfoOf(g, 512).notes.map((n) => n.code)).toEqual(['crop-upscaled']);
    expect(cropInfoOf(g, 256).notes).toEqual([]);
  });

  it('moves the square back inside the photo near a border (shift), or mirrors what is outside (mirror)', () => {
    const nearTop = tiltedFace(500, 60);
    const shifted = cropGeometry({ width: 1000, height: 800, face: nearTop, padding: 'shift' });
    expect(shifted.shifted).toBe(true);
    expect(shifted.cy - shifted.side / 2).toBeCloseTo(0);
    expect(shifted.outside).toBe(0);
    expect(cropInfoOf(shifted, 256).notes.map((n) => n.code)).toEqual(['crop-shifted']);
    const mirrored = cropGeometry({ width: 1000, height: 800, face: nearTop, padding: 'mirror' });
    expect([mirrored.cx, mirrored.cy]).toEqual([500, 60]);
    // Half the square minus the 60 px above the face's centre lies outside: (125 − 60) / 250.
    expect(mirrored.outside).toBeCloseTo(65 / 250, 1);
    const notes = cropInfoOf(mirrored, 256).notes;
    expect(notes.map((n) => n.code)).toEqual(['crop-padded']);
    expect(Math.abs(Number(notes[0]!.params.share) - 26)).toBeLessThanOrEqual(1);
  });

  it('shrinks the square in a photo too small for it, never below the face', () => {
    const g = cropGeometry({ width: 180, height: 160, face: tiltedFace(90, 80), padding: 'shift' });
    expect(g.side).toBeCloseTo(160);
    expect(g.outside).toBe(0);
    const tiny = cropGeometry({ width: 100, height: 110, face: tiltedFace(50, 55), padding: 'shift' });
    expect(tiny.side).toBeCloseTo(120);
    expect(tiny.outside).toBeGreaterThan(0);
  });

  it('applies the nudge in the levelled frame: right means along the eye line', () => {
    const face = tiltedFace(1000, 1000, 90);
    const g = cropGeometry({ width: 2000, height: 2000, face, nudge: { dx: 0.2, dy: 0, zoom: 1 }, padding: 'shift' });
    // Rotated by 90°, "right" in the crop is "down" in the photo.
    expect(g.cx).toBeCloseTo(1000);
    expect(g.cy).toBeCloseTo(1000 + 0.2 * 250);
    const zoomed = cropGeometry({ width: 2000, height: 2000, face, nudge: { dx: 0, dy: 0, zoom: 2 }, padding: 'shift' });
    expect(zoomed.side).toBeCloseTo(125);
  });

  it('takes the middle of the photo when there is no face', () => {
    const g = cropGeometry({ width: 600, height: 400, face: null, padding: 'shift' });
    expect(g).toMatchObject({ cx: 300, cy: 200, side: 400, angle: 0, hasFace: false });
    expect(cropInfoOf(g, 512).notes.map((n) => n.code)).toEqual(['crop-no-face', 'crop-upscaled']);
  });

  it('maps crop pixels back to the photo', () => {
    const g = cropGeometry({ width: 2000, height: 2000, face: tiltedFace(1000, 1000, 30), padding: 'shift' });
    const centre = cropPointToSource(g, 512, { x: 256, y: 256 });
    expect(centre.x).toBeCloseTo(1000);
    expect(centre.y).toBeCloseTo(1000);
    const right = cropPointToSource(g, 512, { x: 512, y: 256 });
    expect(Math.atan2(right.y - 1000, right.x - 1000) * (180 / Math.PI)).toBeCloseTo(30);
  });
});

const photos = sharedFile('fixtures/photos');
const model = sharedFile('models/yunet_n_dynamic.onnx');

describe.skipIf(photos.missing || model.missing)('rendered crops', () => {
  async function cropOf(data: Buffer, size: number, padding: 'shift' | 'mirror' = 'shift') {
    const detector = await faceDetectorFromFile(model.path);
    const image = await inspectPhoto(data, 'photo');
    const { measures } = await measurePhoto(data, 'photo', image, detector);
    const face = measures.faces[measures.measuredFace!]!;
    const g = cropGeometry({ width: image.width, height: image.height, face, padding });
    const png = await renderCrop(await decodePhoto(data, 'photo', image), g, size);
    const { data: pixels, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const found = await detector.detect({ data: new Uint8Array(pixels), width: info.width, height: info.height });
    return { png, info, found, measures };
  }

  it('is a square of the chosen size with the face in the middle and the eyes level', async () => {
    const { info, found } = await cropOf(readFileSync(join(photos.path, 'astronaut.png')), 512, 'mirror');
    expect([info.width, info.height, info.channels]).toEqual([512, 512, 3]);
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect(f.box.x + f.box.width / 2).toBeCloseTo(256, -2);
    expect(f.box.y + f.box.height / 2).toBeCloseTo(256, -2);
    // The face is about 1 / 2.5 of the crop.
    expect(f.box.height / 512).toBeGreaterThan(0.3);
    expect(f.box.height / 512).toBeLessThan(0.5);
    expect(Math.abs(headPose(f.landmarks).roll)).toBeLessThan(4);
  });

  it('levels a head tilted by 25°', async () => {
    const tilted = await sharp(join(photos.path, 'astronaut.png')).rotate(25, { background: '#777' }).png().toBuffer();
    const { found, measures } = await cropOf(tilted, 384);
    expect(measures.face!.roll).toBeGreaterThan(18);
    expect(found).toHaveLength(1);
    expect(Math.abs(headPose(found[0]!.landmarks).roll)).toBeLessThan(6);
  });

  it('fills the outside with the mirrored edge, not a flat colour (mirror policy)', async () => {
    const nearEdge = await sharp(join(photos.path, 'astronaut.png')).extract({ left: 120, top: 40, width: 300, height: 250 }).png().toBuffer();
    const { png } = await cropOf(nearEdge, 256, 'mirror');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    const luma = lumaOf(new Uint8Array(data), info.width, info.height, info.channels);
    // The top rows (outside the photo) carry picture detail, not a constant fill.
    const top = luma.data.subarray(0, 256 * 8);
    const mean = top.reduce((a, b) => a + b, 0) / top.length;
    const spread = Math.sqrt(top.reduce((a, b) => a + (b - mean) ** 2, 0) / top.length);
    expect(spread).toBeGreaterThan(3);
  });
});
