// Links between pages in real Chromium against `likeness serve`: "Open in Review" on a finished batch shows just
// that batch, behind a chip that can be removed; links pasted into the address bar open the page they name.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { writeTinyModelFolder } from '../native/diffusion/testing/tiny-models';
import type { ServedStudio } from './fixtures';
import { expect, photosDir, skipFor, test, waitForJob } from './fixtures';

let root: string;
let modelFolder: string;

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'likeness-e2e-links-'));
  modelFolder = writeTinyModelFolder(join(root, 'tiny-sd15'), 'sd15');
});
test.afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Imports the shared fixture photos (four images) and returns their output ids by file name. */
async function importPhotos(studio: ServedStudio): Promise<Map<string, number>> {
  skipFor(existsSync(photosDir) ? undefined : `shared fixture photos ${photosDir} are missing (set LIKENESS_SHARED to the shared folder)`);
  const job = await studio.call<{ id: number }>('catalog:import', { path: photosDir });
  await waitForJob(studio, job.id, 'the import', 60_000);
  const page = await studio.call<{ items: { id: number; originalName: string | null }[] }>('catalog:listOutputs', {});
  return new Map(page.items.map((o) => [o.originalName ?? '', o.id]));
}

/** The address of the signed-in app with `hash` (the token link has set the cookie). */
function appAddress(app: Page, hash: string): string {
  const url = new URL(app.url());
  return `${url.origin}/${hash}`;
}

test('Open in Review on a finished batch shows just that batch, with a chip that brings everything back', async ({ app, studio }) => {
  test.setTimeout(150_000);
  await importPhotos(studio);
  const model = await studio.call<{ id: string }>('models:addFolder', { path: modelFolder, name: 'Tiny SD' });
  await app.getByRole('navigation').getByRole('link', { name: 'Generate' }).click();
  await studio.call('generate:start', { model: model.id, prompt: 'a pier at dawn', count: 2, seed: 3, size: '64x64', steps: 1, provider: 'cpu' });
  const batch = app.getByTestId('generate-batch').first();
  await expect(batch).toHaveAttribute('data-status', 'done', { timeout: 90_000 });

  await batch.getByRole('link', { name: 'Open in Review' }).click();
  await expect(app.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();
  const chip = app.getByTestId('filter-chip-batchId');
  await expect(chip).toContainText('Batch:');
  await expect(app.getByTestId('output-tile')).toHaveCount(2, { timeout: 30_000 });
  // The address no longer carries the link, so removing the chip sticks after a reload.
  await expect.poll(() => new URL(app.url()).search).toBe('');
  // The link's filter is for this visit: elsewhere and back, Review shows everything again.
  await app.getByRole('navigation').getByRole('link', { name: 'Generate' }).click();
  await app.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
  await expect(app.getByTestId('output-tile')).toHaveCount(6, { timeout: 30_000 });
  await expect(app.getByTestId('filter-chip-batchId')).toHaveCount(0);
  await app.getByRole('navigation').getByRole('link', { name: 'Generate' }).click();
  await batch.getByRole('link', { name: 'Open in Review' }).click();
  await expect(chip).toContainText('Batch:');
  await expect(app.getByTestId('output-tile')).toHaveCount(2, { timeout: 30_000 });

  await chip.getByRole('button', { name: 'Remove the Batch filter' }).click();
  await expect(app.getByTestId('output-tile')).toHaveCount(6, { timeout: 30_000 });
  await app.reload();
  await expect(app.getByTestId('output-tile')).toHaveCount(6, { timeout: 30_000 });
  await expect(app.getByTestId('filter-chip-batchId')).toHaveCount(0);
});

test('links pasted into the address bar open the page they name: Reels with those photos, Review with those outputs', async ({ app, studio }) => {
  test.setTimeout(120_000);
  const ids = await importPhotos(studio);
  const astronaut = ids.get('astronaut.png')!;
  const camera = ids.get('camera.png')!;
  await expect(app.getByRole('navigation')).toBeVisible();

  // As if pasted or reloaded: a full page load of the link, not an in-app navigation.
  await app.goto(appAddress(app, `#/reels?outputs=${astronaut},${camera}&template=before-after`));
  await expect(app.getByRole('heading', { name: 'Reels', level: 1 })).toBeVisible();
  await expect(app.getByRole('radio', { name: /Before \/ after/ })).toBeChecked();
  await expect(app.getByTestId('reel-chosen')).toHaveCount(2, { timeout: 30_000 });

  // Pasted while the app is open (only the hash changes).
  await app.evaluate((hash) => {
    (globalThis as unknown as { location: { hash: string } }).location.hash = hash;
  }, `#/review?outputs=${camera}`);
  await expect(app.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();
  await expect(app.getByTestId('filter-chip-ids')).toContainText(/From a link:\s*1 output/);
  await expect(app.getByTestId('output-tile')).toHaveCount(1, { timeout: 30_000 });
  await app.getByRole('button', { name: 'Clear filters' }).click();
  await expect(app.getByTestId('output-tile')).toHaveCount(4, { timeout: 30_000 });
});
