import { setPriority } from 'node:os';
import type { Readable } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { StudioError } from '../api/errors';
import type { FfmpegInput } from './graph';

export interface FfmpegRun {
  /** The resolved binary (never left to fluent-ffmpeg's own PATH lookup). */
  ffmpegPath: string;
  inputs: FfmpegInput[];
  /** -filter_complex chains. */
  filters?: string[];
  /** Output options (codecs, maps, metadata) and the target (a file, or `-` with `-f null`). */
  outputOptions: string[];
  output: string;
  /** Raw frames for the input whose source is `stream`. */
  stdin?: Readable | undefined;
  signal?: AbortSignal | undefined;
  /** ffmpeg's own clock: seconds of output written so far, from its `time=` status lines. */
  onTime?: ((seconds: number) => void) | undefined;
  /** Lower the priority so the app stays responsive while ffmpeg works (Unix niceness; below normal on Windows). */
  niceness?: number;
}

export interface FfmpegResult {
  /** ffmpeg's log (the last lines), for parsing measurements. */
  stderr: string;
  commandLine: string;
}

const timePattern = /time=\s*(-?)(\d+):(\d{2}):(\d{2}(?:\.\d+)?)/;

/** Seconds from one of ffmpeg's status lines (`frame=… time=00:00:03.20 …`), if it has one. */
export function parseTime(line: string): number | undefined {
  const match = timePattern.exec(line);
  if (!match) return undefined;
  const [, sign, h, m, s] = match;
  const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
  return sign ? 0 : seconds;
}

/** The part of ffmpeg's log that says why it failed (the last lines that are not status lines). */
export function ffmpegFailure(stderr: string): string {
  const lines = stderr
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('frame=') && !l.startsWith('size=') && !/^\[.*\] (Stream|Input|Output) /.test(l));
  return lines.slice(-4).join(' ').slice(0, 800);
}

/**
 * Runs one ffmpeg command through fluent-ffmpeg: the given inputs (files or the stdin stream), one filter
 * graph, one output. Cancelling kills the process at once; the caller removes what it wrote.
 */
export function runFfmpeg(run: FfmpegRun): Promise<FfmpegResult> {
  return new Promise((resolve, reject) => {
    if (run.signal?.aborted) {
      reject(run.signal.reason ?? new DOMException('Cancelled', 'AbortError'));
      return;
    }
    // fluent-ffmpeg keeps the binary in a module-wide setting: set it on every run so it is always the resolved one.
    const command = ffmpeg().setFfmpegPath(run.ffmpegPath);
    for (const input of run.inputs) {
      if (input.source === 'stream') {
        if (!run.stdin) throw new Error('a stream input needs run.stdin');
        command.input(run.stdin);
      } else command.input(input.source);
      // Passed as separate arguments: given an array, fluent-ffmpeg splits any option with one space in two.
      if (input.options.length) command.inputOptions(...input.options);
    }
    if (run.filters?.length) command.complexFilter(run.filters.join(';'));
    command.outputOptions('-hide_banner', '-nostdin', ...run.outputOptions).output(run.output);

    let commandLine = '';
    let cancelled = false;
    const onAbort = () => {
      cancelled = true;
      run.stdin?.destroy();
      try {
        command.kill('SIGKILL');
      } catch {
        // not started yet: the 'start' handler sees `cancelled`
      }
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => run.signal?.removeEventListener('abort', onAbort);

    command.on('start', (line: string) => {
      commandLine = line;
      if (cancelled) command.kill('SIGKILL');
      // Set on the process itself: fluent-ffmpeg's renice wraps the command in `nice`, which Windows lacks.
      const pid = (command as unknown as { ffmpegProc?: { pid?: number } }).ffmpegProc?.pid;
      if (run.niceness && pid !== undefined) lowerPriority(pid, run.niceness);
    });
    if (run.onTime) {
      command.on('stderr', (line: string) => {
        const seconds = parseTime(line);
        if (seconds !== undefined) run.onTime!(seconds);
      });
    }
    command.on('end', (_stdout: string | null, stderr: string | null) => {
      done();
      resolve({ stderr: stderr ?? '', commandLine });
    });
    command.on('error', (error: Error, _stdout: string | null, stderr: string | null) => {
      done();
      if (cancelled) {
        reject(run.signal?.reason ?? new DOMException('Cancelled', 'AbortError'));
        return;
      }
      const inputError = (error as { inputStreamError?: unknown }).inputStreamError;
      if (inputError) {
        reject(inputError);
        return;
      }
      const why = ffmpegFailure(stderr ?? '') || error.message;
      reject(
        new StudioError('INTERNAL', `ffmpeg failed: ${why}`, 'Run `likeness doctor` to check ffmpeg; if it looks fine, this is a bug in Likeness.', {
          commandLine,
        }),
      );
    });
    command.run();
  });
}

function lowerPriority(pid: number, niceness: number): void {
  try {
    setPriority(pid, niceness);
  } catch {
    // the process already ended, or the OS refused: it runs at normal priority
  }
}
