import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../api/errors';
import { sharedFile } from '../testing/shared-data';
import type { RgbImage } from './image-tensor';
import { buildOnnxModel } from './onnx-builder';
import { Tensor, type Results } from './session';
import { decodeYunet, detectFaces, openYunet, padToDivisor, suppressOverlaps, YUNET_STRIDES, type DetectedFace } from './yunet';

/** Raw outputs for a padded W×H input, all cells scoring zero except the ones given. */
function outputsWith(
  width: number,
  height: number,
  cells: { stride: number; row: number; col: number; score: number; bbox: number[]; kps: number[] }[],
) {
  const results: Results = {};
  for (const stride of YUNET_STRIDES) {
    const n = (width / stride) * (height / stride);
    const cls = new Float32Array(n);
    const obj = new Float32Array(n);
    const bbox = new Float32Array(n * 4);
    const kps = new Float32Array(n * 10);
    for (const cell of cells.filter((c) => c.stride === stride)) {
      const i = cell.row * (width / stride) + cell.col;
      cls[i] = cell.score;
      obj[i] = cell.score;
      bbox.set(cell.bbox, i * 4);
      kps.set(cell.kps, i * 10);
    }
    results[`cls_${stride}`] = new Tensor('float32', cls, [1, n, 1]);
    results[`obj_${stride}`] = new Tensor('float32', obj, [1, n, 1]);
    results[`bbox_${stride}`] = new Tensor('float32', bbox, [1, n, 4]);
    results[`kps_${stride}`] = new Tensor('float32', kps, [1, n, 10]);
  }
  return results;
}

describe('YuNet decoding', () => {
  it('places a box and landmarks from grid offsets: centre (col + dx) × stride, size exp(d) × stride', () => {
    const outputs = outputsWith(64, 32, [
      // stride 16, row 1, col 2: centre (2.5 × 16, 1.25 × 16) = (40, 20); size e^0 × 16 by e^ln2 × 16.
      { stride: 16, row: 1, col: 2, score: 0.9, bbox: [0.5, 0.25, 0, Math.log(2)], kps: [0.1, 0.2, 0.9, 0.2, 0.5, 0.5, 0.2, 0.8, 0.8, 0.8] },
    ]);
    const [face, ...rest] = decodeYunet(outputs, 64, 32);
    expect(rest).toEqual([]);
    expect(face!.score).toBeCloseTo(0.9);
    expect(face!.box.x).toBeCloseTo(32);
    expect(face!.box.y).toBeCloseTo(4);
    expect(face!.box.width).toBeCloseTo(16);
    expect(face!.box.height).toBeCloseTo(32);
    expect(face!.landmarks.rightEye.x).toBeCloseTo((2 + 0.1) * 16);
    expect(face!.landmarks.rightEye.y).toBeCloseTo((1 + 0.2) * 16);
    expect(face!.landmarks.mouthLeft.x).toBeCloseTo((2 + 0.8) * 16);
  });

  it('scores sqrt(cls × obj) and drops candidates below the threshold', () => {
    const outputs = outputsWith(32, 32, [{ stride: 8, row: 0, col: 0, score: 0.5, bbox: [0, 0, 0, 0], kps: new Array(10).fill(0) }]);
    expect(decodeYunet(outputs, 32, 32, { scoreThreshold: 0.6 })).toEqual([]);
    expect(decodeYunet(outputs, 32, 32, { scoreThreshold: 0.4 })[0]!.score).toBeCloseTo(0.5);
  });

  it('refuses outputs that do not match the input size', () => {
    expect(() => decodeYunet(outputsWith(32, 32, []), 64, 64)).toThrow(/cells/);
  });

  it('keeps the best of overlapping boxes (NMS) and separate faces apart', () => {
    const face = (x: number, score: number): DetectedFace => ({
      score,
      box: { x, y: 0, width: 10, height: 10 },
      landmarks: { rightEye: { x, y: 0 }, leftEye: { x, y: 0 }, nose: { x, y: 0 }, mouthRight: { x, y: 0 }, mouthLeft: { x, y: 0 } },
    });
    const kept = suppressOverlaps([face(0, 0.8), face(1, 0.9), face(50, 0.7)], 0.3, 10);
    expect(kept.map((f) => [f.box.x, f.score])).toEqual([
      [1, 0.9],
      [50, 0.7],
    ]);
  });

  it('pads on the right and bottom to multiples of 32 with black', () => {
    const image: RgbImage = { data: new Uint8Array(33 * 2 * 3).fill(200), width: 33, height: 2 };
    const padded = padToDivisor(image);
    expect([padded.width, padded.height]).toEqual([64, 32]);
    expect(padded.data[(1 * 64 + 32) * 3]).toBe(200);
    expect(padded.data[(1 * 64 + 33) * 3]).toBe(0);
    expect(padded.data[(2 * 64 + 0) * 3]).toBe(0);
  });

  it('names the mismatch when a file is not YuNet', async () => {
    const wrong = buildOnnxModel({
      name: 'not-yunet',
      inputs: [{ name: 'images', type: 'float', shape: [1, 3, 'h', 'w'] }],
      outputs: [{ name: 'out', type: 'float', shape: [1, 3, 'h', 'w'] }],
      nodes: [{ op: 'Identity', inputs: ['images'], outputs: ['out'] }],
    });
    const error = await openYunet(wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('MODEL_ERROR');
    expect((error as StudioError).message).toMatch(/YuNet face detector does not fit: input “input” is missing.*cls_8/);
  });
});

const model = sharedFile('models/yunet_n_dynamic.onnx');
const photos = sharedFile('fixtures/photos');

async function rgb(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).toColourspace('srgb').removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describe.skipIf(model.missing || photos.missing)('YuNet on the shared photos', () => {
  it('finds the astronaut’s one face, eyes level in the upper middle, on any padded size', async () => {
    const session = await openYunet(model.path);
    expect(session.provider).toBe('cpu');
    const image = await rgb(`${photos.path}/astronaut.png`);
    const faces = await detectFaces(session, image);
    expect(faces).toHaveLength(1);
    const [face] = faces;
    expect(face!.score).toBeGreaterThan(0.85);
    const { rightEye, leftEye, nose, mouthRight, mouthLeft } = face!.landmarks;
    // The right eye (the person's) is on the picture's left; eyes above the nose, nose above the mouth.
    expect(rightEye.x).toBeLessThan(leftEye.x);
    expect(Math.abs(rightEye.y - leftEye.y)).toBeLessThan(6);
    expect(nose.y).toBeGreaterThan(rightEye.y);
    expect(mouthRight.y).toBeGreaterThan(nose.y);
    expect(mouthLeft.x).toBeGreaterThan(mouthRight.x);
    for (const eye of [rightEye, leftEye]) {
      expect(eye.x / image.width).toBeGreaterThan(0.3);
      expect(eye.x / image.width).toBeLessThan(0.6);
      expect(eye.y / image.height).toBeLessThan(0.3);
    }
    // A size that is not a multiple of 32 gives the same face, in the same place.
    const cropped: RgbImage = await sharp(image.data, { raw: { width: 512, height: 512, channels: 3 } })
      .extract({ left: 0, top: 0, width: 437, height: 301 })
      .raw()
      .toBuffer()
      .then((data) => ({ data: new Uint8Array(data), width: 437, height: 301 }));
    const again = await detectFaces(session, cropped);
    expect(again).toHaveLength(1);
    expect(again[0]!.box.x).toBeCloseTo(face!.box.x, -1);
    expect(again[0]!.landmarks.leftEye.y).toBeCloseTo(leftEye.y, -1);
    await session.release();
  });

  it('finds the cameraman’s face, and no face on the cat or the coffee cup', async () => {
    const session = await openYunet(model.path);
    const camera = await detectFaces(session, await rgb(`${photos.path}/camera.png`));
    expect(camera).toHaveLength(1);
    expect(camera[0]!.box.y).toBeLessThan(256);
    expect(await detectFaces(session, await rgb(`${photos.path}/chelsea.png`), { scoreThreshold: 0.7 })).toEqual([]);
    expect(await detectFaces(session, await rgb(`${photos.path}/coffee.png`), { scoreThreshold: 0.7 })).toEqual([]);
    await session.release();
  });
});
