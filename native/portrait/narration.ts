import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { StudioError } from '../api/errors';

/**
 * Narration without a recording: typed words spoken by an offline voice, espeak-ng (a separate program the user
 * installs; Likeness does not bundle it). Robotic, but it lets a portrait say a few words where nobody has a
 * recording — and the lips follow it like any voice clip.
 */
const run = promisify(execFile);

/** espeak-ng's voice for each narration language. */
export const narrationVoices = { en: 'en-us', zh: 'cmn' } as const;
export type NarrationLanguage = keyof typeof narrationVoices;

export const espeakHint =
  process.platform === 'win32'
    ? 'Install eSpeak NG (github.com/espeak-ng/espeak-ng/releases) or set LIKENESS_ESPEAK to espeak-ng.exe; or record a voice instead.'
    : process.platform === 'darwin'
      ? 'Install it (brew install espeak-ng) or set LIKENESS_ESPEAK; or record a voice instead.'
      : 'Install it (sudo apt install espeak-ng) or set LIKENESS_ESPEAK; or record a voice instead.';

/** LIKENESS_ESPEAK, else espeak-ng (or espeak) on the PATH. */
export function locateEspeak(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.LIKENESS_ESPEAK) return existsSync(env.LIKENESS_ESPEAK) ? env.LIKENESS_ESPEAK : undefined;
  const exe = process.platform === 'win32' ? '.exe' : '';
  for (const name of ['espeak-ng', 'espeak']) {
    for (const dir of (env.PATH ?? '').split(delimiter)) {
      if (dir && existsSync(join(dir, name + exe))) return join(dir, name + exe);
    }
  }
  return undefined;
}

export function requireEspeak(): string {
  const path = locateEspeak();
  if (!path) throw new StudioError('UNSUPPORTED', 'Typed narration needs espeak-ng, which was not found.', espeakHint);
  return path;
}

export async function espeakVersion(path: string): Promise<string> {
  const { stdout } = await run(path, ['--version'], { timeout: 10_000 });
  return stdout.trim().split('\n')[0] ?? 'espeak-ng';
}

/** Speaks `text` into a WAV file (the text goes through stdin, never the command line). */
export async function synthesizeNarration(text: string, language: NarrationLanguage, file: string, signal?: AbortSignal): Promise<void> {
  const espeak = requireEspeak();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(espeak, ['-v', narrationVoices[language], '-s', '150', '-w', file, '--stdin'], { stdio: ['pipe', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) =>
      reject(error.name === 'AbortError' ? error : new StudioError('INTERNAL', `espeak-ng did not run: ${error.message}`, espeakHint)),
    );
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new StudioError('INTERNAL', `espeak-ng failed (${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`, espeakHint)),
    );
    child.stdin.end(text);
  });
}
