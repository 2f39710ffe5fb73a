import { StudioError } from '../api/errors';
import type { Job } from '../api/schemas';
import type { Studio } from '../studio/studio';
import { toStudioError } from '../core/errors';

/** Prints a value as JSON (machine-readable) or through a human formatter. */
export function print<T>(value: T, json: boolean, human: (value: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human(value)}\n`);
}

/** Prints an error the way a user can act on it and sets the exit code; never a stack trace for known errors. */
export function fail(error: unknown, json: boolean): void {
  const studioError = toStudioError(error);
  if (json) process.stdout.write(`${JSON.stringify({ ok: false, error: studioError.toJSON() }, null, 2)}\n`);
  else {
    process.stderr.write(`error: ${studioError.message}\n`);
    if (studioError.hint) process.stderr.write(`hint: ${studioError.hint}\n`);
    if (studioError.code === 'INTERNAL' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  }
  process.exitCode = studioError.code === 'INVALID_INPUT' ? 2 : 1;
}

export function usageError(message: string, hint?: string): StudioError {
  return new StudioError('INVALID_INPUT', message, hint);
}

/** A one-line progress display on a terminal; occasional lines otherwise (logs, CI). */
export function progressPrinter(label: string): (fraction: number, message: string | null) => void {
  let lastPercent = -1;
  return (fraction, message) => {
    const percent = Math.floor(fraction * 100);
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[K${label} ${String(percent).padStart(3)}%  ${message ?? ''}`.slice(0, process.stderr.columns || 120));
      if (fraction >= 1) process.stderr.write('\n');
    } else if (percent >= lastPercent + 10 || fraction >= 1) {
      lastPercent = percent;
      process.stderr.write(`${label} ${percent}% ${message ?? ''}\n`);
    }
  };
}

/** Prints a finished job: its result (human or JSON), or why it did not finish; non-zero exit unless done. */
export function reportJob(job: Job, json: boolean, human: (result: unknown) => string): void {
  if (json) print(job, true, String);
  else if (job.status === 'done') print(job.result, false, human);
  else {
    process.stderr.write(`${job.title}: ${job.status}${job.error ? ` — ${job.error.message}` : ''}\n`);
    if (job.error?.hint) process.stderr.write(`hint: ${job.error.hint}\n`);
  }
  if (job.status !== 'done') process.exitCode = 1;
}

/**
 * Waits for a job started from the terminal: a progress line on stderr (`onMessage` may say more about
 * a progress message, e.g. a warning), Ctrl-C cancels the job. Resolves with its final state.
 */
export async function followJob(studio: Studio, job: Job, label: string, onMessage?: (message: string) => void): Promise<Job> {
  const show = progressPrinter(label);
  const stopProgress = studio.events.subscribe((event) => {
    if (event.type !== 'job:progress' || event.payload.jobId !== job.id) return;
    if (event.payload.message) onMessage?.(event.payload.message);
    show(event.payload.progress, event.payload.message);
  });
  const stop = () => void studio.jobs.cancel(job.id);
  process.once('SIGINT', stop);
  try {
    return await studio.jobs.waitFor(job.id);
  } finally {
    process.off('SIGINT', stop);
    stopProgress();
  }
}
