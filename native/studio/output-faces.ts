import { readFile } from 'node:fs/promises';
import type { OutputFaces } from '../api/namespaces/catalog';
import type { Catalog } from '../catalog/catalog';
import { toStudioError } from '../core/errors';
import { decodePhoto } from '../people/decode';
import { installedFaceDetector } from '../inference/face-detector';

/** Faces are looked for on the image scaled to at most this (YuNet finds portrait faces far below it). */
const DETECT_MAX_SIDE = 1024;
const CACHE_SIZE = 500;

/**
 * Face boxes of outputs for the loupe's "zoom to face", from the People area's YuNet detector where it is
 * installed (otherwise `available: false` with how to install it). Results are remembered per output: an
 * output's pixels never change.
 */
export function outputFaces(catalog: Catalog): (id: number) => Promise<OutputFaces> {
  const cache = new Map<number, OutputFaces>();
  return async (id) => {
    const hit = cache.get(id);
    if (hit) return hit;
    const output = catalog.outputs.get(id);
    if (output.kind !== 'image') return { available: true, reason: null, faces: [] };
    let detector;
    try {
      detector = await installedFaceDetector(catalog.paths.models);
    } catch (error) {
      const e = toStudioError(error);
      return { available: false, reason: e.hint ? `${e.message} ${e.hint}` : e.message, faces: [] };
    }
    const decoded = await decodePhoto(
      await readFile(catalog.store.pathOf(output.hash)),
      output.originalName ?? `output ${id}`,
      output,
      DETECT_MAX_SIDE,
    );
    const { width, height } = decoded.rgb;
    const faces = (await detector.detect(decoded.rgb)).map((face) => ({
      x: face.box.x / width,
      y: face.box.y / height,
      width: face.box.width / width,
      height: face.box.height / height,
      score: face.score,
    }));
    const result = { available: true, reason: null, faces };
    cache.set(id, result);
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
    return result;
  };
}
