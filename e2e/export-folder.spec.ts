// The export dialog's folder field while its suggestion is on its way (real Chromium, real `likeness serve`).
import { expect, photosDir, skipFor, test, waitForJob } from './fixtures';
import { existsSync } from 'node:fs';

test('the folder field waits for its suggested folder, so what the user types is never spliced into it', async ({ app, studio }) => {
  skipFor(existsSync(photosDir) ? undefined : `shared fixture photos ${photosDir} are missing (set LIKENESS_SHARED to the shared folder)`);
  const job = await studio.call<{ id: number }>('catalog:import', { path: photosDir });
  await waitForJob(studio, job.id, 'the import', 60_000);

  // The listing of the studio's folders, held back until the test lets it through (a slow disk, a busy server).
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  await app.route('**/api/system/browse', async (route) => {
    await held;
    await route.continue();
  });
  await app.reload();
  await app.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
  await app.getByRole('button', { name: 'Export…' }).click();
  const folder = app.getByRole('dialog', { name: 'Export' }).getByLabel('Folder', { exact: true });
  await expect(folder).toBeVisible();
  await expect(folder).not.toBeEditable();
  await expect(folder).toHaveAttribute('aria-busy', 'true');

  release();
  await expect(folder).toBeEditable();
  await expect(folder).toHaveValue(/Likeness export/);
  await folder.fill('/tmp/my-picks');
  await expect(folder).toHaveValue('/tmp/my-picks');
});
