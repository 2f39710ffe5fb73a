import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import type { z } from 'zod';
import { StudioError } from '../api/errors';
import type { DrivingVideo, PortraitSource, ProcessRequest } from '../api/namespaces/portrait';
import type { AudioRef } from '../api/namespaces/reels';
import type { Catalog } from '../catalog/catalog';
import type { RgbImage } from '../inference/image-tensor';
import { decodePhoto, inspectPhoto } from '../people/decode';
import { stagedFiles } from '../people/uploads';
import { requireFfmpeg } from '../video/ffmpeg';
import { probeVideo } from '../video/reel-inputs';
import { colorizerSpecs } from './colorize';
import { lipSyncSpecs } from './lipsync';
import { requirePortraitModel } from './models';
import { requireMotionPreset } from './motion';
import { requireEspeak } from './narration';
import { restorerSpecs } from './restore';
import { upscaleRefusal } from './upscale';

/**
 * What a portrait request refers to — the photo, a voice clip, a driving video — resolved to files, and the checks
 * a request gets before it is queued.
 */
type Request = z.output<typeof ProcessRequest>;

export interface LoadedSource {
  image: RgbImage;
  name: string;
  hash: string | null;
  outputId: number | null;
  personId: number | null;
}

/** The photo of a request, decoded (upright, sRGB, full resolution). */
export async function loadSource(catalog: Catalog, source: PortraitSource): Promise<LoadedSource> {
  let file: string;
  let name: string;
  let hash: string | null = null;
  let outputId: number | null = null;
  let personId: number | null = null;
  if ('outputId' in source) {
    const output = catalog.outputs.get(source.outputId);
    if (output.kind !== 'image') throw new StudioError('INVALID_INPUT', `Output ${output.id} is a video, not a photo.`, 'Choose a photo.');
    file = catalog.store.pathOf(output.hash);
    name = output.originalName ?? `output ${output.id}`;
    hash = output.hash;
    outputId = output.id;
    personId = output.personId;
  } else {
    file = resolve(source.path);
    name = basename(file);
    if (!existsSync(file)) throw new StudioError('NOT_FOUND', `${file} does not exist.`, 'Check the path of the photo.');
  }
  const data = await readFile(file);
  const info = await inspectPhoto(data, name);
  const decoded = await decodePhoto(data, name, info);
  return { image: decoded.rgb, name, hash, outputId, personId };
}

/** Previews are made from a copy of the photo at most this large. */
export const PREVIEW_SIDE = 1024;

/** The upright size of a request's photo, read from the catalogue or the file's header (nothing is decoded). */
async function sourceSize(catalog: Catalog, source: PortraitSource): Promise<{ width: number; height: number }> {
  if ('outputId' in source) return catalog.outputs.get(source.outputId);
  const file = resolve(source.path);
  if (!existsSync(file)) throw new StudioError('NOT_FOUND', `${file} does not exist.`, 'Check the path of the photo.');
  return inspectPhoto(await readFile(file), basename(file));
}

/** The file of a recording; typed narration has none until it is spoken (see process-run). */
export function audioFile(catalog: Catalog, audio: AudioRef): string {
  if ('hash' in audio) {
    const path = catalog.store.pathOf(audio.hash);
    if (!existsSync(path)) throw new StudioError('NOT_FOUND', 'The voice recording is no longer in the library.', 'Record or choose it again.');
    return path;
  }
  const path = resolve(audio.path);
  if (!existsSync(path)) throw new StudioError('NOT_FOUND', `${path} does not exist.`, 'Check the path of the voice clip.');
  return path;
}

export async function drivingFile(catalog: Catalog, video: DrivingVideo): Promise<string> {
  if ('uploadId' in video) return (await stagedFiles(catalog.paths.root, [video.uploadId]))[0]!.path;
  if ('outputId' in video) {
    const output = catalog.outputs.get(video.outputId);
    if (output.kind !== 'video') throw new StudioError('INVALID_INPUT', `Output ${output.id} is a photo, not a video.`, 'Choose a video of a face.');
    return catalog.store.pathOf(output.hash);
  }
  const path = resolve(video.path);
  if (!existsSync(path)) throw new StudioError('NOT_FOUND', `${path} does not exist.`, 'Check the path of the driving video.');
  return path;
}

/**
 * Everything a request needs, checked before it is queued (and again when it runs): the models installed and
 * allowed, the motion preset, ffmpeg for clips, the files it names.
 */
export async function checkRequest(catalog: Catalog, request: Request): Promise<void> {
  const allow = { allowNonCommercial: request.allowNonCommercial };
  if (request.restore) {
    if (!restorerSpecs[request.restore.model])
      throw new StudioError(
        'INVALID_INPUT',
        `${request.restore.model} is not a face restorer.`,
        `Choose one of: ${Object.keys(restorerSpecs).join(', ')}.`,
      );
    requirePortraitModel(catalog, request.restore.model, { kind: 'face-restorer', ...allow });
  }
  if (request.colorize) {
    if (!colorizerSpecs[request.colorize.model])
      throw new StudioError(
        'INVALID_INPUT',
        `${request.colorize.model} is not a colorizer.`,
        `Choose one of: ${Object.keys(colorizerSpecs).join(', ')}.`,
      );
    requirePortraitModel(catalog, request.colorize.model, { kind: 'colorizer', ...allow });
  }
  if (request.upscale) {
    requirePortraitModel(catalog, `real-esrgan-x${request.upscale.scale}`, { kind: 'upscaler', ...allow });
    // A scan too large to upscale is said now, not after the job has started.
    const size = await sourceSize(catalog, request.source);
    const shrink = request.quality === 'preview' ? Math.min(1, PREVIEW_SIDE / Math.max(size.width, size.height)) : 1;
    const refusal = upscaleRefusal(Math.round(size.width * shrink), Math.round(size.height * shrink), request.upscale.scale);
    if (refusal) throw refusal;
  }
  if (request.animate) {
    requirePortraitModel(catalog, 'liveportrait', { kind: 'portrait-animator', ...allow });
    if ('preset' in request.animate.motion) requireMotionPreset(request.animate.motion.preset);
    else {
      // A file that is not a video (a photo picked by mistake) is said now, not after the restore steps have run.
      const file = await drivingFile(catalog, request.animate.motion.driving);
      await probeVideo(requireFfmpeg(catalog.getSetting('ffmpeg.path')).path, file);
    }
    const speech = request.animate.speech;
    if (speech) {
      if (!lipSyncSpecs[speech.model])
        throw new StudioError('INVALID_INPUT', `${speech.model} is not a lip-sync model.`, `Choose one of: ${Object.keys(lipSyncSpecs).join(', ')}.`);
      requirePortraitModel(catalog, speech.model, { kind: 'lip-sync', ...allow });
      if ('text' in speech.audio) requireEspeak();
      else audioFile(catalog, speech.audio);
    }
    requireFfmpeg(catalog.getSetting('ffmpeg.path'));
  }
  if ('outputId' in request.source) catalog.outputs.get(request.source.outputId);
  else if (!existsSync(resolve(request.source.path)))
    throw new StudioError('NOT_FOUND', `${request.source.path} does not exist.`, 'Check the path of the photo.');
}
