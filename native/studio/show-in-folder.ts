import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StudioError } from '../api/errors';
import type { JobKindWithFiles } from '../api/namespaces/jobs';
import type { Job } from '../api/schemas';

type Finished = Pick<Job, 'kind' | 'status' | 'input' | 'result'>;
type FileResult = { outDir?: string; folder?: string; zip?: string | null; lora?: { path?: string } };

/** Where each kind of job with files leaves them: one entry per kind the UI offers Show in folder for (jobKindsWithFiles). */
const locations: Record<JobKindWithFiles, (result: FileResult, input: unknown, modelsDir: string) => string | null> = {
  'review.export': (result) => result.outDir ?? null,
  'people.export': (result) => result.zip ?? result.folder ?? null,
  'people.train': (result) => result.lora?.path ?? null,
  'models.download': (_result, input, modelsDir) => {
    const id = (input as { id?: string } | null)?.id;
    return id ? join(modelsDir, id) : null;
  },
};

/** Where a finished job left files for the user, or null when its results live only in the catalogue. */
export function jobFileLocation(job: Finished, modelsDir: string): string | null {
  const locate = (locations as Record<string, (typeof locations)[JobKindWithFiles] | undefined>)[job.kind];
  return locate ? locate((job.result ?? {}) as FileResult, job.input, modelsDir) : null;
}

/**
 * The command that shows `path` in the system's file manager: the file selected where the platform can
 * (Finder's `open -R`, Explorer's `/select,`), else its folder opened (xdg-open). LIKENESS_FILE_MANAGER names
 * another program, which gets the path as its one argument.
 */
export function fileManagerCommand(
  path: string,
  isFile: boolean,
  platform: NodeJS.Platform = process.platform,
  custom = process.env.LIKENESS_FILE_MANAGER?.trim(),
): [string, string[]] {
  if (custom) return [custom, [path]];
  if (platform === 'darwin') return ['open', isFile ? ['-R', path] : [path]];
  if (platform === 'win32') return ['explorer.exe', isFile ? [`/select,${path}`] : [path]];
  return ['xdg-open', [isFile ? dirname(path) : path]];
}

export interface Revealed {
  path: string;
  opened: boolean;
  /** Why no file manager opened (none installed, no desktop session): the page shows the path instead. */
  reason: string | null;
}

/** Opens the file manager at `path` without waiting for it; a machine without one gets the path and the reason. */
export async function revealInFileManager(path: string): Promise<Revealed> {
  if (!existsSync(path)) throw new StudioError('NOT_FOUND', `${path} is no longer there.`, 'It was moved or deleted; run the job again to make it.');
  const [command, args] = fileManagerCommand(path, statSync(path).isFile());
  return new Promise((resolve) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    child.once('error', (error) => resolve({ path, opened: false, reason: `${command} could not be started (${error.message})` }));
    child.once('spawn', () => {
      child.unref();
      resolve({ path, opened: true, reason: null });
    });
  });
}
