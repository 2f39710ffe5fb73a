import { warpAffine, type Affine } from '../inference/affine';
import type { FaceDetector } from '../inference/face-landmarks';
import { imageToTensor, tensorToImage, type RgbImage } from '../inference/image-tensor';
import { Tensor, valueName, type OpenedSession } from '../inference/session';
import { alignFace } from './faces';
import { resizeRgb, rgbRaster } from './image';
import { pasteBack } from './paste';

/**
 * Lip sync on an animated face, frame by frame: the face is found again in the animated crop, aligned to FFHQ,
 * and the model redraws the mouth for this frame's 0.2 s of sound (a 16-frame mel window).
 *
 * EDTalk (Apache-2.0, 256×256, RGB 0–1, with a weight) redraws the whole aligned face; Wav2Lip (non-commercial,
 * 96×96, BGR 0–1) redraws the lower half of the face box, given the face with its lower half blanked and the face
 * itself as reference. Only the mouth region is blended back.
 */
export type LipSyncKind = 'edtalk' | 'wav2lip';

export const lipSyncSpecs: Record<string, { kind: LipSyncKind; size: number }> = {
  'edtalk-256': { kind: 'edtalk', size: 256 },
  'wav2lip-gan-96': { kind: 'wav2lip', size: 96 },
};

/** Wav2Lip's face box inside an FFHQ-aligned 512 crop (brows to below the chin), as fractions. */
const WAV2LIP_BOX = { x0: 0.17, y0: 0.3, x1: 0.83, y1: 0.97 } as const;

/** 1 over the mouth and chin, easing out towards the eyes and the sides (in an FFHQ-aligned crop of `size`). */
export function mouthMask(size: number): Float32Array {
  const mask = new Float32Array(size * size);
  const smooth = (t: number) => {
    const u = Math.min(1, Math.max(0, t));
    return u * u * (3 - 2 * u);
  };
  for (let y = 0; y < size; y++) {
    const v = y / size;
    const vertical = smooth((v - 0.52) / 0.1) * smooth((0.98 - v) / 0.06);
    for (let x = 0; x < size; x++) {
      const u = x / size;
      mask[y * size + x] = vertical * smooth((u - 0.16) / 0.1) * smooth((0.84 - u) / 0.1);
    }
  }
  return mask;
}

export interface LipSyncer {
  model: string;
  /** The animated crop with the mouth of frame `index` redrawn (the crop itself when no face is found). */
  apply(crop: RgbImage, window: Float32Array): Promise<RgbImage>;
}

export function createLipSyncer(session: OpenedSession, modelId: string, detector: FaceDetector, options: { weight: number }): LipSyncer {
  const spec = lipSyncSpecs[modelId];
  if (!spec) throw new Error(`${modelId} is not a lip-sync model`);
  const mask = mouthMask(512);
  const mel = (window: Float32Array) => new Tensor('float32', window, [1, 1, 80, 16]);
  return {
    model: modelId,
    async apply(crop, window) {
      const [face] = (await detector.detect(crop)).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      if (!face) return crop;
      const aligned = alignFace(crop, face.landmarks, 512);
      let mouth: RgbImage;
      if (spec.kind === 'edtalk') {
        const small = await resizeRgb(aligned.crop, spec.size, spec.size);
        const feeds = {
          source: mel(window),
          target: imageToTensor(small, { order: 'rgb', range: [0, 1] }),
          weight: new Tensor('float32', Float32Array.from([options.weight]), [1]),
        };
        const out = await session.run(feeds);
        mouth = await resizeRgb(tensorToImage(out[valueName(session, 'outputs', '0')] as Tensor, { order: 'rgb', range: [0, 1] }), 512, 512);
      } else {
        const box = {
          x: WAV2LIP_BOX.x0 * 512,
          y: WAV2LIP_BOX.y0 * 512,
          w: (WAV2LIP_BOX.x1 - WAV2LIP_BOX.x0) * 512,
          h: (WAV2LIP_BOX.y1 - WAV2LIP_BOX.y0) * 512,
        };
        const toBox: Affine = [spec.size / box.w, 0, (-box.x * spec.size) / box.w, 0, spec.size / box.h, (-box.y * spec.size) / box.h];
        const face96 = warpAffine(rgbRaster(aligned.crop), toBox, spec.size, spec.size);
        const reference = imageToTensor({ data: face96.data, width: spec.size, height: spec.size }, { order: 'bgr', range: [0, 1] });
        const masked = (reference.data as Float32Array).slice();
        const plane = spec.size * spec.size;
        for (let c = 0; c < 3; c++) masked.fill(0, c * plane + (spec.size / 2) * spec.size, (c + 1) * plane);
        const target = new Float32Array(6 * plane);
        target.set(masked, 0);
        target.set(reference.data as Float32Array, 3 * plane);
        const out = await session.run({ source: mel(window), target: new Tensor('float32', target, [1, 6, spec.size, spec.size]) });
        const redrawn = tensorToImage(out[valueName(session, 'outputs', '0')] as Tensor, { order: 'bgr', range: [0, 1] });
        // Back into the aligned crop: only the face box changes.
        mouth = { data: aligned.crop.data.slice(), width: 512, height: 512 };
        const boxMask = new Float32Array(spec.size * spec.size).fill(1);
        pasteBack(mouth, redrawn, toBox, boxMask, 1);
      }
      const result: RgbImage = { data: crop.data.slice(), width: crop.width, height: crop.height };
      pasteBack(result, mouth, aligned.matrix, mask, 1);
      return result;
    },
  };
}
