import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { StudioError } from '../api/errors';
import type { FfmpegReport } from '../api/schemas';

const run = promisify(execFile);
const exe = process.platform === 'win32' ? '.exe' : '';

export interface FfmpegLocation {
  path: string;
  source: NonNullable<FfmpegReport['source']>;
  /** ffprobe beside it, when present. */
  ffprobe: string | undefined;
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  const extensions = process.platform === 'win32' ? (env.PATHEXT ?? '.EXE').split(';') : [''];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of extensions) {
      const candidate = join(dir, name + ext.toLowerCase());
      if (existsSync(candidate)) return candidate;
    }
  }
  return undefined;
}

function bundledFfmpeg(): string | undefined {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  const candidate = resources && join(resources, 'ffmpeg', `ffmpeg${exe}`);
  return candidate && existsSync(candidate) ? candidate : undefined;
}

/**
 * Which ffmpeg runs, in order: the library setting, LIKENESS_FFMPEG, the copy bundled with the desktop
 * app, then PATH. Always explicit, so the doctor can say which binary is used.
 */
export function locateFfmpeg(setting?: string, env: NodeJS.ProcessEnv = process.env): FfmpegLocation | undefined {
  const candidates: [string | undefined, FfmpegLocation['source']][] = [
    [setting, 'setting'],
    [env.LIKENESS_FFMPEG, 'environment'],
    [bundledFfmpeg(), 'bundled'],
    [findOnPath('ffmpeg', env), 'path'],
  ];
  for (const [path, source] of candidates) {
    if (!path) continue;
    if (!existsSync(path)) {
      if (source === 'setting' || source === 'environment') return { path, source, ffprobe: undefined };
      continue;
    }
    const sibling = join(dirname(path), `ffprobe${exe}`);
    return { path, source, ffprobe: existsSync(sibling) ? sibling : findOnPath('ffprobe', env) };
  }
  return undefined;
}

export const installHint =
  process.platform === 'win32'
    ? 'Install ffmpeg (winget install ffmpeg) or set its path in Settings / LIKENESS_FFMPEG.'
    : process.platform === 'darwin'
      ? 'Install ffmpeg (brew install ffmpeg) or set its path in Settings / LIKENESS_FFMPEG.'
      : 'Install ffmpeg (sudo apt install ffmpeg, or your distribution’s package) or set LIKENESS_FFMPEG to its path.';

/**
 * RGB (or another matrix) to limited-range YUV with BT.709 coefficients. Players and the short-video platforms
 * treat HD video as BT.709; swscale's default is BT.601, which shifts reds and greens when played back.
 */
export function toBt709(pixelFormat = 'yuv420p'): string {
  return `scale=out_color_matrix=bt709:out_range=tv,format=${pixelFormat}`;
}

/** Says so in the H.264 stream (VUI) and the MP4 (colr): primaries, transfer, matrix and limited range. */
export const bt709Tags = ['-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'];

/**
 * MP4 options for uploads: the index first (phones start playing before the download ends) and no edit list,
 * which YouTube's and Instagram's upload specs ask for. ffmpeg writes one for the B-frame delay; negative
 * composition offsets (ctts version 1) start the video at 0 without it. The AAC priming (21 ms) then plays,
 * well under a noticeable lip-sync offset.
 */
export const uploadMp4Options = ['-movflags', '+faststart+negative_cts_offsets', '-use_editlist', '0'];

/**
 * YouTube's recommended video bitrate for SDR uploads (YouTube Help, "Recommended upload encoding settings"),
 * by the frame's short side (a vertical 1080×1920 is 1080p) and the frame rate (the higher figure above 30 fps).
 */
export function uploadVideoBitrate(width: number, height: number, fps: number): number {
  const shortSide = Math.min(width, height);
  const [standard, high] =
    shortSide >= 2160
      ? [45e6, 68e6]
      : shortSide >= 1440
        ? [16e6, 24e6]
        : shortSide >= 1080
          ? [8e6, 12e6]
          : shortSide >= 720
            ? [5e6, 7.5e6]
            : shortSide >= 480
              ? [2.5e6, 4e6]
              : [1e6, 1.5e6];
  return fps > 30 ? high : standard;
}

export interface FfmpegCapabilities {
  version: string;
  encoders: ReadonlySet<string>;
  filters: ReadonlySet<string>;
}

const capabilityCache = new Map<string, Promise<FfmpegCapabilities>>();

/** Runs the binary once per path (cached) to read its version and the encoders and filters it was built with. */
export function ffmpegCapabilities(path: string): Promise<FfmpegCapabilities> {
  let cached = capabilityCache.get(path);
  if (!cached) {
    cached = readCapabilities(path);
    capabilityCache.set(path, cached);
    cached.catch(() => capabilityCache.delete(path));
  }
  return cached;
}

async function readCapabilities(path: string): Promise<FfmpegCapabilities> {
  const [version, encoders, filters] = await Promise.all(
    [['-version'], ['-hide_banner', '-encoders'], ['-hide_banner', '-filters']].map((args) =>
      run(path, args, { timeout: 15_000, maxBuffer: 8 * 2 ** 20 }).then((r) => r.stdout),
    ),
  );
  // `-encoders` lines: " V....D libx264  …"; `-filters` lines: " TSC xfade  VV->V  …".
  const names = (text: string, pattern: RegExp) => new Set([...text.matchAll(pattern)].map((m) => m[1]!));
  return {
    version:
      version!
        .split('\n')[0]
        ?.replace(/^ffmpeg version\s*/, '')
        .split(' ')[0] ?? 'unknown',
    encoders: names(encoders!, /^\s*[VAS][A-Z.]{5}\s+(\S+)\s/gm),
    filters: names(filters!, /^\s*[A-Z.|]{2,3}\s+(\S+)\s+\S+->\S+/gm),
  };
}

/** Runs the binary to read its version and whether the encoders and filters Likeness needs exist. */
export async function probeFfmpeg(location: FfmpegLocation | undefined): Promise<FfmpegReport> {
  if (!location)
    return { found: false, error: 'ffmpeg was not found (no setting, no LIKENESS_FFMPEG, not bundled, not on PATH).', hint: installHint };
  const base = { path: location.path, source: location.source, ...(location.ffprobe ? { ffprobe: location.ffprobe } : {}) };
  try {
    const { version, encoders, filters } = await ffmpegCapabilities(location.path);
    return {
      found: true,
      ...base,
      version,
      features: { libx264: encoders.has('libx264'), aac: encoders.has('aac'), xfade: filters.has('xfade'), loudnorm: filters.has('loudnorm') },
    };
  } catch (error) {
    return { found: false, ...base, error: `${location.path} did not run: ${(error as Error).message.split('\n')[0]}`, hint: installHint };
  }
}

/** For recipes: the binary, or an error that says how to install one. */
export function requireFfmpeg(setting?: string): FfmpegLocation {
  const location = locateFfmpeg(setting);
  if (!location || !existsSync(location.path)) {
    throw new StudioError(
      'FFMPEG_MISSING',
      location ? `ffmpeg is set to ${location.path}, which does not exist.` : 'ffmpeg was not found.',
      installHint,
    );
  }
  return location;
}
