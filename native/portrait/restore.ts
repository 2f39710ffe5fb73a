import { imageToTensor, tensorToImage, type RgbImage } from '../inference/image-tensor';
import { Tensor, valueName, type OpenedSession } from '../inference/session';
import { alignFace, type PortraitFace } from './faces';
import { featherMask, matchColour, pasteBack } from './paste';

/**
 * Face restoration: each face aligned to FFHQ at 512×512, restored by the model (RGB in [−1, 1] in and out),
 * colour-matched to the photo, and pasted back through a feathered mask at the chosen strength.
 */
export interface RestorerSpec {
  size: number;
  /** CodeFormer's fidelity weight input (float64): 0 = most restoration, 1 = closest to the photo. */
  fidelityInput: boolean;
}

export const restorerSpecs: Record<string, RestorerSpec> = {
  'gfpgan-1.4': { size: 512, fidelityInput: false },
  'restoreformer-plus-plus': { size: 512, fidelityInput: false },
  codeformer: { size: 512, fidelityInput: true },
};

export interface RestoreOptions {
  /** 0 keeps the photo's face, 1 uses the restored face fully (inside the mask). */
  strength: number;
  /** CodeFormer only. */
  fidelity: number;
  /** Move the restored face's colour to the photo's (keeps a black-and-white or sepia print as it is). */
  matchColour: boolean;
}

export const defaultRestoreOptions: RestoreOptions = { strength: 0.8, fidelity: 0.5, matchColour: true };

/** One aligned crop through the model. */
export async function restoreCrop(session: OpenedSession, spec: RestorerSpec, crop: RgbImage, fidelity: number): Promise<RgbImage> {
  const layout = { order: 'rgb', range: [-1, 1] } as const;
  const feeds: Record<string, Tensor> = { [valueName(session, 'inputs', 'input')]: imageToTensor(crop, layout) };
  if (spec.fidelityInput) {
    const type = session.inputs.weight?.type;
    feeds.weight =
      type === 'float32' ? new Tensor('float32', Float32Array.from([fidelity]), [1]) : new Tensor('float64', Float64Array.from([fidelity]), [1]);
  }
  const outputs = await session.run(feeds);
  return tensorToImage(outputs[valueName(session, 'outputs', '0')] as Tensor, layout);
}

export interface RestoredFace {
  index: number;
  box: { x: number; y: number; width: number; height: number };
  runMs: number;
}

/** Restores `faces` of `photo` (a copy is returned), one after another; `onFace` reports progress and may cancel. */
export async function restoreFaces(
  session: OpenedSession,
  spec: RestorerSpec,
  photo: RgbImage,
  faces: readonly PortraitFace[],
  options: RestoreOptions = defaultRestoreOptions,
  onFace?: (done: number, total: number) => void,
): Promise<{ image: RgbImage; faces: RestoredFace[] }> {
  const image: RgbImage = { data: photo.data.slice(), width: photo.width, height: photo.height };
  const mask = featherMask(spec.size);
  const restored: RestoredFace[] = [];
  for (const [index, face] of faces.entries()) {
    const aligned = alignFace(image, face.landmarks, spec.size);
    const started = performance.now();
    let result = await restoreCrop(session, spec, aligned.crop, options.fidelity);
    const runMs = performance.now() - started;
    if (options.matchColour) result = matchColour(result, aligned.crop, mask);
    const box = pasteBack(image, result, aligned.matrix, mask, options.strength);
    restored.push({ index, box, runMs });
    onFace?.(index + 1, faces.length);
  }
  return { image, faces: restored };
}
