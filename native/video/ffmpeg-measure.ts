import { basename } from 'node:path';
import { StudioError } from '../api/errors';
import { runFfmpeg } from './run-ffmpeg';

export interface AudioProbe {
  /** Seconds of sound. */
  seconds: number;
  /** Integrated loudness in LUFS (null when the file is silent). */
  loudness: number | null;
}

/**
 * Length and loudness of the sound in an audio (or video) file, found by decoding it once with ebur128:
 * recordings from browsers (WebM/Opus from MediaRecorder) carry no duration in their header.
 */
/** `name` is what messages call the file (an upload's own name, not the temp file it was written to). */
export async function probeAudio(ffmpegPath: string, file: string, signal?: AbortSignal, name = basename(file)): Promise<AudioProbe> {
  let last = 0;
  let stderr: string;
  try {
    ({ stderr } = await runFfmpeg({
      ffmpegPath,
      inputs: [{ source: file, options: [] }],
      filters: ['[0:a:0]ebur128=framelog=verbose[measured]'],
      outputOptions: ['-map', '[measured]', '-f', 'null'],
      output: '-',
      signal,
      onTime: (seconds) => (last = Math.max(last, seconds)),
    }));
  } catch (error) {
    // Whatever ffmpeg says about the file itself (no stream, a lying header, damage) means: not sound we can
    // read. Its own words name the temp file; the user's file name is what the message says.
    if (error instanceof StudioError && error.code !== 'FFMPEG_MISSING' && error.code !== 'CANCELLED' && error.code !== 'DISK_FULL') {
      throw new StudioError(
        'INVALID_INPUT',
        `${name} has no sound Likeness can read.`,
        'Choose an audio file (MP3, M4A, WAV, OGG, WebM or FLAC) or record again.',
      );
    }
    throw error;
  }
  // The final status line is the most precise; fall back to the last one seen while running.
  const final = [...stderr.matchAll(/time=\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)].at(-1);
  if (final) last = Math.max(last, Number(final[1]) * 3600 + Number(final[2]) * 60 + Number(final[3]));
  if (!(last > 0.05)) throw new StudioError('INVALID_INPUT', `${name} has no sound (0 s).`, 'Choose another audio file or record again.');
  const integrated = /I:\s+(-?[\d.]+) LUFS/.exec(stderr.slice(stderr.lastIndexOf('Summary:')));
  const loudness = integrated ? Number(integrated[1]) : null;
  return { seconds: last, loudness: loudness !== null && loudness > -70 ? loudness : null };
}

export async function audioSeconds(ffmpegPath: string, file: string, signal?: AbortSignal, name?: string): Promise<number> {
  return (await probeAudio(ffmpegPath, file, signal, name)).seconds;
}

export interface LoudnessReport {
  /** Integrated loudness, LUFS. */
  integrated: number;
  /** True peak, dBTP (the highest of the channels). */
  truePeak: number;
  /** Loudness range, LU. */
  range: number;
}

/** EBU R128 measurement of a file's sound by ffmpeg's ebur128 filter (integrated loudness and true peak). */
export async function measureLoudness(ffmpegPath: string, file: string, signal?: AbortSignal): Promise<LoudnessReport> {
  const { stderr } = await runFfmpeg({
    ffmpegPath,
    inputs: [{ source: file, options: [] }],
    filters: ['[0:a:0]ebur128=peak=true:framelog=verbose[out]'],
    outputOptions: ['-map', '[out]', '-f', 'null'],
    output: '-',
    signal,
  });
  return parseEbur128Summary(stderr, basename(file));
}

/** The summary ebur128 prints at the end of its log (integrated loudness, true peak, range). */
export function parseEbur128Summary(stderr: string, what: string): LoudnessReport {
  const summary = stderr.slice(stderr.lastIndexOf('Summary:'));
  const value = (pattern: RegExp) => {
    const match = pattern.exec(summary);
    return match ? Number(match[1]) : Number.NaN;
  };
  const report = {
    integrated: value(/I:\s+(-?[\d.]+|-inf) LUFS/),
    truePeak: value(/True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS/),
    range: value(/LRA:\s+(-?[\d.]+) LU/),
  };
  if (Number.isNaN(report.integrated)) throw new StudioError('INTERNAL', `ebur128 printed no summary for ${what}.`);
  return report;
}

/** One frame of a video at `seconds`, as PNG bytes (for the catalogue thumbnail). */
export async function grabFrame(ffmpegPath: string, file: string, seconds: number, target: string, signal?: AbortSignal): Promise<void> {
  await runFfmpeg({
    ffmpegPath,
    inputs: [{ source: file, options: ['-ss', seconds.toFixed(3)] }],
    outputOptions: ['-map', '0:v:0', '-frames:v', '1', '-c:v', 'png', '-f', 'image2', '-y'],
    output: target,
    signal,
  });
}
