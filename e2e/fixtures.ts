import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import i18next, { type i18n } from 'i18next';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { serveStudio, waitUntil, type ServedStudio } from '../native/testing/serve-process';
import { locateFfmpeg } from '../native/video/ffmpeg';

export { serveStudio, waitUntil, type ServedStudio } from '../native/testing/serve-process';
export const projectRoot = join(import.meta.dirname, '..');

/** The shared, read-only test data: LIKENESS_SHARED, else ../shared beside the checkout. */
export const sharedRoot = process.env.LIKENESS_SHARED ?? join(projectRoot, '..', 'shared');
export const photosDir = join(sharedRoot, 'fixtures', 'photos');
export const yunetModel = join(sharedRoot, 'models', 'yunet_n_dynamic.onnx');
const ci = process.env.CI === 'true' || process.env.CI === '1';

/** The shared photos, the shared YuNet model and ffmpeg, which the photo-to-video journeys need (skipFor otherwise). */
export function requirePhotosDetectorAndFfmpeg(): void {
  skipFor(
    !existsSync(photosDir)
      ? `shared fixture photos ${photosDir} are missing (set LIKENESS_SHARED to the shared folder)`
      : !existsSync(yunetModel)
        ? `the shared YuNet model ${yunetModel} is missing`
        : !locateFfmpeg()
          ? 'ffmpeg is not installed (apt install ffmpeg)'
          : undefined,
  );
}

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

/** Waits until job `id` is done; fails at once, with its error, when it failed. */
export async function waitForJob(studio: ServedStudio, id: number, what: string, ms = 240_000): Promise<void> {
  await waitUntil(
    async () => {
      const job = await studio.call<{ status: string; error: { message: string } | null }>('jobs:get', { id });
      if (job.status === 'failed') throw new Error(`${what} failed: ${job.error?.message}`);
      return job.status === 'done' ? true : undefined;
    },
    ms,
    what,
  );
}

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

const translators = new Map<string, i18n>();

/**
 * A UI string as the page shows it in `language`: the app's own locale files through i18next itself ("area:key"
 * is its namespace syntax; plurals and {{params}} as in the app), so one journey runs in English and in Chinese.
 */
export function uiText(language: 'en' | 'zh-CN', path: string, params: Record<string, string | number> = {}): string {
  let instance = translators.get(language);
  if (!instance) {
    const dir = join(projectRoot, 'renderer', 'src', 'locales', language);
    const areas = Object.fromEntries(
      readdirSync(dir).map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, file), 'utf8')) as object]),
    );
    instance = i18next.createInstance();
    void instance.init({
      lng: language,
      ns: Object.keys(areas),
      resources: { [language]: areas },
      initAsync: false,
      interpolation: { escapeValue: false },
    });
    translators.set(language, instance);
  }
  if (!instance.exists(path, params)) throw new Error(`no UI string ${path} in ${language}`);
  return instance.t(path, params);
}
