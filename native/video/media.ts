import { basename } from 'node:path';
import { StudioError } from '../api/errors';
import { runFfmpeg } from './run-ffmpeg';

/**
 * Seconds of sound in an audio (or video) file, found by decoding it: recordings from browsers (WebM/Opus
 * from MediaRecorder) carry no duration in their header, so reading the header is not enough.
 */
export async function audioSeconds(ffmpegPath: string, file: string, signal?: AbortSignal): Promise<number> {
  let last = 0;
  try {
    const { stderr } = await runFfmpeg({
      ffmpegPath,
      inputs: [{ source: file, options: [] }],
      outputOptions: ['-map', '0:a:0', '-vn', '-f', 'null'],
      output: '-',
      signal,
      onTime: (seconds) => (last = Math.max(last, seconds)),
    });
    // The final status line is the most precise; fall back to the last one seen while running.
    const times = [...stderr.matchAll(/time=\s*(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/g)];
    const final = times.at(-1);
    if (final) last = Math.max(last, Number(final[1]) * 3600 + Number(final[2]) * 60 + Number(final[3]));
  } catch (error) {
    if (error instanceof StudioError && /matches no streams|does not contain any stream|Invalid data found|no such file/i.test(error.message)) {
      throw new StudioError(
        'INVALID_INPUT',
        `${basename(file)} has no sound Likeness can read.`,
        'Choose an audio file (MP3, M4A, WAV, OGG, WebM or FLAC) or record again.',
      );
    }
    throw error;
  }
  if (!(last > 0.05)) throw new StudioError('INVALID_INPUT', `${basename(file)} has no sound (0 s).`, 'Choose another audio file or record again.');
  return last;
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
  if (Number.isNaN(report.integrated)) throw new StudioError('INTERNAL', `ebur128 printed no summary for ${basename(file)}.`);
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
