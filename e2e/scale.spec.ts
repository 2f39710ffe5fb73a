// Review at 100,000 outputs (real Chromium, real `likeness serve`, a library filled with the benchmarks' rows):
// the grid asks the engine only for the rows on screen, and the thumbnails of those, wherever it is scrolled.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from '@playwright/test';
import { fillOutputs } from '../bench/fill-library';
import { OUTPUT_ID_WINDOWS } from '../native/api/schemas';
import { Catalog } from '../native/catalog/catalog';
import { expect, serveStudio, tempLibrary, test } from './fixtures';

const OUTPUTS = 100_000;

test('at 100,000 outputs the grid fetches only the pages and thumbnails of the rows on screen, wherever it is scrolled', async ({ page }) => {
  test.setTimeout(300_000);
  const library = tempLibrary('likeness-e2e-100k-');
  const catalog = Catalog.open(join(library));
  fillOutputs(catalog, { count: OUTPUTS });
  catalog.close();
  const studio = await serveStudio(library);
  // What the page asks for: the id list (a first window, then the rest in chunks), the rows it shows (getOutputs,
  // by id), pictures.
  const idWindows: { offset?: number; limit?: number }[] = [];
  const rows: number[] = [];
  let media = 0;
  const count = (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/catalog/outputIds') idWindows.push(JSON.parse(request.postData() ?? '{}') as { offset?: number; limit?: number });
    if (url.pathname === '/api/catalog/getOutputs') rows.push(...((JSON.parse(request.postData() ?? '{}') as { ids?: number[] }).ids ?? []));
    if (url.pathname.startsWith('/media/')) media++;
  };
  page.on('request', count);
  try {
    await page.goto(studio.openUrl);
    await page.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
    const tiles = page.getByTestId('output-tile');
    await expect(tiles.first()).toBeVisible({ timeout: 60_000 });
    await expect(page.locator('.review-page .page-subtitle')).toHaveText('97,986 images, 2,014 videos');
    const shown = await tiles.count();
    // A screenful and the next one are rendered and fetched, not 100,000 rows.
    expect(shown).toBeLessThan(200);
    // The first window, then the other 98,000 ids in one chunk, and nothing more.
    const { first, chunk } = OUTPUT_ID_WINDOWS;
    const windows = [
      { offset: 0, limit: first },
      ...Array.from({ length: Math.ceil((OUTPUTS - first) / chunk) }, (_, i) => ({ offset: first + i * chunk, limit: chunk })),
    ];
    await expect.poll(() => idWindows.length, { timeout: 30_000 }).toBe(windows.length);
    expect(idWindows.map(({ offset, limit }) => ({ offset, limit }))).toEqual(windows);
    expect(new Set(rows).size).toBeLessThanOrEqual(shown * 2);
    expect(media).toBeLessThanOrEqual(shown + 10);
    const ids = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="output-tile"]')].map((t) => Number(t.getAttribute('data-output-id'))),
    );
    for (const id of ids) expect(rows).toContain(id);

    // Halfway down: the rows there, not the 50,000 in between.
    rows.length = 0;
    media = 0;
    await page.getByTestId('output-grid').evaluate((grid) => {
      const element = grid as unknown as { scrollTop: number; scrollHeight: number };
      element.scrollTop = element.scrollHeight / 2;
    });
    await expect.poll(async () => Number(await tiles.first().getAttribute('data-index')), { timeout: 30_000 }).toBeGreaterThan(OUTPUTS / 2 - 2_000);
    await expect(tiles.first()).toHaveAttribute('data-flag', /.+/);
    const now = await tiles.count();
    expect(new Set(rows).size).toBeGreaterThan(0);
    expect(new Set(rows).size).toBeLessThanOrEqual(now * 3);
    expect(idWindows.length).toBe(windows.length);
    expect(media).toBeLessThanOrEqual(now + 10);

    // Select all takes the whole list (not only the first window).
    await page.keyboard.press('ControlOrMeta+a');
    await expect(page.locator('.detail-title')).toHaveText(/100,000/);
  } finally {
    page.off('request', count);
    await studio.stop();
    rmSync(library, { recursive: true, force: true });
  }
});
