import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { appRoot } from '../core/entry-points';
import { builtinEmbedderSpec } from '../likeness/embedders';
import { sharedFile } from '../testing/shared-data';
import { convertFaceApiRecognition, decodeWeightMap } from './face-api-dlib';
import { alignFaceChip } from './face-embedder';
import { faceDetectorFromFile } from './face-detector';
import type { RgbImage } from './image-tensor';
import { openSession, Tensor } from './session';

const faceApi = dirname(createRequire(join(appRoot(), 'package.json')).resolve('@vladmandic/face-api/package.json'));
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

/**
 * The reference runtime: face-api's own FaceRecognitionNet on TF.js (bundled in face-api.esm.js), cpu backend
 * (the wasm backend fetches its .wasm by URL and fails in Node 20). The bundle picks TF.js's Node platform,
 * which needs a real `util.TextEncoder` it does not bundle; with `WorkerGlobalScope` defined it takes the
 * browser platform, whose needs (fetch, performance, TextEncoder) Node 20 has.
 */
async function referenceNet(manifest: unknown[], bin: Buffer) {
  const globals = globalThis as Record<string, unknown>;
  globals.WorkerGlobalScope = class {};
  const faceapi = await import('@vladmandic/face-api/dist/face-api.esm.js');
  delete globals.WorkerGlobalScope;
  const tf = faceapi.tf as typeof faceapi.tf & { setBackend(name: string): Promise<boolean>; ready(): Promise<void> };
  await tf.setBackend('cpu');
  await tf.ready();
  const buffer = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  faceapi.nets.faceRecognitionNet.loadFromWeightMap(
    tf.io.decodeWeights(
      buffer,
      manifest.flatMap((g) => (g as { weights: never[] }).weights),
    ),
  );
  return async (chip: RgbImage) => {
    const input = tf.tensor3d(Float32Array.from(chip.data), [chip.height, chip.width, 3]);
    const descriptor = (await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(input)) as Float32Array;
    input.dispose();
    return descriptor;
  };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

async function rgbOf(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

describe('the built-in face embedder: face-api’s dlib network converted to ONNX', () => {
  it('reads every weight of the manifest and refuses one that does not fit', async () => {
    const manifest = JSON.parse(await readFile(join(faceApi, 'model', 'face_recognition_model-weights_manifest.json'), 'utf8')) as unknown[];
    const bin = await readFile(join(faceApi, 'model', 'face_recognition_model.bin'));
    const map = decodeWeightMap(manifest, bin);
    expect(map.get('fc')?.shape).toEqual([256, 128]);
    expect(() => decodeWeightMap(manifest, bin.subarray(0, bin.length - 1))).toThrow(/runs past the end|covers/);
    expect(() => decodeWeightMap({ not: 'a manifest' }, bin)).toThrow(/expected an array/);
  });

  it.skipIf(yunet.missing)(
    'gives the reference runtime’s descriptors (cosine ≥ 0.9999) on aligned chips of real faces, one by one and batched',
    async () => {
      const manifest = JSON.parse(await readFile(join(faceApi, 'model', 'face_recognition_model-weights_manifest.json'), 'utf8')) as unknown[];
      const bin = await readFile(join(faceApi, 'model', 'face_recognition_model.bin'));
      const reference = await referenceNet(manifest, bin);
      const session = await openSession(convertFaceApiRecognition(manifest, bin), { model: 'dlib', provider: 'cpu' });
      const detector = await faceDetectorFromFile(yunet.path);

      // Real faces: the group photos face-api ships (demo/sample1–6.jpg) and the shared fixtures.
      const photos = [...[1, 2, 3, 4, 5, 6].map((n) => join(faceApi, 'demo', `sample${n}.jpg`)), sharedFile('fixtures/photos/astronaut.png').path];
      const chips: RgbImage[] = [];
      for (const file of photos) {
        const image = await rgbOf(file);
        for (const face of await detector.detect(image)) chips.push(alignFaceChip(image, face.landmarks, builtinEmbedderSpec));
      }
      expect(chips.length).toBeGreaterThanOrEqual(20);

      const toTensor = (list: RgbImage[]) => {
        const plane = 150 * 150;
        const out = new Float32Array(list.length * 3 * plane);
        list.forEach((chip, n) => {
          for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[(n * 3 + c) * plane + i] = chip.data[i * 3 + c]!;
        });
        return new Tensor('float32', out, [list.length, 3, 150, 150]);
      };
      const batched = (await session.run({ image: toTensor(chips.slice(0, 8)) })).descriptor!.data as Float32Array;
      let worst = 1;
      // The calibration is a euclidean distance: the descriptors' length must match too, not just their direction.
      let worstRelative = 0;
      const relative = (a: Float32Array, b: Float32Array) =>
        Math.sqrt(a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0)) / Math.sqrt(a.reduce((s, v) => s + v * v, 0));
      for (const [i, chip] of chips.entries()) {
        const expected = await reference(chip);
        const got = (await session.run({ image: toTensor([chip]) })).descriptor!.data as Float32Array;
        worst = Math.min(worst, cosine(expected, got));
        worstRelative = Math.max(worstRelative, relative(expected, got));
        if (i < 8) worst = Math.min(worst, cosine(expected, batched.subarray(i * 128, (i + 1) * 128)));
      }
      expect(worst).toBeGreaterThanOrEqual(0.9999);
      expect(worstRelative).toBeLessThan(1e-3);
    },
    120_000,
  );
});
