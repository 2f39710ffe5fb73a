// The renderer in real Chromium against a real `likeness serve` on a fresh library: no mocks.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { expect, photosDir, skipFor, test } from './fixtures';

/** The shared fixture photos, or a skip with the reason (a failure under CI=true). */
function fixturePhotos(): string {
  skipFor(existsSync(photosDir) ? undefined : `shared fixture photos ${photosDir} are missing (set LIKENESS_SHARED to the shared folder)`);
  return photosDir;
}

/** The bits of an <img> the checks read (the e2e tsconfig has no DOM lib). */
interface Img {
  src: string;
  complete: boolean;
  naturalWidth: number;
}

interface OutputPage {
  total: number;
}
interface JobInfo {
  id: number;
  status: string;
}

function nav(page: Page) {
  return page.getByRole('navigation');
}

/** Opens the import dialog, goes to `folder` by typing its path, checks the image count, starts the import. */
async function importThroughDialog(page: Page, folder: string, expectedCount: RegExp) {
  await nav(page).getByRole('link', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Import', exact: true }).first().click();
  const dialog = page.getByRole('dialog', { name: 'Import images' });
  await expect(dialog).toBeVisible();
  const field = dialog.getByLabel('Folder', { exact: true });
  await field.fill(folder);
  await field.press('Enter');
  // The server-side folder browser lists the typed folder and counts its images. The poll returns the whole
  // dialog's text, so a failure shows what was listed instead (the field, the folder, any error notice).
  await expect
    .poll(async () => ({ listed: await dialog.locator('.folder-current').getAttribute('title'), text: await dialog.innerText() }), {
      timeout: 30_000,
    })
    .toMatchObject({ listed: folder });
  await expect(dialog.getByTestId('folder-image-count')).toHaveText(expectedCount);
  await expect(dialog.getByRole('checkbox', { name: 'Include subfolders' })).toBeChecked();
  await dialog.getByRole('button', { name: 'Import this folder' }).click();
  await expect(dialog).toBeHidden();
  // Starting an import says so by the Jobs button; the drawer stays shut until asked for (it squeezes the page).
  const drawer = page.getByTestId('jobs-drawer');
  const started = page.getByTestId('job-started');
  await expect(started).toContainText(/^Import .* started\./);
  await expect(drawer).toBeHidden();
  await started.getByRole('button', { name: 'Show in Jobs' }).click();
  await expect(drawer).toBeVisible();
  await expect(started).toBeEmpty();
  return drawer;
}

test('a person created in the UI is still listed after a reload', async ({ app, studio }) => {
  await nav(app).getByRole('link', { name: 'People' }).click();
  await expect(app).toHaveURL(/#\/people$/);
  await expect(app.getByRole('heading', { name: 'No people yet' })).toBeVisible();

  const name = app.getByLabel('Name', { exact: true });
  const trigger = app.getByLabel('Trigger word');
  const add = app.getByRole('button', { name: 'Add person' });

  // The engine validates; its message and hint are shown as they come.
  await add.click();
  await expect(app.getByRole('alert')).toContainText('a name is required');
  await expect(name).toHaveAttribute('aria-invalid', 'true');

  await name.fill('Ada Lovelace');
  await trigger.fill('Not One Word');
  await add.click();
  await expect(app.getByRole('alert')).toContainText('use one short lower-case word');
  await expect(trigger).toHaveAttribute('aria-invalid', 'true');

  // Empty trigger: the engine suggests one.
  await trigger.fill('');
  await app.getByLabel('Class word').selectOption('woman');
  await app.getByLabel('Notes').fill('Portraits from the 1840s');
  await add.click();
  const row = app.getByRole('row', { name: /Ada Lovelace/ });
  await expect(row).toBeVisible();
  await expect(row).toContainText('woman');
  await expect(app.getByRole('alert')).toHaveCount(0);

  const [person] = await studio.call<{ name: string; trigger: string; classWord: string }[]>('people:list');
  expect(person).toMatchObject({ name: 'Ada Lovelace', classWord: 'woman' });
  expect(person!.trigger).toMatch(/^[a-z][a-z0-9]{1,15}$/);
  await expect(row).toContainText(person!.trigger);

  await app.reload();
  await expect(app).toHaveURL(/#\/people$/);
  const reloaded = app.getByRole('row', { name: /Ada Lovelace/ });
  await expect(reloaded).toBeVisible();
  await expect(reloaded).toContainText(person!.trigger);
  await expect(reloaded).toContainText('woman');

  // Edit: a class word of one's own.
  await app.getByRole('button', { name: 'Edit Ada Lovelace' }).click();
  await expect(app.getByRole('heading', { name: 'Edit Ada Lovelace' })).toBeVisible();
  await app.getByLabel('Class word', { exact: true }).selectOption({ label: 'Other…' });
  await app.getByLabel('Class word (your own)').fill('grandmother');
  // The help shows the prompt as it will read with these words.
  await expect(app.getByText(`What the person is, in the words of the prompt: “photo of ${person!.trigger} grandmother”.`)).toBeVisible();
  await app.getByRole('button', { name: 'Save' }).click();
  await expect(app.getByRole('heading', { name: 'Add a person' })).toBeVisible();
  await expect(reloaded).toContainText('grandmother');
  expect((await studio.call<{ classWord: string }[]>('people:list'))[0]?.classWord).toBe('grandmother');

  // Delete asks once more, then the person is gone.
  await app.getByRole('button', { name: 'Delete Ada Lovelace' }).click();
  await expect(reloaded).toContainText('Delete with its 0 photos, crops, captions and versions? Trained LoRAs and generated images stay.');
  await reloaded.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(app.getByRole('heading', { name: 'No people yet' })).toBeVisible();
  expect(await studio.call<unknown[]>('people:list')).toEqual([]);
});

test('importing the fixture photos shows progress to done and four loaded thumbnails', async ({ app, studio }) => {
  const folder = fixturePhotos();
  await nav(app).getByRole('link', { name: 'Review' }).click();
  await expect(app.getByRole('heading', { name: 'No images yet' })).toBeVisible();

  const drawer = await importThroughDialog(app, folder, /^4 images in this folder$/);
  const job = drawer.getByTestId('job-row').first();
  await expect(job).toContainText('Import photos');
  await expect(job).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(job).toContainText('Done');
  await expect(job).toContainText('4 imported');

  const tiles = app.getByTestId('output-tile');
  await expect(tiles).toHaveCount(4, { timeout: 30_000 });
  await expect(app.getByText('4 images', { exact: true })).toBeVisible();
  for (const photo of ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png']) {
    await expect(tiles.filter({ hasText: photo })).toHaveCount(1);
  }

  // Every thumbnail is a media/<hash> URL that really loaded.
  await expect
    .poll(
      () =>
        tiles.locator('img').evaluateAll((images) =>
          (images as unknown as Img[]).map((img) => ({
            media: /\/media\/[0-9a-f]{64}$/.test(img.src),
            loaded: img.complete && img.naturalWidth > 0,
          })),
        ),
      { timeout: 30_000 },
    )
    .toEqual(Array.from({ length: 4 }, () => ({ media: true, loaded: true })));

  // The detail panel shows the provenance of one image.
  await tiles.filter({ hasText: 'coffee.png' }).click();
  const detail = app.getByTestId('output-detail');
  await expect(detail).toContainText('Original file');
  await expect(detail).toContainText(join(folder, 'coffee.png'));
  await expect
    .poll(() =>
      detail.locator('img').evaluate((element) => {
        const img = element as unknown as Img;
        return img.complete && img.naturalWidth > 0;
      }),
    )
    .toBe(true);

  const page = await studio.call<OutputPage>('catalog:listOutputs', {});
  expect(page.total).toBe(4);
});

test.describe('a big folder', () => {
  const COUNT = 1500;
  let bigFolder: string;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    bigFolder = mkdtempSync(join(tmpdir(), 'likeness-e2e-big-'));
    // Every image differs (its pixels encode the index), or the import would skip them as duplicates.
    for (let start = 0; start < COUNT; start += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, COUNT - start) }, (_, k) => {
          const i = start + k;
          const pixels = Buffer.alloc(16 * 16 * 3, (i * 37) % 256);
          pixels[0] = i & 0xff;
          pixels[1] = (i >> 8) & 0xff;
          pixels[2] = 0x5a;
          return sharp(pixels, { raw: { width: 16, height: 16, channels: 3 } })
            .png()
            .toFile(join(bigFolder, `img-${String(i).padStart(5, '0')}.png`));
        }),
      );
    }
  });

  test.afterAll(() => {
    if (bigFolder) rmSync(bigFolder, { recursive: true, force: true });
  });

  test('cancelling a running import stops it before all images are imported', async ({ app, studio }) => {
    test.setTimeout(180_000);
    const drawer = await importThroughDialog(app, bigFolder, /^1,500 images in this folder$/);

    const running = drawer
      .getByTestId('job-row')
      .filter({ has: app.getByRole('progressbar') })
      .first();
    await expect(running).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
    // Progress is live: done/total counts up before we cancel.
    await expect(running.getByTestId('job-count')).toHaveText(/^[1-9][\d,]* \/ 1,500$/, { timeout: 60_000 });
    await expect(app.getByTestId('jobs-badge')).toHaveText('1');
    const jobId = Number(await running.getAttribute('data-job-id'));

    await running.getByRole('button', { name: /^Cancel Import likeness-e2e-big-/ }).click();

    const row = drawer.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await expect(row).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
    await expect(row).toContainText('Cancelled');
    await expect(row.getByRole('button', { name: /Cancel/ })).toHaveCount(0);
    await expect(app.getByTestId('jobs-badge')).toHaveCount(0);

    const job = await studio.call<JobInfo>('jobs:get', { id: jobId });
    expect(job.status).toBe('cancelled');
    const { total } = await studio.call<OutputPage>('catalog:listOutputs', { limit: 1 });
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThan(COUNT);

    // The grid shows what was imported before the cancel.
    await app.getByRole('button', { name: /^Close the jobs panel$/ }).click();
    await expect(app.getByText(new RegExp(`^${total.toLocaleString('en')} images?$`))).toBeVisible({ timeout: 30_000 });
    await expect(app.getByTestId('output-tile').first()).toBeVisible();
  });
});

test('the language switch shows Chinese and is remembered across a reload', async ({ app }) => {
  await expect(nav(app).getByRole('link', { name: 'People' })).toBeVisible();
  await expect(app.locator('html')).toHaveAttribute('lang', 'en');

  await app.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await expect(nav(app).getByRole('link', { name: '人物' })).toBeVisible();
  await expect(nav(app).getByRole('link', { name: '任务' })).toBeVisible();
  await expect(nav(app).getByRole('link', { name: 'People' })).toHaveCount(0);
  await expect(app.locator('html')).toHaveAttribute('lang', 'zh-CN');

  await app.reload();
  await expect(nav(app).getByRole('link', { name: '人物' })).toBeVisible();
  // A new library opens on Home (the start screen), now in Chinese.
  await expect(app.getByRole('heading', { name: '欢迎使用 Likeness', level: 1 })).toBeVisible();
  await expect(app.locator('html')).toHaveAttribute('lang', 'zh-CN');

  await app.getByRole('combobox', { name: '语言' }).selectOption('en');
  await expect(nav(app).getByRole('link', { name: 'People' })).toBeVisible();
  await expect(app.locator('html')).toHaveAttribute('lang', 'en');
  await app.reload();
  await expect(nav(app).getByRole('link', { name: 'People' })).toBeVisible();
});

test('the theme switch sets data-theme and is remembered across a reload', async ({ app }) => {
  await app.emulateMedia({ colorScheme: 'light' });
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'light');
  await app.getByRole('button', { name: 'Dark theme' }).click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(app.getByRole('button', { name: 'Dark theme' })).toHaveAttribute('aria-pressed', 'true');
  await app.reload();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');

  // "System" follows the operating system's preference, live.
  await app.getByRole('button', { name: 'Follow the system theme' }).click();
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'light');
  await app.emulateMedia({ colorScheme: 'dark' });
  await expect(app.locator('html')).toHaveAttribute('data-theme', 'dark');
});
