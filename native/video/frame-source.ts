import { Readable } from 'node:stream';
import { StudioError } from '../api/errors';

/** Raw pixel layouts a frame source may produce; ffmpeg reads them as `-f rawvideo -pix_fmt <name>`. */
export type RawPixelFormat = 'rgb24' | 'rgba' | 'gray';

const bytesPerPixel: Record<RawPixelFormat, number> = { rgb24: 3, rgba: 4, gray: 1 };

/**
 * Frames the engine makes itself (an animated portrait, generated images) on their way into a reel.
 * They reach ffmpeg through its stdin as raw video, one frame after the other: nothing is written to disk
 * per frame, and a slow producer simply slows the encoder down (the pipe applies back-pressure).
 *
 * The frame count must be known up front: the reel's timeline (durations, transitions, captions and the
 * loudness pass) is planned before the first frame is made.
 */
export interface FrameSource {
  width: number;
  height: number;
  /** Frames per second of the source; the reel converts it to its own rate. */
  fps: number;
  frameCount: number;
  pixelFormat: RawPixelFormat;
  /**
   * Yields exactly `frameCount` frames of `width × height × channels` bytes, top row first.
   * Stop early (and release what you hold) when `signal` is aborted.
   */
  frames(signal: AbortSignal): AsyncIterable<Uint8Array>;
}

export function frameBytes(source: Pick<FrameSource, 'width' | 'height' | 'pixelFormat'>): number {
  return source.width * source.height * bytesPerPixel[source.pixelFormat];
}

export function frameSourceSeconds(source: Pick<FrameSource, 'fps' | 'frameCount'>): number {
  return source.frameCount / source.fps;
}

export function checkFrameSource(source: FrameSource, name: string): void {
  const problems: string[] = [];
  if (!Number.isInteger(source.width) || !Number.isInteger(source.height) || source.width < 2 || source.height < 2)
    problems.push(`size ${source.width}×${source.height}`);
  if (!(source.fps > 0 && source.fps <= 120)) problems.push(`fps ${source.fps}`);
  if (!Number.isInteger(source.frameCount) || source.frameCount < 1) problems.push(`frame count ${source.frameCount}`);
  if (!(source.pixelFormat in bytesPerPixel)) problems.push(`pixel format ${String(source.pixelFormat)}`);
  if (problems.length)
    throw new StudioError(
      'INVALID_INPUT',
      `The frame source “${name}” is not usable: ${problems.join(', ')}.`,
      'This is a bug in the producer of the frames.',
    );
}

/**
 * The bytes ffmpeg reads from stdin: each frame checked for its size, the count checked at the end.
 * A wrong frame fails the render with a clear error instead of a garbled video.
 */
export function frameStream(source: FrameSource, name: string, signal: AbortSignal): Readable {
  const expected = frameBytes(source);
  async function* checked(): AsyncGenerator<Uint8Array> {
    let count = 0;
    for await (const frame of source.frames(signal)) {
      signal.throwIfAborted();
      if (frame.byteLength !== expected) {
        throw new StudioError(
          'INTERNAL',
          `Frame ${count + 1} of “${name}” has ${frame.byteLength} bytes; ${source.width}×${source.height} ${source.pixelFormat} needs ${expected}.`,
          'This is a bug in the producer of the frames.',
        );
      }
      count++;
      if (count > source.frameCount) break;
      yield frame;
    }
    if (count < source.frameCount) {
      throw new StudioError(
        'INTERNAL',
        `“${name}” ended after ${count} of its ${source.frameCount} frames.`,
        'This is a bug in the producer of the frames.',
      );
    }
  }
  // objectMode off: a Readable of Buffers, one chunk per frame; highWaterMark keeps about two frames queued.
  return Readable.from(checked(), { objectMode: false, highWaterMark: expected * 2 });
}
