import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import type { z } from 'zod';
import { StudioError } from '../api/errors';
import type { AudioRef, ReelRequest, ReelSize } from '../api/namespaces/reels';
import type { Catalog } from '../catalog/catalog';
import sharp from 'sharp';
import type { OutputDetail } from '../api/schemas';
import { imageExtensions, inspectImage, readImageFile } from '../catalog/image-input';
import { extractProvenance } from '../catalog/provenance';
import { parseSrt } from './captions';
import { largestFaceFocus, reelFaceFinder } from './reel-faces';
import { runFfmpeg } from './run-ffmpeg';
import type { ReelSettings, ReelSources, ReelVisualSource } from './render';
import { requireTemplate } from './templates';

export type ParsedReelRequest = z.output<typeof ReelRequest>;

export const videoExtensions = new Set(['.mp4', '.m4v', '.mov', '.webm', '.mkv']);

export function sizeOf(size: ReelSize): { width: number; height: number } {
  const [width, height] = size.split('x').map(Number) as [number, number];
  return { width, height };
}

/** The preview renders a third of the size (same layout, same timing). */
export function previewSize(size: { width: number; height: number }): { width: number; height: number } {
  const even = (n: number) => Math.round(n / 6) * 2;
  return { width: even(size.width), height: even(size.height) };
}

/** Size, rotation-aware, and length of a video file, read from ffmpeg's description of its input. */
export async function probeVideo(ffmpegPath: string, file: string): Promise<{ width: number; height: number; seconds: number }> {
  let stderr: string;
  try {
    ({ stderr } = await runFfmpeg({ ffmpegPath, inputs: [{ source: file, options: [] }], outputOptions: ['-t', '0', '-f', 'null'], output: '-' }));
  } catch (error) {
    throw new StudioError('CORRUPT_FILE', `${basename(file)} is not a video Likeness can read.`, 'Check that it plays in a video player.', {
      cause: (error as Error).message,
    });
  }
  const duration = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(stderr);
  const video = /Stream #\d+:\d+.*?: Video: .*?(\d{2,5})x(\d{2,5})/.exec(stderr);
  if (!duration || !video) {
    throw new StudioError('CORRUPT_FILE', `${basename(file)} has no video Likeness can read.`, 'Check that it plays in a video player.');
  }
  const rotated = /rotation of -?90|rotate\s*:\s*-?(90|270)/.test(stderr);
  const [width, height] = [Number(video[1]), Number(video[2])];
  return {
    width: rotated ? height : width,
    height: rotated ? width : height,
    seconds: Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]),
  };
}

/**
 * Why a catalogue output counts as made or changed by a model (null when it does not): generated here or by
 * another tool (its metadata names one), restored, colourised or upscaled, animated or lip-synced, or a reel with
 * such content. The AI mark goes on a reel exactly when one of its pictures is such an output.
 */
export function madeByModel(output: Pick<OutputDetail, 'source' | 'generator' | 'provenance'>): string | null {
  if (output.source === 'generate') return 'generated';
  if (output.source === 'restore') return 'restored by a model';
  if (output.source === 'animate') return 'animated by a model';
  if (output.source === 'reel') return (output.provenance as { aiContent?: unknown[] }).aiContent?.length ? 'a reel with AI content' : null;
  return output.generator ? `generated with ${output.generator}` : null;
}

/** A photo from a path: generated when it carries another tool's generation settings (A1111, ComfyUI …). */
async function fileMadeByModel(data: Buffer): Promise<string | null> {
  const meta = await sharp(data)
    .metadata()
    .catch(() => undefined);
  if (!meta) return null;
  const { provenance } = extractProvenance({ texts: meta.comments ?? [], ...(meta.exif ? { exif: meta.exif } : {}) });
  return provenance ? `generated with ${provenance.generator}` : null;
}

export interface ResolvedReel {
  settings: ReelSettings;
  sources: ReelSources;
  /** What the output's provenance records about its inputs. */
  provenance: Record<string, unknown>;
  /** The visuals a model made or changed, and why (empty: the reel carries no AI mark). */
  aiContent: { name: string; why: string }[];
  /** The person every visual belongs to, when they all belong to one. */
  personId: number | null;
}

function audioPath(catalog: Catalog, ref: AudioRef | undefined, role: string): string | undefined {
  if (!ref) return undefined;
  if ('hash' in ref) {
    if (!catalog.objectMime(ref.hash)) {
      throw new StudioError('NOT_FOUND', `The ${role} recording is no longer in the library.`, 'Record or upload it again.');
    }
    return catalog.store.pathOf(ref.hash);
  }
  const path = resolve(ref.path);
  if (!existsSync(path)) throw new StudioError('NOT_FOUND', `The ${role} file ${path} does not exist.`, 'Check the path.');
  return path;
}

/**
 * Turns a reel request into what the engine renders: the template, catalogue outputs and files read (or, for
 * planning only, measured), audio located, captions parsed. Every problem is named with what to do.
 */
export async function resolveReel(
  catalog: Catalog,
  ffmpegPath: string,
  request: ParsedReelRequest,
  options: { readPixels: boolean },
): Promise<ResolvedReel> {
  const template = requireTemplate(request.template);
  const size = sizeOf(request.size);
  const { width, height } = request.quality === 'preview' ? previewSize(size) : size;
  const visuals: ReelVisualSource[] = [];
  const visualRecords: Record<string, unknown>[] = [];
  const people = new Set<number | null>();
  // The visuals a model made or changed, with why: the AI mark and its metadata say so exactly when there is one.
  const aiContent: { name: string; why: string }[] = [];
  for (const visual of request.visuals) {
    if ('outputId' in visual) {
      const output = catalog.outputs.get(visual.outputId);
      const file = catalog.store.pathOf(output.hash);
      const name = output.originalName ?? `output ${output.id}`;
      people.add(output.personId);
      visualRecords.push({ outputId: output.id, hash: output.hash, ...(visual.focus ? { focus: visual.focus } : {}) });
      const why = madeByModel(output);
      if (why) aiContent.push({ name, why });
      if (!existsSync(file)) throw new StudioError('NOT_FOUND', `The file of ${name} is missing from the library.`, 'Run `likeness doctor`.');
      if (output.kind === 'video') {
        visuals.push({ kind: 'clip', name, file, width: output.width, height: output.height, seconds: (output.durationMs ?? 0) / 1000 });
      } else {
        const data = options.readPixels ? await readFile(file) : Buffer.alloc(0);
        visuals.push({ kind: 'still', name, data, width: output.width, height: output.height, focus: visual.focus });
      }
      continue;
    }
    const path = resolve(visual.path);
    const name = basename(path);
    people.add(null);
    visualRecords.push({ path, ...(visual.focus ? { focus: visual.focus } : {}) });
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new StudioError('NOT_FOUND', `${path} does not exist.`, 'Check the path of the photo.');
    const extension = extname(path).toLowerCase();
    if (videoExtensions.has(extension)) {
      visuals.push({ kind: 'clip', name, file: path, ...(await probeVideo(ffmpegPath, path)) });
    } else if (imageExtensions.has(extension)) {
      const data = await readImageFile(path, name);
      const image = await inspectImage(data, name);
      const why = await fileMadeByModel(data);
      if (why) aiContent.push({ name, why });
      visuals.push({
        kind: 'still',
        name,
        data: options.readPixels ? data : Buffer.alloc(0),
        width: image.width,
        height: image.height,
        focus: visual.focus,
      });
    } else {
      throw new StudioError(
        'INVALID_INPUT',
        `${name} is neither a photo nor a video.`,
        'Use JPEG, PNG, WebP, TIFF or AVIF photos, or MP4, MOV or WebM clips.',
      );
    }
  }

  // Stills without a focus box aim at their largest face, where the face detector is installed.
  const warnings: string[] = [];
  const unfocused = visuals.flatMap((visual, index) => (visual.kind === 'still' && !visual.focus ? [{ visual, index }] : []));
  if (unfocused.length) {
    const finder = await reelFaceFinder(catalog.paths.models);
    if (finder.unavailable !== undefined) warnings.push(finder.unavailable);
    else if (options.readPixels) {
      for (const { visual, index } of unfocused) {
        const focus = await largestFaceFocus(finder.detector, visual.data, visual.name);
        if (!focus) continue;
        visual.focus = focus;
        visualRecords[index] = { ...visualRecords[index], focus, focusFrom: 'face' };
      }
    }
  }

  let captions: ReelSettings['captions'];
  if (request.captions) {
    if ('text' in request.captions) captions = { text: request.captions.text };
    else if ('srt' in request.captions) captions = { cues: parseSrt(request.captions.srt) };
    else {
      const path = resolve(request.captions.path);
      const text = await readFile(path, 'utf8').catch(() => {
        throw new StudioError('NOT_FOUND', `The captions file ${path} cannot be read.`, 'Check the path.');
      });
      captions = /-->/.test(text) || extname(path).toLowerCase() === '.srt' ? { cues: parseSrt(text) } : { text: text.trim() };
    }
  }

  const voice = audioPath(catalog, request.voice, 'voice');
  const music = audioPath(catalog, request.music, 'music');
  const single = people.size === 1 ? [...people][0]! : null;
  return {
    settings: {
      template,
      width,
      height,
      title: request.title,
      captions,
      secondsPerVisual: request.secondsPerVisual,
      // Chosen is how to mark AI content; whether there is any decides if the mark goes on at all.
      aiLabel: aiContent.length ? request.aiLabel : 'off',
      aiLabelText: request.aiLabelText,
      roleLabels: request.roleLabels,
      warnings,
    },
    sources: { visuals, voice, music },
    provenance: {
      template: template.id,
      size: request.size,
      visuals: visualRecords,
      ...(request.voice ? { voice: request.voice } : {}),
      ...(request.music ? { music: request.music } : {}),
      ...(request.title ? { title: request.title } : {}),
      ...(request.captions
        ? { captions: 'path' in request.captions ? request.captions : { cues: captions && 'cues' in captions ? captions.cues.length : 'text' } }
        : {}),
      aiLabel: request.aiLabel,
    },
    aiContent,
    personId: single,
  };
}
