import { applyAffine, composeAffine, warpAffine, type Affine } from '../inference/affine';
import type { FaceDetector } from '../inference/face-landmarks';
import { imageToTensor, tensorToImage, type RgbImage } from '../inference/image-tensor';
import { Tensor, valueName, type OpenedSession } from '../inference/session';
import type { FaceLandmarks } from '../inference/yunet';
import { alignFace, alignmentMatrix } from './faces';
import { rgbRaster } from './image';
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

/**
 * Where the face's parts are, from the five landmarks (in any picture's pixels): the eyes' and the mouth's
 * middles, the eye-to-mouth distance and the eyes' distance — what the Wav2Lip box and the lower-face mask are
 * measured in, so both follow the face as it was found rather than where an average face would be.
 */
function faceFrame(l: FaceLandmarks) {
  const eyes = { x: (l.rightEye.x + l.leftEye.x) / 2, y: (l.rightEye.y + l.leftEye.y) / 2 };
  const mouth = { x: (l.mouthRight.x + l.mouthLeft.x) / 2, y: (l.mouthRight.y + l.mouthLeft.y) / 2 };
  return { eyes, mouth, nose: l.nose, down: Math.max(1, mouth.y - eyes.y), across: Math.max(1, Math.abs(l.leftEye.x - l.rightEye.x)) };
}

/**
 * Wav2Lip's face box: brows to below the chin, cheek to cheek. FaceFusion takes the box of the 68 landmarks
 * (processors/modules/lip_syncer: create_bounding_box); with five, the same box in the face's own measures
 * (for an average face: 0.17–0.83 across and 0.30–0.97 down an FFHQ-aligned crop).
 */
export function wav2lipBox(l: FaceLandmarks): { x: number; y: number; w: number; h: number } {
  const f = faceFrame(l);
  const [x0, x1] = [f.eyes.x - 1.34 * f.across, f.eyes.x + 1.34 * f.across];
  const [y0, y1] = [f.eyes.y - 0.66 * f.down, f.mouth.y + 0.96 * f.down];
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * The lower face — cheeks from the nose down, around the jaw to the chin — as a soft mask of `size`², from the
 * landmarks in the crop's pixels. FaceFusion pastes Wav2Lip through its "lower-face" area mask (the hull of jaw
 * points 3–13 and nose points 31–35, blurred, then `(clip(m, 0.5, 1) − 0.5) · 2`: choices.py face_mask_area_set,
 * face_masker.create_area_mask); the hull here is placed by the five points.
 */
export function lowerFaceMask(l: FaceLandmarks, size: number): Float32Array {
  return lowerFaceMaskIn(l, [1, 0, 0, 0, 1, 0], size, size, 0.05 * size);
}

/**
 * lowerFaceMask drawn straight into another raster (Wav2Lip's 96² face box): the hull, given in the landmarks'
 * pixels, placed by `toMask` (those pixels → the mask's, scaling along the axes), blurred by `sigma` of the
 * landmarks' pixels. The blur reads the hull beyond the raster's edges, as it would on the whole picture.
 */
export function lowerFaceMaskIn(l: FaceLandmarks, toMask: Affine, width: number, height: number, sigma: number): Float32Array {
  const f = faceFrame(l);
  const side = (k: number) => (p: { x: number; y: number }) => ({ x: f.mouth.x + k * (p.x - f.mouth.x), y: p.y });
  const left = [
    { x: f.nose.x - 0.45 * f.across, y: f.nose.y - 0.1 * f.down },
    { x: f.eyes.x - 1.05 * f.across, y: f.nose.y },
    { x: f.eyes.x - 0.95 * f.across, y: f.mouth.y + 0.3 * f.down },
    { x: f.mouth.x - 0.6 * f.across, y: f.mouth.y + 0.75 * f.down },
    { x: f.mouth.x - 0.15 * f.across, y: f.mouth.y + 0.9 * f.down },
  ];
  // A blur of `sigma` in the landmarks' pixels spreads a mask axis by sigma times that axis's row of the matrix.
  const sigmaX = Math.max(0.5, sigma * Math.hypot(toMask[0], toMask[1]));
  const sigmaY = Math.max(0.5, sigma * Math.hypot(toMask[3], toMask[4]));
  const pad = Math.ceil(3 * Math.max(sigmaX, sigmaY));
  // The hull on a canvas `pad` wider each side, filled where a pixel's centre lies inside (crossing number). Pixel
  // (x, y) is centred on (x, y), as the warps that sample and paste the face count them.
  const hull = [...left, ...left.map(side(-1)).reverse()].map((p) => applyAffine(toMask, p));
  const W = width + 2 * pad;
  const H = height + 2 * pad;
  const filled = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    const py = y - pad;
    const crossings: number[] = [];
    for (let i = 0, j = hull.length - 1; i < hull.length; j = i++) {
      const a = hull[i]!;
      const b = hull[j]!;
      if (a.y > py !== b.y > py) crossings.push(a.x + ((py - a.y) * (b.x - a.x)) / (b.y - a.y));
    }
    crossings.sort((u, v) => u - v);
    for (let c = 0; c + 1 < crossings.length; c += 2) {
      const from = Math.max(0, Math.ceil(crossings[c]! + pad));
      const to = Math.min(W, Math.ceil(crossings[c + 1]! + pad));
      filled.fill(1, y * W + from, y * W + to);
    }
  }
  const blurred = blurSeparable(filled, W, H, sigmaX, sigmaY);
  const mask = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // In 255 steps, as the 8-bit render before it: full strength where the blur leaves 254.5/255 or more.
      const v = Math.round(blurred[(y + pad) * W + x + pad]! * 255) / 255;
      mask[y * width + x] = (Math.min(1, Math.max(0.5, v)) - 0.5) * 2;
    }
  }
  return mask;
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i]! /= sum;
  return kernel;
}

/** A Gaussian blur, one pass along each axis, with zero beyond the edges. */
function blurSeparable(values: Float32Array, width: number, height: number, sigmaX: number, sigmaY: number): Float32Array {
  const pass = (source: Float32Array, kernel: Float32Array, step: number, length: number, lines: number, lineStep: number) => {
    const out = new Float32Array(source.length);
    const radius = (kernel.length - 1) / 2;
    for (let line = 0; line < lines; line++) {
      const base = line * lineStep;
      for (let i = 0; i < length; i++) {
        let v = 0;
        const from = Math.max(0, i - radius);
        const to = Math.min(length - 1, i + radius);
        for (let t = from; t <= to; t++) v += kernel[t - i + radius]! * source[base + t * step]!;
        out[base + i * step] = v;
      }
    }
    return out;
  };
  const across = pass(values, gaussianKernel(sigmaX), 1, width, height, width);
  return pass(across, gaussianKernel(sigmaY), width, height, width, 1);
}

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
  // EDTalk's face is aligned at the model's own size and its mouth pasted from there: aligning at 512 and resizing
  // down, then the output back up, cost two resizes and a warp four times the size a frame (bench/lipsync).
  const edtalkMask = mouthMask(spec.size);
  const mel = (window: Float32Array) => new Tensor('float32', window, [1, 1, 80, 16]);
  return {
    model: modelId,
    async apply(crop, window) {
      const [face] = (await detector.detect(crop)).sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
      if (!face) return crop;
      const result: RgbImage = { data: crop.data.slice(), width: crop.width, height: crop.height };
      if (spec.kind === 'edtalk') {
        const aligned = alignFace(crop, face.landmarks, spec.size);
        const feeds = {
          source: mel(window),
          target: imageToTensor(aligned.crop, { order: 'rgb', range: [0, 1] }),
          weight: new Tensor('float32', Float32Array.from([options.weight]), [1]),
        };
        const out = await session.run(feeds);
        const mouth = tensorToImage(out[valueName(session, 'outputs', '0')] as Tensor, { order: 'rgb', range: [0, 1] });
        pasteBack(result, mouth, aligned.matrix, edtalkMask, 1);
        return result;
      }
      // Measured in a 512 FFHQ-aligned frame, but never drawn there: the 96² face is sampled from the crop and
      // pasted straight back through the lower-face mask drawn in the 96² box (aligning at 512, a 512² mask and
      // two pastes cost 40 ms a frame, bench/lipsync).
      const aligned = alignmentMatrix(face.landmarks, 512);
      // The landmarks where the aligned frame has them (close to the template, but this face's own).
      const at = (p: { x: number; y: number }) => applyAffine(aligned, p);
      const l = face.landmarks;
      const inFrame: FaceLandmarks = {
        rightEye: at(l.rightEye),
        leftEye: at(l.leftEye),
        nose: at(l.nose),
        mouthRight: at(l.mouthRight),
        mouthLeft: at(l.mouthLeft),
      };
      const box = wav2lipBox(inFrame);
      const toBox: Affine = [spec.size / box.w, 0, (-box.x * spec.size) / box.w, 0, spec.size / box.h, (-box.y * spec.size) / box.h];
      const cropToBox = composeAffine(toBox, aligned);
      const face96 = warpAffine(rgbRaster(crop), cropToBox, spec.size, spec.size);
      const reference = imageToTensor({ data: face96.data, width: spec.size, height: spec.size }, { order: 'bgr', range: [0, 1] });
      const masked = (reference.data as Float32Array).slice();
      const plane = spec.size * spec.size;
      for (let c = 0; c < 3; c++) masked.fill(0, c * plane + (spec.size / 2) * spec.size, (c + 1) * plane);
      const target = new Float32Array(6 * plane);
      target.set(masked, 0);
      target.set(reference.data as Float32Array, 3 * plane);
      const out = await session.run({ source: mel(window), target: new Tensor('float32', target, [1, 6, spec.size, spec.size]) });
      const redrawn = tensorToImage(out[valueName(session, 'outputs', '0')] as Tensor, { order: 'bgr', range: [0, 1] });
      // Only the face box changes, through the mask of the lower face (blurred by 5 % of the aligned frame).
      const mask = lowerFaceMaskIn(inFrame, toBox, spec.size, spec.size, 0.05 * 512);
      pasteBack(result, redrawn, cropToBox, mask, 1);
      return result;
    },
  };
}
