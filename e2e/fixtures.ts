import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, type Page } from '@playwright/test';
import { serveStudio, type ServedStudio } from '../native/testing/serve-process';
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

/**
 * A UI string as the page shows it in `language`, read from the app's own locale files ("area:key.sub", with
 * {{params}} and i18next's _one/_other plural forms), so one journey runs in English and in Chinese.
 */
export function uiText(language: 'en' | 'zh-CN', path: string, params: Record<string, string | number> = {}): string {
  const [area, key] = path.split(':') as [string, string];
  const strings = JSON.parse(readFileSync(join(projectRoot, 'renderer', 'src', 'locales', language, `${area}.json`), 'utf8')) as Record<
    string,
    unknown
  >;
  const lookup = (dotted: string) =>
    dotted.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], strings);
  const plural = typeof params.count === 'number' ? new Intl.PluralRules(language).select(params.count) : undefined;
  const text = (plural !== undefined ? (lookup(`${key}_${plural}`) ?? lookup(`${key}_other`)) : undefined) ?? lookup(key);
  if (typeof text !== 'string') throw new Error(`no UI string ${path} in ${language}`);
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => String(params[name] ?? ''));
}
