// Review and the forms at a laptop's 1024×700, a common 1440×900 and a 2560×1440 monitor (real Chromium, real
// `likeness serve`): what fits, what collapses, what stays readable. The screenshots go to docs/screenshots.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { expect, tempLibrary, test, waitForJob } from './fixtures';

let photos: string;

test.beforeAll(async () => {
  photos = tempLibrary('likeness-e2e-layout-photos-');
  for (let i = 0; i < 48; i++) {
    const hue = (i * 37) % 360;
    await sharp({ create: { width: 96 + (i % 3) * 32, height: 128, channels: 3, background: `hsl(${hue}, 60%, 50%)` } })
      .png()
      .toFile(join(photos, `candidate-${String(i).padStart(3, '0')}.png`));
  }
});
test.afterAll(() => rmSync(photos, { recursive: true, force: true }));

/** Rows the toolbar's controls sit on (their vertical centres, grouped within a few pixels; empty spacers aside). */
async function toolbarRows(page: Page): Promise<number> {
  return page.getByTestId('review-toolbar').evaluate((bar) => {
    const centres = [...bar.children]
      .map((c) => c.getBoundingClientRect())
      .filter((r) => r.width > 0 && r.height > 0)
      .map((r) => Math.round(r.top + r.height / 2));
    const rows: number[] = [];
    for (const centre of centres.sort((a, b) => a - b)) if (!rows.some((r) => Math.abs(r - centre) < 12)) rows.push(centre);
    return rows.length;
  });
}

/** Tiles wholly inside the grid's visible area. */
async function visibleTiles(page: Page): Promise<number> {
  return page.evaluate(() => {
    const grid = document.querySelector('[data-testid="output-grid"]')!.getBoundingClientRect();
    const bottom = Math.min(grid.bottom, window.innerHeight);
    return [...document.querySelectorAll('[data-testid="output-tile"]')].filter((tile) => {
      const r = tile.getBoundingClientRect();
      return r.top >= grid.top - 1 && r.bottom <= bottom + 1 && r.right <= window.innerWidth + 1 && r.width > 0;
    }).length;
  });
}

test('Review fits a 1024×700 laptop, a 1440 window and a 2560 monitor; forms stay a readable width', async ({ app, studio }) => {
  test.setTimeout(120_000);
  const job = await studio.call<{ id: number }>('catalog:import', { path: photos });
  await waitForJob(studio, job.id, 'the import', 60_000);
  mkdirSync(join('test-results', 'screenshots'), { recursive: true });
  await app.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
  await expect(app.getByTestId('output-tile').first()).toBeVisible();

  for (const [width, height] of [
    [1024, 700],
    [1440, 900],
    [2560, 1440],
  ] as const) {
    await app.setViewportSize({ width, height });
    // Layout follows the resize a frame later: wait for the condition, never read it at once.
    await expect.poll(() => toolbarRows(app), { message: `toolbar rows at ${width}×${height}` }).toBe(1);
    await expect.poll(() => visibleTiles(app), { message: `tiles in view at ${width}×${height}` }).toBeGreaterThanOrEqual(width < 2000 ? 8 : 20);
    // The search box shows its whole placeholder.
    const clipped = await app.getByRole('searchbox').evaluate((input) => {
      const field = input as HTMLInputElement;
      const style = getComputedStyle(field);
      const context = document.createElement('canvas').getContext('2d')!;
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = field.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      return context.measureText(field.placeholder).width > room + 1;
    });
    expect(clipped, `search placeholder clipped at ${width}×${height}`).toBe(false);
    if (width === 1024 || width === 2560) await app.screenshot({ path: join('test-results', 'screenshots', `review-${width}x${height}.png`) });
  }

  // At 2560 a form keeps to a readable measure rather than stretching across the screen.
  for (const [page, field] of [
    ['Reels', 'Title'],
    ['Models', 'Folder'],
  ] as const) {
    await app.getByRole('navigation').getByRole('link', { name: page }).click();
    const input = app.getByLabel(field, { exact: true });
    await expect(input).toBeVisible();
    await expect.poll(async () => (await input.boundingBox())?.width ?? Infinity, { message: `${page}: ${field}` }).toBeLessThanOrEqual(760);
    await app.screenshot({ path: join('test-results', 'screenshots', `${page.toLowerCase()}-2560x1440.png`) });
  }
});
