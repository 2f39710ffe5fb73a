import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { appRoot } from '../core/entry-points';

const run = promisify(execFile);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the `likeness` CLI from source on `library`, as a user would, and never throws on a non-zero exit. */
export async function runLikeness(library: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', join(appRoot(), 'native', 'cli', 'main.ts'), '--library', library, ...args],
      {
        cwd: appRoot(),
        env: { ...process.env, ...env },
        timeout: 180_000,
        maxBuffer: 64 * 2 ** 20,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}
