// Keypress → painted in the loupe, measured inside Chromium (bench/review, bench/likeness).
import type { Page } from '@playwright/test';

/**
 * Runs in the page (kept as source text: the page has no bundler helpers): resolves once the loupe has
 * painted `expected` (preview, then full resolution), timed from the next keydown event.
 */
export const measureInPage = `(expected) => new Promise((resolve) => {
  let t0;
  let preview;
  addEventListener('keydown', (event) => { t0 ??= event.timeStamp; }, { capture: true, once: true });
  // A setTimeout queued from requestAnimationFrame runs after that frame was painted.
  const afterPaint = (then) => requestAnimationFrame(() => setTimeout(() => then(performance.now())));
  const check = () => {
    if (t0 === undefined) return requestAnimationFrame(check);
    if (expected === null) return afterPaint((at) => resolve({ preview: at - t0, full: at - t0 }));
    const loupe = document.querySelector('[data-testid=loupe]');
    const image = document.querySelector('[data-testid=zoom-image][data-output-id="' + expected + '"]');
    if (preview === undefined && loupe && loupe.getAttribute('data-output-id') === String(expected)) afterPaint((at) => { preview ??= at - t0; });
    if (image && image.complete && image.naturalWidth > 0) {
      return afterPaint((at) => resolve({ preview: preview ?? at - t0, full: at - t0 }));
    }
    requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
})`;

/** Press a key in the page and time, from the keydown event, until `expectedId` is painted in the loupe. */
export async function pressAndTime(page: Page, key: string, expectedId: number | null): Promise<{ preview: number; full: number }> {
  // Install the listener first (and wait for that), then press: the measurement must see the keydown.
  await page.evaluate(`window.__likenessPaint = (${measureInPage})(${JSON.stringify(expectedId)}); undefined`);
  await page.keyboard.press(key);
  // An image that never paints fails the bench instead of hanging it.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`output ${expectedId} was not painted within 30 s of ${key}`)), 30_000);
  });
  try {
    return (await Promise.race([page.evaluate('window.__likenessPaint'), timeout])) as { preview: number; full: number };
  } finally {
    clearTimeout(timer);
  }
}
