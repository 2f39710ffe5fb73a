import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test as base, type Page } from '@playwright/test';

export const projectRoot = join(import.meta.dirname, '..');
export const cli = join(projectRoot, 'native', 'cli', 'likeness.mjs');

export interface ServedStudio {
  url: string;
  openUrl: string;
  token: string;
  library: string;
  process: ChildProcess;
  /** Calls the API as the CLI or a script would (bearer token). */
  call<T = unknown>(channel: string, input?: unknown): Promise<T>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `likeness serve` (the built app) on a free port and a library folder; resolves once it listens. */
export async function serveStudio(library: string, env: NodeJS.ProcessEnv = {}): Promise<ServedStudio> {
  const child = spawn(process.execPath, [cli, '--library', library, 'serve', '--port', '0', '--json'], {
    env: { ...process.env, ...env },
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
        resolve(JSON.parse(json));
        lines.close();
      } catch {
        // the JSON spans several lines
      }
    });
    child.once('exit', (code) => reject(new Error(`likeness serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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

export function tempLibrary(name = 'likeness-e2e-'): string {
  return mkdtempSync(join(tmpdir(), name));
}

/** Each test gets its own library and server; `page` starts signed in (the token link sets the cookie). */
export const test = base.extend<{ studio: ServedStudio; app: Page }>({
  studio: async ({}, use) => {
    const library = tempLibrary();
    const served = await serveStudio(library);
    await use(served);
    await served.stop();
    rmSync(library, { recursive: true, force: true });
  },
  app: async ({ page, studio }, use) => {
    await page.goto(studio.openUrl);
    await use(page);
  },
});

export { expect } from '@playwright/test';
