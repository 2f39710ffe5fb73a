import { imageToTensor, type RgbImage } from '../inference/image-tensor';
import { type Tensor, valueName, type OpenedSession } from '../inference/session';
import { greyFromLightness, labToRgb, rgbToLabPixel, rgbToLab } from './color';
import { resizePlane, resizeRgb } from './image';

/**
 * Colorizing an old photo: the model sees a grey copy at its own size and predicts colour; the colour (the ab
 * channels of L*a*b*) is scaled up to the photo's full size and joined with the photo's own lightness, so
 * every detail of the scan is kept and only colour is added.
 *
 * DDColor (Apache-2.0): RGB in [0, 1] made from the lightness alone → ab directly ([1, 2, S, S]).
 * DeOldify (MIT): grey RGB in [0, 255] → RGB in [0, 255]; its ab is taken from that.
 */
export type ColorizerKind = 'ddcolor' | 'deoldify';

export interface ColorizerSpec {
  kind: ColorizerKind;
  /** The side the model sees when its input size is not fixed (both families accept 256–512). */
  size: number;
}

export const colorizerSpecs: Record<string, ColorizerSpec> = {
  ddcolor: { kind: 'ddcolor', size: 512 },
  'ddcolor-artistic': { kind: 'ddcolor', size: 512 },
  'deoldify-stable': { kind: 'deoldify', size: 512 },
  'deoldify-artistic': { kind: 'deoldify', size: 512 },
};

export interface ColorizeResult {
  image: RgbImage;
  /** The side the model saw. */
  modelSize: number;
  runMs: number;
}

function fixedSide(session: OpenedSession): number | undefined {
  const input = session.inputs[valueName(session, 'inputs', 'input')]!;
  const h = input.shape[2];
  const w = input.shape[3];
  return typeof h === 'number' && typeof w === 'number' && h === w ? h : undefined;
}

export async function colorize(
  session: OpenedSession,
  spec: ColorizerSpec,
  photo: RgbImage,
  options: { size?: number } = {},
): Promise<ColorizeResult> {
  const size = fixedSide(session) ?? options.size ?? spec.size;
  const lab = rgbToLab(photo);
  const small = await resizeRgb(greyFromLightness(lab), size, size);
  const input = imageToTensor(small, { order: 'rgb', range: spec.kind === 'ddcolor' ? [0, 1] : [0, 255] });
  const started = performance.now();
  const outputs = await session.run({ [valueName(session, 'inputs', 'input')]: input });
  const runMs = performance.now() - started;
  const out = outputs[valueName(session, 'outputs', '0')] as Tensor;
  const [, channels, oh, ow] = out.dims as number[];
  const data = out.data as Float32Array;
  const plane = oh! * ow!;
  let a: Float32Array;
  let b: Float32Array;
  if (spec.kind === 'ddcolor') {
    if (channels !== 2) throw new Error(`DDColor returned ${channels} channels; ab needs 2`);
    a = data.subarray(0, plane);
    b = data.subarray(plane, 2 * plane);
  } else {
    if (channels !== 3) throw new Error(`DeOldify returned ${channels} channels; RGB needs 3`);
    a = new Float32Array(plane);
    b = new Float32Array(plane);
    for (let i = 0; i < plane; i++) {
      const clamp = (v: number) => Math.min(1, Math.max(0, v / 255));
      const [, aa, bb] = rgbToLabPixel(clamp(data[i]!), clamp(data[plane + i]!), clamp(data[2 * plane + i]!));
      a[i] = aa;
      b[i] = bb;
    }
  }
  const image = labToRgb({
    width: photo.width,
    height: photo.height,
    L: lab.L,
    a: resizePlane(a, ow!, oh!, photo.width, photo.height),
    b: resizePlane(b, ow!, oh!, photo.width, photo.height),
  });
  return { image, modelSize: size, runMs };
}
