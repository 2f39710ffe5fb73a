// The library picker on Reels with a library larger than one page (real Chromium, real `likeness serve`).
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { expect, tempLibrary, test, waitForJob } from './fixtures';

test('a library of 400 images: the oldest scan is found by its name, kinds narrow the list, pages load on request', async ({ app, studio }) => {
  test.setTimeout(240_000);
  const scratch = tempLibrary('likeness-picker-');
  const folder = join(scratch, 'scans');
  mkdirSync(folder, { recursive: true });
  for (let i = 0; i < 400; i++) {
    const name = i === 0 ? 'grandma-1931.png' : `scan-${String(i).padStart(4, '0')}.png`;
    const file = join(folder, name);
    writeFileSync(
      file,
      await sharp({ create: { width: 24, height: 24, channels: 3, background: { r: i % 256, g: (i * 7) % 256, b: 40 + Math.floor(i / 256) * 120 } } })
        .png()
        .toBuffer(),
    );
    // The first is the oldest (the catalogue dates an import by the file's time).
    const when = new Date(Date.UTC(2001, 0, 1) + i * 86_400_000);
    utimesSync(file, when, when);
  }
  const job = await studio.call<{ id: number }>('catalog:import', { path: folder });
  await waitForJob(studio, job.id, 'the import', 180_000);

  await app.getByRole('navigation').getByRole('link', { name: 'Reels' }).click();
  const library = app.getByRole('list', { name: 'Library' });
  await expect(library.getByTestId('reel-pick')).toHaveCount(60, { timeout: 30_000 });
  await expect(app.getByText('60 of 400')).toBeVisible();
  // Only one tile is a Tab stop; the arrows move between them.
  await expect(library.locator('[data-testid="reel-pick"][tabindex="0"]')).toHaveCount(1);
  await app.getByRole('button', { name: 'Show 60 more' }).click();
  await expect(library.getByTestId('reel-pick')).toHaveCount(120);

  // The oldest scan, far past any first page: found by name.
  await app.getByTestId('picker-search').fill('grandma');
  await expect(library.getByTestId('reel-pick')).toHaveCount(1, { timeout: 30_000 });
  await library.getByRole('button', { name: 'grandma-1931.png', exact: true }).click();
  await expect(app.getByTestId('reel-chosen')).toHaveCount(1);
  // Kinds: there are no clips or reels in this library.
  await app.getByTestId('picker-search').fill('');
  await app.getByRole('combobox', { name: 'Kind' }).selectOption('video');
  await expect(app.getByText('Nothing matches: try other words.')).toBeVisible({ timeout: 30_000 });
  rmSync(scratch, { recursive: true, force: true });
});
