import { execFileSync } from 'node:child_process';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../testing/serve-process';
import { requireFfmpeg } from './ffmpeg';
import { runFfmpeg } from './run-ffmpeg';

/** The pid of the ffmpeg whose command line holds `marker`, once it runs. */
function ffmpegWith(marker: string): number | undefined {
  try {
    return Number(execFileSync('pgrep', ['-f', marker], { encoding: 'utf8' }).trim().split('\n')[0]);
  } catch {
    return undefined; // pgrep exits 1 until the process exists
  }
}

describe('runFfmpeg', () => {
  it.skipIf(process.platform === 'win32')('runs ffmpeg at the niceness asked for, set on the process (no `nice` wrapper)', async () => {
    const ffmpeg = requireFfmpeg();
    const marker = `likeness-niceness-${process.pid}-${Date.now()}`;
    const abort = new AbortController();
    const run = runFfmpeg({
      ffmpegPath: ffmpeg.path,
      // A source that runs until cancelled, named so that pgrep finds this one.
      inputs: [{ source: `anullsrc=r=8000:cl=mono`, options: ['-f', 'lavfi', '-re'] }],
      outputOptions: ['-metadata', `title=${marker}`, '-f', 'null'],
      output: '-',
      signal: abort.signal,
      niceness: 10,
    });
    const pid = await waitUntil(() => ffmpegWith(marker), 30_000, 'ffmpeg to start');
    expect(getPriority(pid)).toBe(10);
    expect(execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8' }).trim()).toBe('ffmpeg');
    abort.abort();
    await expect(run).rejects.toThrow();
  });
});
