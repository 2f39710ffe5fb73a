import type { Inspection, PortraitSource, PortraitStatus } from '../api/namespaces/portrait';
import type { Catalog } from '../catalog/catalog';
import { installState } from '../models/installed';
import { loadRegistry } from '../models/registry';
import { FACE_DETECTOR_MODEL, installedFaceDetector } from '../inference/face-detector';
import { locateFfmpeg } from '../video/ffmpeg';
import { meanChroma, rgbToLab } from './color';
import { findFaces } from './faces';
import { resizeRgb } from './image';
import { nonCommercialAllowed } from './models';
import { locateEspeak } from './narration';
import { loadSource } from './request';

const portraitKinds = new Set(['face-restorer', 'colorizer', 'upscaler', 'portrait-animator', 'lip-sync', 'face-detector']);

/** Which portrait models are installed and allowed, and whether ffmpeg is there for clips. */
export function portraitStatus(catalog: Catalog): PortraitStatus {
  const allowed = nonCommercialAllowed(catalog);
  const models = loadRegistry()
    .models.filter((m) => portraitKinds.has(m.kind))
    .map((m) => {
      const installed = installState(catalog.paths.models, m) === 'installed';
      return {
        id: m.id,
        kind: m.kind as PortraitStatus['models'][number]['kind'],
        name: m.name,
        description: m.description ?? null,
        license: m.license.name,
        commercialUse: m.license.commercialUse,
        installed,
        usable: installed && (m.license.commercialUse || allowed),
      };
    });
  const ffmpeg = locateFfmpeg(catalog.getSetting('ffmpeg.path'));
  return { models, nonCommercialAllowed: allowed, ffmpeg: Boolean(ffmpeg), narration: Boolean(locateEspeak()) };
}

/** Black-and-white and toned prints measure below this mean chroma; colour photos well above. */
const BLACK_AND_WHITE_CHROMA = 3;

/** The faces of a photo (largest first) and whether it lacks colour, for the Restore page and the CLI. */
export async function inspectPortrait(catalog: Catalog, source: PortraitSource): Promise<Inspection> {
  const { image } = await loadSource(catalog, source);
  const k = Math.min(1, 256 / Math.max(image.width, image.height));
  const small = await resizeRgb(image, Math.max(1, Math.round(image.width * k)), Math.max(1, Math.round(image.height * k)));
  const chroma = Math.round(meanChroma(rgbToLab(small)) * 100) / 100;
  const hasDetector =
    installState(
      catalog.paths.models,
      loadRegistry().models.find((m) => m.id === FACE_DETECTOR_MODEL)!,
    ) === 'installed';
  const faces = hasDetector ? await findFaces(image, await installedFaceDetector(catalog.paths.models)) : [];
  return { width: image.width, height: image.height, faces, chroma, blackAndWhite: chroma < BLACK_AND_WHITE_CHROMA, detector: hasDetector };
}
