import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { appRoot } from '../core/entry-points';

export interface ServedStudio {
  url: string;
  openUrl: string;
  token: string;
  library: string;
  process: ChildProcess;
  /** Calls the API as a script would (bearer token); throws with the engine's message on an error envelope. */
  call<T = unknown>(channel: string, input?: unknown): Promise<T>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs `likeness serve --json` in its own process on a free port: the built CLI (what users run), or the
 * TypeScript sources through tsx (unit-test stage, before the build). Resolves once it listens.
 */
export async function serveStudio(library: string, options: { fromSource?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<ServedStudio> {
  const entry = options.fromSource
    ? ['--import', 'tsx', join(appRoot(), 'native', 'cli', 'main.ts')]
    : [join(appRoot(), 'native', 'cli', 'likeness.mjs')];
  const child = spawn(process.execPath, [...entry, '--library', library, 'serve', '--port', '0', '--json'], {
    cwd: appRoot(),
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const info = await new Promise<{ url: string; openUrl: string; token: string }>((resolve, reject) => {
    let json = '';
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      json += line;
      try {
        resolve(JSON.parse(json) as { url: string; openUrl: string; token: string });
        lines.close();
      } catch {
        // the JSON spans several lines
      }
    });
    child.once('exit', (code) => reject(new Error(`likeness serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    ...info,
    library,
    process: child,
    async call<T>(channel: string, input: unknown = {}) {
      const response = await fetch(`${info.url}api/${channel.replace(':', '/')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${info.token}` },
        body: JSON.stringify(input),
      });
      const envelope = (await response.json()) as { ok: boolean; value?: T; error?: { message: string } };
      if (!envelope.ok) throw new Error(`${channel}: ${envelope.error?.message}`);
      return envelope.value as T;
    },
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitUntil<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
