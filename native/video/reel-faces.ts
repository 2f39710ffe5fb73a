import { toStudioError } from '../core/errors';
import { explainDecodeError, sharpInput } from '../catalog/image-input';
import { installedFaceDetector } from '../inference/face-detector';
import type { FaceDetector } from '../inference/face-landmarks';
import type { FocusBox } from './plan';

/** Faces are looked for on a copy at most this large (YuNet finds portrait faces far below it; old scans stay cheap). */
const DETECT_MAX_SIDE = 1024;

/** Where the moves of stills without a focus box aim: the faces found, or why the centre-weighted default is used. */
export type FaceFinder = { detector: FaceDetector; unavailable?: undefined } | { detector?: undefined; unavailable: string };

/** The installed face detector for a reel, or what to say in the plan's warnings while there is none. */
export async function reelFaceFinder(modelsDir: string): Promise<FaceFinder> {
  try {
    return { detector: await installedFaceDetector(modelsDir) };
  } catch (error) {
    const reason = toStudioError(error);
    const message = reason.message.replace(/\.$/, '');
    return {
      unavailable: `Faces are not looked for (${message}): the pan and zoom aim a little above the centre of each photo.${reason.hint ? ` ${reason.hint}` : ''}`,
    };
  }
}

/**
 * The largest face of a still as a focus box, in fractions of the upright photo (as the reel prepares it: EXIF
 * rotation applied), or undefined when there is none.
 */
export async function largestFaceFocus(detector: FaceDetector, data: Buffer, name: string): Promise<FocusBox | undefined> {
  let decoded;
  try {
    decoded = await sharpInput(data)
      .rotate()
      .resize({ width: DETECT_MAX_SIDE, height: DETECT_MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .flatten({ background: '#000000' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw explainDecodeError(error, name);
  }
  const { width, height } = decoded.info;
  const faces = await detector.detect({ data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.byteLength), width, height });
  const largest = faces.toSorted((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
  if (!largest) return undefined;
  // Boxes can reach past the border (a face cut by the frame): keep the part inside the photo.
  const x0 = Math.max(0, largest.box.x / width);
  const y0 = Math.max(0, largest.box.y / height);
  const x1 = Math.min(1, (largest.box.x + largest.box.width) / width);
  const y1 = Math.min(1, (largest.box.y + largest.box.height) / height);
  if (x1 <= x0 || y1 <= y0) return undefined;
  const round = (v: number) => Math.round(v * 10_000) / 10_000;
  return { x: round(x0), y: round(y0), w: round(x1 - x0), h: round(y1 - y0) };
}
