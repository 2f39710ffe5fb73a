import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StudioError } from '../api/errors';
import { Catalog } from '../catalog/catalog';
import { applyAffine } from '../inference/affine';
import type { FaceDetector } from '../inference/face-landmarks';
import type { RgbImage } from '../inference/image-tensor';
import { buildOnnxModel } from '../inference/onnx-builder';
import { openSession } from '../inference/session';
import { detectFaces, openYunet } from '../inference/yunet';
import { sharedFile } from '../testing/shared-data';
import { meanChroma, rgbToLab } from './color';
import { alignFace, FFHQ_TEMPLATE, findFaces, landmarkPoints } from './faces';
import { rawRgb } from './image';
import { modelFile, openPortraitSession, requirePortraitModel, setNonCommercialAllowed } from './models';
import { featherMask, matchColour } from './paste';
import { restoreFaces, restorerSpecs } from './restore';
import { faceRestorerModel, installTinyModels } from './testing/tiny-models';

const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const photos = sharedFile('fixtures/photos');

const load = (name: string) => rawRgb(sharp(join(photos.path, name)).toColourspace('srgb'));

function meanLuma(image: RgbImage, box: { x: number; y: number; width: number; height: number }): number {
  let sum = 0;
  for (let y = box.y; y < box.y + box.height; y++)
    for (let x = box.x; x < box.x + box.width; x++) {
      const i = (y * image.width + x) * 3;
      sum += 0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!;
    }
  return sum / (box.width * box.height);
}

describe('feathered mask and colour matching', () => {
  it('is 1 in the middle and eases to 0 at the edges', () => {
    const mask = featherMask(100);
    expect(mask[50 * 100 + 50]).toBe(1);
    expect(mask[0]).toBe(0);
    expect(mask[50 * 100 + 1]).toBe(0);
    const row = Array.from({ length: 50 }, (_, x) => mask[50 * 100 + x]!);
    expect(row.every((v, i) => i === 0 || v >= row[i - 1]!)).toBe(true);
  });

  it('gives a tinted restored face the photo’s own colour back', () => {
    const size = 32;
    const grey = { data: new Uint8Array(size * size * 3), width: size, height: size };
    const tinted = { data: new Uint8Array(size * size * 3), width: size, height: size };
    for (let i = 0; i < size * size; i++) {
      const v = 60 + (i % size) * 4;
      grey.data.set([v, v, v], i * 3);
      tinted.data.set([Math.min(255, v + 40), v, Math.max(0, v - 20)], i * 3);
    }
    const matched = matchColour(tinted, grey, featherMask(size));
    expect(meanChroma(rgbToLab(tinted))).toBeGreaterThan(10);
    expect(meanChroma(rgbToLab(matched))).toBeLessThan(1.5);
  });
});

describe.skipIf(yunet.missing || photos.missing)('restoring faces: real YuNet → alignment → tiny restorer → paste-back', () => {
  let detector: FaceDetector;
  beforeAll(async () => {
    const session = await openYunet(yunet.path);
    detector = { model: 'yunet-n', provider: session.provider, detect: (image) => detectFaces(session, image) };
  });

  it('finds the face and aligns it to the FFHQ template', async () => {
    const photo = await load('astronaut.png');
    const faces = await findFaces(photo, detector);
    expect(faces).toHaveLength(1);
    const aligned = alignFace(photo, faces[0]!.landmarks, 512);
    landmarkPoints(faces[0]!.landmarks).forEach((p, i) => {
      const q = applyAffine(aligned.matrix, p);
      expect(Math.hypot(q.x - FFHQ_TEMPLATE[i]!.x * 512, q.y - FFHQ_TEMPLATE[i]!.y * 512)).toBeLessThan(20);
    });
    // Detected again on the crop: one face, eyes level, where the template puts them.
    const again = await detector.detect(aligned.crop);
    expect(again).toHaveLength(1);
    expect(again[0]!.landmarks.rightEye.x).toBeCloseTo(FFHQ_TEMPLATE[0]!.x * 512, -2);
    expect(again[0]!.landmarks.leftEye.y).toBeCloseTo(FFHQ_TEMPLATE[1]!.y * 512, -2);
  });

  it('restores the face in place: the face changes, the rest of the photo does not', async () => {
    const photo = await load('camera.png');
    const faces = await findFaces(photo, detector);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    const session = await openSession(faceRestorerModel(), { model: 'GFPGAN (tiny)', provider: 'cpu' });
    const progress: number[] = [];
    const { image, faces: done } = await restoreFaces(
      session,
      restorerSpecs['gfpgan-1.4']!,
      photo,
      faces.slice(0, 1),
      { strength: 1, fidelity: 0.5, matchColour: false },
      (n) => progress.push(n),
    );
    expect(progress).toEqual([1]);
    const face = faces[0]!.box;
    const centre = {
      x: Math.round(face.x + face.width * 0.3),
      y: Math.round(face.y + face.height * 0.3),
      width: Math.round(face.width * 0.4),
      height: Math.round(face.height * 0.4),
    };
    // The tiny restorer brightens (1.1·x + 0.05 in [−1, 1]).
    expect(meanLuma(image, centre) - meanLuma(photo, centre)).toBeGreaterThan(5);
    // Outside the pasted box every byte is the photo's.
    const box = done[0]!.box;
    for (let y = 0; y < photo.height; y += 7)
      for (let x = 0; x < photo.width; x += 7) {
        if (x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height) continue;
        const i = (y * photo.width + x) * 3;
        expect(image.data[i]).toBe(photo.data[i]);
      }
    // Still black and white.
    expect(meanChroma(rgbToLab(image))).toBeLessThan(1);

    const untouched = await restoreFaces(session, restorerSpecs['gfpgan-1.4']!, photo, faces.slice(0, 1), {
      strength: 0,
      fidelity: 0.5,
      matchColour: true,
    });
    expect(Buffer.from(untouched.image.data).equals(Buffer.from(photo.data))).toBe(true);
    await session.release();
  });

  it('feeds CodeFormer its fidelity weight: more fidelity, closer to the photo', async () => {
    const photo = await load('astronaut.png');
    const faces = await findFaces(photo, detector);
    const session = await openSession(faceRestorerModel({ weightInput: true }), { model: 'CodeFormer (tiny)', provider: 'cpu' });
    const at = async (fidelity: number) =>
      (await restoreFaces(session, restorerSpecs.codeformer!, photo, faces, { strength: 1, fidelity, matchColour: false })).image;
    const face = faces[0]!.box;
    const box = {
      x: Math.round(face.x + face.width / 4),
      y: Math.round(face.y + face.height / 4),
      width: Math.round(face.width / 2),
      height: Math.round(face.height / 2),
    };
    const strong = meanLuma(await at(0), box);
    const faithful = meanLuma(await at(1), box);
    expect(strong).toBeGreaterThan(faithful);
    await session.release();
  });
});

describe('portrait models in a library', () => {
  let root: string;
  let catalog: Catalog;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'likeness-portrait-models-'));
    catalog = Catalog.open(root);
  });
  afterAll(() => {
    catalog.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('says how to install a model that is missing', () => {
    expect(() => requirePortraitModel(catalog, 'gfpgan-1.4', { kind: 'face-restorer' })).toThrow(/GFPGAN 1\.4 is not installed/);
  });

  it('does not use a non-commercial model until allowed', () => {
    installTinyModels(catalog.paths.models, ['codeformer']);
    const error = (() => {
      try {
        requirePortraitModel(catalog, 'codeformer', { kind: 'face-restorer' });
      } catch (e) {
        return e as StudioError;
      }
    })();
    expect(error?.code).toBe('UNSUPPORTED');
    expect(error?.message).toMatch(/CodeFormer is licensed for non-commercial use only/);
    expect(requirePortraitModel(catalog, 'codeformer', { kind: 'face-restorer', allowNonCommercial: true }).id).toBe('codeformer');
    setNonCommercialAllowed(catalog, true);
    expect(requirePortraitModel(catalog, 'codeformer', { kind: 'face-restorer' }).id).toBe('codeformer');
    setNonCommercialAllowed(catalog, false);
  });

  it('names the model and the mismatch when a file has the wrong inputs', async () => {
    const dir = join(catalog.paths.models, 'gfpgan-1.4');
    mkdirSync(dir, { recursive: true });
    // A 256-pixel model with another input name where GFPGAN takes `input` [1, 3, 512, 512].
    writeFileSync(
      join(dir, 'gfpgan_1.4.onnx'),
      buildOnnxModel({
        inputs: [{ name: 'image', type: 'float', shape: [1, 3, 256, 256] }],
        outputs: [{ name: 'out', type: 'float', shape: [1, 3, 256, 256] }],
        nodes: [{ op: 'Identity', inputs: ['image'], outputs: ['out'] }],
      }),
    );
    const model = requirePortraitModel(catalog, 'gfpgan-1.4', { kind: 'face-restorer' });
    const error = await openPortraitSession(modelFile(catalog, model), model.name, { provider: 'cpu', fresh: true }).catch(
      (e: unknown) => e as StudioError,
    );
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('MODEL_ERROR');
    expect((error as StudioError).message).toMatch(
      /^GFPGAN 1\.4 does not fit: input “input” is missing; output #1 has shape \[1, 3, 256, 256\], expected size 512 at dimension 2/,
    );
  });
});
