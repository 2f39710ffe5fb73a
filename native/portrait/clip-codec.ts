import { randomUUID } from 'node:crypto';
import { open, readFile, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StudioError } from '../api/errors';
import type { RgbImage } from '../inference/image-tensor';
import { bt709Tags, toBt709, uploadMp4Options, type FfmpegLocation } from '../video/ffmpeg';
import { frameStream, type FrameSource } from '../video/frame-source';
import { probeVideo } from '../video/reel-inputs';
import { runFfmpeg } from '../video/run-ffmpeg';
import { isWav, readWav, type DecodedAudio } from './audio';

/**
 * Sound and video in and out of the portrait steps, through the video module's ffmpeg runner: voice clips
 * decoded to samples (the resampling to 16 kHz is the audio front end's own), driving videos decoded to frames,
 * and animated frames streamed into an H.264 clip.
 */

/** A voice clip as samples at its own rate: WAV is read directly, anything else (MP3, M4A, WebM/Opus…) via ffmpeg. */
export async function decodeAudioFile(ffmpeg: FfmpegLocation, file: string, scratchDir: string, signal?: AbortSignal): Promise<DecodedAudio> {
  const bytes = await readFile(file);
  if (isWav(bytes)) {
    try {
      return readWav(bytes, basename(file));
    } catch {
      // an encoding readWav does not take (ADPCM, µ-law…): let ffmpeg convert it
    }
  }
  const temp = join(scratchDir, `voice-${randomUUID()}.wav`);
  try {
    await runFfmpeg({
      ffmpegPath: ffmpeg.path,
      inputs: [{ source: file, options: [] }],
      outputOptions: ['-map', '0:a:0', '-vn', '-c:a', 'pcm_f32le', '-f', 'wav', '-y'],
      output: temp,
      signal,
    });
    return readWav(await readFile(temp), basename(file));
  } catch (error) {
    if (error instanceof StudioError && error.code === 'INTERNAL') {
      throw new StudioError(
        'INVALID_INPUT',
        `${basename(file)} has no sound Likeness can read.`,
        'Choose an audio file (WAV, MP3, M4A, OGG, WebM) or record again.',
      );
    }
    throw error;
  } finally {
    await rm(temp, { force: true });
  }
}

export interface DecodedVideo {
  width: number;
  height: number;
  fps: number;
  frameCount: number;
  /** Raw RGB frames, one after the other. */
  file: string;
  frame(index: number): Promise<RgbImage>;
  dispose(): Promise<void>;
}

/** A driving video as frames at `fps`, no larger than `maxSide`, at most `maxSeconds` long (a temp file of raw RGB). */
export async function decodeVideoFrames(
  ffmpeg: FfmpegLocation,
  file: string,
  scratchDir: string,
  options: { fps: number; maxSide: number; maxSeconds: number; signal?: AbortSignal },
): Promise<DecodedVideo> {
  const probe = await probeVideo(ffmpeg.path, file);
  const k = Math.min(1, options.maxSide / Math.max(probe.width, probe.height));
  const even = (v: number) => Math.max(2, Math.round((v * k) / 2) * 2);
  const [width, height] = [even(probe.width), even(probe.height)];
  const temp = join(scratchDir, `driving-${randomUUID()}.rgb`);
  await runFfmpeg({
    ffmpegPath: ffmpeg.path,
    inputs: [{ source: file, options: [] }],
    filters: [`[0:v:0]fps=${options.fps},scale=${width}:${height}:flags=area,format=rgb24[v]`],
    outputOptions: ['-map', '[v]', '-an', '-t', String(options.maxSeconds), '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y'],
    output: temp,
    signal: options.signal,
  });
  const size = width * height * 3;
  const handle = await open(temp, 'r');
  const { size: bytes } = await handle.stat();
  const frameCount = Math.floor(bytes / size);
  if (!frameCount) {
    await handle.close();
    await rm(temp, { force: true });
    throw new StudioError('INVALID_INPUT', `${basename(file)} has no frames Likeness can read.`, 'Check that it plays in a video player.');
  }
  return {
    width,
    height,
    fps: options.fps,
    frameCount,
    file: temp,
    async frame(index) {
      const data = new Uint8Array(size);
      await handle.read(data, 0, size, index * size);
      return { data, width, height };
    },
    async dispose() {
      await handle.close();
      await rm(temp, { force: true });
    },
  };
}

export interface ClipSettings {
  /** x264 constant rate factor (18: visually lossless for faces). */
  crf: number;
  preset: string;
}

export const clipSettings: ClipSettings = { crf: 18, preset: 'medium' };

/**
 * Encodes a frame source into an MP4 (H.264, yuv420p, +faststart) with an optional voice track (AAC, padded with
 * silence or cut to the frames' length). The frames are piped to ffmpeg as they are made.
 */
export async function encodeClip(
  ffmpeg: FfmpegLocation,
  source: FrameSource,
  output: string,
  options: { audio?: string | undefined; signal: AbortSignal; onSeconds?: (seconds: number) => void; settings?: ClipSettings; title?: string },
): Promise<{ commandLine: string }> {
  const settings = options.settings ?? clipSettings;
  const inputs = [
    {
      source: 'stream',
      options: ['-f', 'rawvideo', '-pix_fmt', source.pixelFormat, '-s', `${source.width}x${source.height}`, '-r', String(source.fps)],
    },
    ...(options.audio ? [{ source: options.audio, options: [] }] : []),
  ];
  const { commandLine } = await runFfmpeg({
    ffmpegPath: ffmpeg.path,
    inputs,
    outputOptions: [
      '-map',
      '0:v:0',
      // The sound is padded with silence and cut where the frames end: the clip is as long as its frames.
      ...(options.audio ? ['-map', '1:a:0', '-af', 'apad', '-c:a', 'aac', '-b:a', '160k', '-shortest'] : []),
      // BT.709, tagged: the frames are RGB and players read HD video as BT.709 (see video/ffmpeg.ts toBt709).
      '-vf',
      toBt709(),
      ...bt709Tags,
      '-c:v',
      'libx264',
      '-preset',
      settings.preset,
      '-crf',
      String(settings.crf),
      ...uploadMp4Options,
      ...(options.title ? ['-metadata', `title=${options.title}`] : []),
      '-y',
    ],
    output,
    stdin: frameStream(source, 'animated portrait', options.signal),
    signal: options.signal,
    onTime: options.onSeconds,
    niceness: 5,
  });
  return { commandLine };
}
