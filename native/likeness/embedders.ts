import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { StudioError } from '../api/errors';
import type { Catalog } from '../catalog/catalog';
import { appRoot } from '../core/entry-points';
import { convertFaceApiRecognition } from '../inference/face-api-dlib';
import { openFaceEmbedder, type FaceEmbedder, type FaceEmbedderSpec } from '../inference/face-embedder';
import { requireModelFile } from '../models/installed';
import { requirePortraitModel } from '../portrait/models';
import { loadRegistry, type Registry, type RegistryModel } from '../models/registry';

/**
 * The built-in face embedder: dlib's ResNet face descriptor (128 numbers per face, 150×150 chips), whose
 * weights ship in the npm package @vladmandic/face-api (MIT; the weights are dlib's, released by Davis King
 * into the public domain / CC0 with dlib-models). Likeness converts them to ONNX on first use
 * (inference/face-api-dlib.ts), so likeness works offline right after `npm install`.
 */
export const BUILTIN_EMBEDDER = 'dlib-resnet-v1';

/** The weights file the conversion was proven on (native/inference/face-api-dlib.test.ts). */
const FACE_API_WEIGHTS_SHA256 = 'b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589';

/**
 * Chip geometry: dlib's get_face_chip_details(shape, 150, 0.25) frames its mean face shape with a quarter of
 * padding on each side; the five points are where that framing puts the eye centres, the nose tip and the
 * mouth corners (dlib/image_transforms/interpolation.h, mean face shape). Calibration: dlib publishes 0.6
 * (euclidean) as its decision threshold (99.38 % on LFW, dlib's dnn_face_recognition_ex.cpp). Measured here on
 * the 23 faces of the face-api sample photos and the shared fixtures: the same face seen again (mirrored,
 * rotated 12°, darker, recompressed, re-cropped) at most 0.45, two people of one photo at least 0.556. So
 * "same" is ≤ 0.5, "different" ≥ 0.6 (dlib's own line), "unsure" between.
 */
export const builtinEmbedderSpec: FaceEmbedderSpec = {
  id: BUILTIN_EMBEDDER,
  name: 'dlib ResNet face descriptor',
  size: 150,
  template: [
    { x: 47.549, y: 46.599 },
    { x: 100.476, y: 46.599 },
    { x: 74.013, y: 76.563 },
    { x: 50.415, y: 103.023 },
    { x: 97.61, y: 103.023 },
  ],
  order: 'rgb',
  // The graph takes 0–255 RGB and normalises inside (as face-api does: mean subtracted, divided by 255).
  mean: [0, 0, 0],
  std: [1, 1, 1],
  metric: 'euclidean',
  dims: 128,
  calibration: {
    same: 0.5,
    different: 0.6,
    source: 'dlib: 0.6 euclidean decision threshold (99.38 % LFW); same ≤ 0.5 from the face-api sample photos',
  },
};

/** The face-api package folder (a dependency of Likeness). */
function faceApiFolder(): string {
  try {
    return dirname(createRequire(join(appRoot(), 'package.json')).resolve('@vladmandic/face-api/package.json'));
  } catch {
    throw new StudioError(
      'MODEL_ERROR',
      'The built-in face recognition weights (npm package @vladmandic/face-api) are missing.',
      'Run `npm install` in the Likeness folder again.',
    );
  }
}

/** Writes the converted built-in model into the library's models folder once; later calls reuse it. */
export function ensureBuiltinEmbedder(modelsDir: string): string {
  const folder = join(modelsDir, BUILTIN_EMBEDDER);
  const file = join(folder, 'model.onnx');
  if (existsSync(file)) return file;
  const source = join(faceApiFolder(), 'model');
  const manifest = JSON.parse(readFileSync(join(source, 'face_recognition_model-weights_manifest.json'), 'utf8')) as unknown;
  const weights = readFileSync(join(source, 'face_recognition_model.bin'));
  const sha = createHash('sha256').update(weights).digest('hex');
  if (sha !== FACE_API_WEIGHTS_SHA256) {
    throw new StudioError(
      'MODEL_ERROR',
      `The built-in face recognition weights differ from the ones Likeness was checked with (sha256 ${sha.slice(0, 12)}…).`,
      'Reinstall Likeness (`npm ci`) so that @vladmandic/face-api is the pinned version.',
    );
  }
  const onnx = convertFaceApiRecognition(manifest, new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength));
  mkdirSync(folder, { recursive: true });
  // Job workers are threads of one process: the temp name must differ per call, not per pid.
  const temp = `${file}.${randomUUID()}.tmp`;
  writeFileSync(temp, onnx);
  renameSync(temp, file);
  return file;
}

/** A registry model's embedder spec (models of kind face-embedder carry one). */
export function registryEmbedderSpec(model: RegistryModel): FaceEmbedderSpec | undefined {
  if (model.kind !== 'face-embedder' || !model.embedding) return undefined;
  const e = model.embedding;
  return {
    id: model.id,
    name: model.name,
    size: e.size,
    template: e.template as unknown as FaceEmbedderSpec['template'],
    order: e.order,
    mean: e.mean as FaceEmbedderSpec['mean'],
    std: e.std as FaceEmbedderSpec['std'],
    metric: e.metric,
    dims: e.dims,
    ...(e.input ? { input: e.input } : {}),
    ...(e.output ? { output: e.output } : {}),
    calibration: e.calibration,
  };
}

/** Every embedder Likeness knows: the built-in one, then the registry's downloads. */
export function embedderSpecs(registry: Registry = loadRegistry()): FaceEmbedderSpec[] {
  return [builtinEmbedderSpec, ...registry.models.flatMap((m) => registryEmbedderSpec(m) ?? [])];
}

export function embedderSpec(id: string): FaceEmbedderSpec {
  const spec = embedderSpecs().find((s) => s.id === id);
  if (!spec)
    throw new StudioError(
      'NOT_FOUND',
      `No face-recognition model “${id}”.`,
      `Known: ${embedderSpecs()
        .map((s) => s.id)
        .join(', ')}.`,
    );
  return spec;
}

/** The library setting that picks the model scores are made with (the built-in one by default). */
export const LIKENESS_MODEL_SETTING = 'likeness.model';

export function activeEmbedderId(catalog: Catalog): string {
  return catalog.getSetting(LIKENESS_MODEL_SETTING) ?? BUILTIN_EMBEDDER;
}

/** Opens an embedder by id: the built-in one (converted on first use) or an installed registry model. */
export async function openEmbedder(catalog: Catalog, id: string = activeEmbedderId(catalog)): Promise<FaceEmbedder> {
  const spec = embedderSpec(id);
  // Every use of it in the studio decodes images beside it (vetting, scoring jobs, scoring while generating), as
  // beside the detector: its helpers sleep rather than spin. bench/vetting, ten alternating pairs on 2 cores: 8 of
  // 10 used less CPU a photo, 214 -> 197 ms on average.
  const options = { spin: false };
  if (id === BUILTIN_EMBEDDER) return openFaceEmbedder(spec, ensureBuiltinEmbedder(catalog.paths.models), options);
  // A non-commercial model (ArcFace w600k_r50) only once the user allowed such models, as for restorers.
  const model = requirePortraitModel(catalog, id, { kind: 'face-embedder' });
  return openFaceEmbedder(spec, requireModelFile(catalog.paths.models, model.id), options);
}
