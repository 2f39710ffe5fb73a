import { rmSync } from 'node:fs';
import { _electron as electron, expect, test } from '@playwright/test';
import { electronBinary } from '../../native/cli/desktop';
import { projectRoot, tempLibrary } from '../fixtures';
import { whyNoElectron } from './availability';

const reason = whyNoElectron();
test.skip(Boolean(reason), `Electron desktop tests skipped: ${reason}`);

test('the desktop window is locked down and drives the same studio', async () => {
  const library = tempLibrary('likeness-electron-');
  const app = await electron.launch({ executablePath: electronBinary()!, args: [projectRoot, `--library=${library}`] });
  try {
    const window = await app.firstWindow();
    await expect(window).toHaveTitle(/Likeness/);
    expect(window.url()).toMatch(/^likeness:\/\/app\//);
    // Sandboxed renderer: no Node, only the bridge.
    expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe('undefined');
    expect(await window.evaluate(() => typeof (window as unknown as { likeness?: { call?: unknown } }).likeness?.call)).toBe('function');
    // Context isolation: the page's globals are not the preload's (no ipcRenderer, no process).
    expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe('undefined');
    expect(await window.evaluate(() => typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer)).toBe('undefined');
    // Navigation away from the app is refused: the main process's own will-navigate event says so (no waiting).
    await app.evaluate(({ webContents }) => {
      const seen = globalThis as { navigationAttempt?: { url: string; prevented: boolean } };
      webContents
        .getAllWebContents()[0]!
        .once('will-navigate', (event, url) => (seen.navigationAttempt = { url, prevented: event.defaultPrevented }));
    });
    await window.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await expect
      .poll(() => app.evaluate(() => (globalThis as { navigationAttempt?: unknown }).navigationAttempt))
      .toEqual({ url: 'https://example.com/', prevented: true });
    expect(window.url()).toMatch(/^likeness:\/\/app\//);
    // The same contract as the browser: create a person through the bridge and see it listed.
    const person = await window.evaluate(async () => {
      const bridge = (window as unknown as { likeness: { call(c: string, i: unknown): Promise<{ ok: boolean; value: { name: string } }> } }).likeness;
      return bridge.call('people:create', { name: 'Desktop Person' });
    });
    expect(person).toMatchObject({ ok: true, value: { name: 'Desktop Person' } });
  } finally {
    await app.close();
    rmSync(library, { recursive: true, force: true });
  }
});
