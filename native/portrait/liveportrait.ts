import { StudioError } from '../api/errors';
import type { ProviderName } from '../api/schemas';
import { imageToTensor, planesToImage, tensorPlanes, UNIT_RGB, type RgbImage, type RgbPlanes } from '../inference/image-tensor';
import { checkGridSample5d, customOperators, type OperatorCheck } from '../inference/operator-check';
import { Tensor, valueName, type FallbackNotice, type OpenedSession, type ProviderChoice } from '../inference/session';
import { readFile } from 'node:fs/promises';
import { openPortraitSession, type PortraitModelFile } from './models';

/**
 * LivePortrait (KwaiVGI, MIT) as six ONNX parts, in the layout of FaceFusion's exports:
 *
 *   appearance feature extractor  input [1,3,256,256] RGB 0–1        → feature volume [1,32,16,64,64]
 *   motion extractor              input [1,3,256,256] RGB 0–1        → pitch, yaw, roll (degrees), scale [1,1],
 *                                                                       translation [1,3], expression [1,21,3],
 *                                                                       canonical keypoints [1,21,3] (by position)
 *   stitcher                      source, target [1,21,3]            → stitched driving keypoints [1,21,3]
 *   eye retargeter                input [1,66] = keypoints, eye ratios (left, right), wanted ratio → Δ [1,63]
 *   lip retargeter                input [1,65] = keypoints, lip ratio, wanted ratio              → Δ [1,63]
 *   generator (warping + SPADE)   feature_volume, source, target     → face [1,3,512,512] RGB 0–1
 *
 * "source" is the driving keypoints and "target" the photo's own (the names of the exports). The warping module
 * samples the feature volume with a 5-D GridSample; where a provider cannot run it, the generator alone runs on
 * the CPU and the fallback is announced.
 */

export const LIVEPORTRAIT_FILES = {
  feature: 'live_portrait_feature_extractor.onnx',
  motion: 'live_portrait_motion_extractor.onnx',
  stitcher: 'live_portrait_stitcher.onnx',
  eye: 'live_portrait_eye_retargeter.onnx',
  lip: 'live_portrait_lip_retargeter.onnx',
  generator: 'live_portrait_generator.onnx',
} as const;
export type LivePortraitPart = keyof typeof LIVEPORTRAIT_FILES;

const partNames: Record<LivePortraitPart, string> = {
  feature: 'LivePortrait appearance feature extractor',
  motion: 'LivePortrait motion extractor',
  stitcher: 'LivePortrait stitching module',
  eye: 'LivePortrait eye retargeting module',
  lip: 'LivePortrait lip retargeting module',
  generator: 'LivePortrait warping module and generator',
};

export interface LivePortraitSessions {
  parts: Record<LivePortraitPart, OpenedSession>;
  /** The provider each part runs on. */
  providers: Record<LivePortraitPart, ProviderName>;
  /** The 5-D GridSample check of the provider the generator was meant for (absent on the CPU). */
  gridSample?: OperatorCheck;
  fallbacks: FallbackNotice[];
}

/**
 * Opens the six parts on `provider` and checks each against its registry I/O. The generator's provider is first
 * checked for 5-D GridSample; if it fails, the generator opens on the CPU with a notice naming the operator.
 */
export async function openLivePortrait(
  files: Record<LivePortraitPart, PortraitModelFile>,
  options: { provider: ProviderChoice; onFallback?: (notice: FallbackNotice) => void; fresh?: boolean },
): Promise<LivePortraitSessions> {
  const fallbacks: FallbackNotice[] = [];
  const onFallback = (notice: FallbackNotice) => {
    fallbacks.push(notice);
    options.onFallback?.(notice);
  };
  const open = async (part: LivePortraitPart, provider: ProviderChoice) => {
    try {
      return await openPortraitSession(files[part], partNames[part], { provider, onFallback, ...(options.fresh ? { fresh: true } : {}) });
    } catch (error) {
      if (part === 'generator' && error instanceof StudioError && error.code === 'MODEL_ERROR' && /could not be loaded/.test(error.message)) {
        let custom: string[] = [];
        try {
          custom = customOperators(await readFile(files[part].path), partNames[part]);
        } catch {
          // A file that does not even parse (cut short): onnxruntime's own message says more.
        }
        if (custom.length) {
          throw new StudioError(
            'MODEL_ERROR',
            `${partNames[part]} uses ${custom.join(', ')}, a custom operator (a TensorRT plugin) that onnxruntime cannot run.`,
            'Use the export with the standard 5-D GridSample (ONNX opset 20): likeness models download liveportrait',
          );
        }
      }
      throw error;
    }
  };
  const parts = {} as Record<LivePortraitPart, OpenedSession>;
  for (const part of ['feature', 'motion', 'stitcher', 'eye', 'lip'] as const) parts[part] = await open(part, options.provider);
  // The generator goes where the others went, if that provider can sample 5-D grids.
  const wanted = parts.feature.provider;
  let gridSample: OperatorCheck | undefined;
  let generatorProvider: ProviderChoice = wanted;
  if (wanted !== 'cpu') {
    gridSample = await checkGridSample5d(wanted);
    if (!gridSample.ok) {
      generatorProvider = 'cpu';
      onFallback({
        model: partNames.generator,
        provider: wanted,
        reason: `5-D GridSample does not run on ${wanted} (${gridSample.reason}); the generator runs on the CPU`,
      });
    }
  }
  parts.generator = await open('generator', generatorProvider);
  const providers = Object.fromEntries(Object.entries(parts).map(([k, s]) => [k, s.provider])) as Record<LivePortraitPart, ProviderName>;
  return { parts, providers, ...(gridSample ? { gridSample } : {}), fallbacks };
}

// ---------- keypoint maths ----------

export interface MotionInfo {
  pitch: number;
  yaw: number;
  roll: number;
  scale: number;
  translation: [number, number, number];
  /** [21 × 3] */
  expression: Float32Array;
  /** Canonical (identity) keypoints [21 × 3]. */
  keypoints: Float32Array;
}

const first = (t: Tensor) => (t.data as Float32Array)[0]!;

export async function extractMotion(session: OpenedSession, crop256: RgbImage): Promise<MotionInfo> {
  const outputs = await session.run({ [valueName(session, 'inputs', 'input')]: imageToTensor(crop256, UNIT_RGB) });
  const out = (i: number) => outputs[valueName(session, 'outputs', String(i))] as Tensor;
  const t = out(4).data as Float32Array;
  return {
    pitch: first(out(0)),
    yaw: first(out(1)),
    roll: first(out(2)),
    scale: first(out(3)),
    translation: [t[0]!, t[1]!, t[2] ?? 0],
    expression: (out(5).data as Float32Array).slice(),
    keypoints: (out(6).data as Float32Array).slice(),
  };
}

export async function extractFeatures(session: OpenedSession, crop256: RgbImage): Promise<Tensor> {
  const outputs = await session.run({ [valueName(session, 'inputs', 'input')]: imageToTensor(crop256, UNIT_RGB) });
  return outputs[valueName(session, 'outputs', '0')] as Tensor;
}

/** Rz(roll)·Ry(yaw)·Rx(pitch), degrees, row-major 3×3 (LivePortrait's get_rotation_matrix before its transpose). */
export function rotationMatrix(pitch: number, yaw: number, roll: number): Float64Array {
  const [x, y, z] = [pitch, yaw, roll].map((d) => (d * Math.PI) / 180) as [number, number, number];
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(x), Math.sin(x), Math.cos(y), Math.sin(y), Math.cos(z), Math.sin(z)];
  return Float64Array.from([
    cz * cy,
    cz * sy * sx - sz * cx,
    cz * sy * cx + sz * sx,
    sz * cy,
    sz * sy * sx + cz * cx,
    sz * sy * cx - cz * sx,
    -sy,
    cy * sx,
    cy * cx,
  ]);
}

/**
 * The keypoints a pose and expression put the canonical keypoints at: scale · (kp · Rᵀ + expression) + (tx, ty, 0)
 * — LivePortrait's transform_keypoint (the depth of the translation is not used).
 */
export function transformKeypoints(
  info: Pick<MotionInfo, 'scale' | 'translation' | 'keypoints' | 'expression'>,
  rotation: Float64Array,
): Float32Array {
  const out = new Float32Array(63);
  const k = info.keypoints;
  const e = info.expression;
  for (let i = 0; i < 21; i++) {
    const [x, y, z] = [k[i * 3]!, k[i * 3 + 1]!, k[i * 3 + 2]!];
    for (let j = 0; j < 3; j++) {
      // (kp · Rᵀ)_j = Σ_m kp_m · R[j][m]
      const rotated = x * rotation[j * 3]! + y * rotation[j * 3 + 1]! + z * rotation[j * 3 + 2]!;
      out[i * 3 + j] = info.scale * (rotated + e[i * 3 + j]!) + (j < 2 ? info.translation[j]! : 0);
    }
  }
  return out;
}

const keypointTensor = (values: Float32Array) => new Tensor('float32', values, [1, 21, 3]);

export async function stitch(session: OpenedSession, driving: Float32Array, photo: Float32Array): Promise<Float32Array> {
  const outputs = await session.run({ source: keypointTensor(driving), target: keypointTensor(photo) });
  return (outputs[valueName(session, 'outputs', '0')]!.data as Float32Array).slice();
}

/** Keypoint offsets that set the eyes' openness ratio to `wanted` (the photo's own ratio: `current`). */
export async function retargetEyes(session: OpenedSession, photo: Float32Array, current: [number, number], wanted: number): Promise<Float32Array> {
  const input = new Float32Array(66);
  input.set(photo);
  input.set([current[0], current[1], wanted], 63);
  const outputs = await session.run({ [valueName(session, 'inputs', 'input')]: new Tensor('float32', input, [1, 66]) });
  return (outputs[valueName(session, 'outputs', '0')]!.data as Float32Array).slice();
}

export async function retargetLips(session: OpenedSession, photo: Float32Array, current: number, wanted: number): Promise<Float32Array> {
  const input = new Float32Array(65);
  input.set(photo);
  input.set([current, wanted], 63);
  const outputs = await session.run({ [valueName(session, 'inputs', 'input')]: new Tensor('float32', input, [1, 65]) });
  return (outputs[valueName(session, 'outputs', '0')]!.data as Float32Array).slice();
}

/** The generator's frame as it comes out: planes in UNIT_RGB. */
export async function generatePlanes(session: OpenedSession, feature: Tensor, driving: Float32Array, photo: Float32Array): Promise<RgbPlanes> {
  const outputs = await session.run({ feature_volume: feature, source: keypointTensor(driving), target: keypointTensor(photo) });
  return tensorPlanes(outputs[valueName(session, 'outputs', '0')] as Tensor);
}

export async function generate(session: OpenedSession, feature: Tensor, driving: Float32Array, photo: Float32Array): Promise<RgbImage> {
  return planesToImage(await generatePlanes(session, feature, driving, photo), UNIT_RGB);
}
