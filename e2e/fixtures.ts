import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { serveStudio, type ServedStudio } from '../native/testing/serve-process';

export { serveStudio, waitUntil, type ServedStudio } from '../native/testing/serve-process';
export const projectRoot = join(import.meta.dirname, '..');

/** The shared, read-only test data: LIKENESS_SHARED, else ../shared beside the checkout. */
export const sharedRoot = process.env.LIKENESS_SHARED ?? join(projectRoot, '..', 'shared');
export const photosDir = join(sharedRoot, 'fixtures', 'photos');
export const yunetModel = join(sharedRoot, 'models', 'yunet_n_dynamic.onnx');
const ci = process.env.CI === 'true' || process.env.CI === '1';

/** Skips the test for `reason` when there is one, except under CI=true, which must never pass by skipping. */
export function skipFor(reason: string | undefined): void {
  if (reason && ci) throw new Error(`${reason}; CI requires it`);
  test.skip(Boolean(reason), reason);
}

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

/**
 * Starts watching for an element that may show only briefly (a live preview while a fast batch runs). Polling for it
 * races the work it shows; the returned check asks whether it was ever in the page since this call.
 */
export async function watchForAppearance(page: Page, selector: string): Promise<() => Promise<boolean>> {
  const key = `__seen_${selector.replace(/\W/g, '_')}`;
  await page.evaluate(
    ({ selector, key }) => {
      const flags = window as unknown as Record<string, boolean>;
      flags[key] = document.querySelector(selector) !== null;
      const observer = new MutationObserver(() => {
        if (document.querySelector(selector) === null) return;
        flags[key] = true;
        observer.disconnect();
      });
      observer.observe(document.body, { childList: true, subtree: true, attributes: true });
    },
    { selector, key },
  );
  return () => page.evaluate((key) => (window as unknown as Record<string, boolean>)[key] === true, key);
}
