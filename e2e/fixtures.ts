import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { serveStudio, type ServedStudio } from '../native/testing/serve-process';

export { serveStudio, waitUntil, type ServedStudio } from '../native/testing/serve-process';
export const projectRoot = join(import.meta.dirname, '..');

export function tempLibrary(name = 'likeness-e2e-'): string {
  return mkdtempSync(join(tmpdir(), name));
}

/** Each test gets its own library and `likeness serve` (the built app); `app` starts signed in (the token link sets the cookie). */
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
