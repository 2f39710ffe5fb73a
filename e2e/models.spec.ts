// Installing a model from a file the user already has, on the Models page (real Chromium, real `likeness serve`).
import { existsSync } from 'node:fs';
import { expect, skipFor, test, yunetModel } from './fixtures';

test('“I already have the file…” installs a model from a copy on this computer, then checks it there', async ({ app }) => {
  skipFor(existsSync(yunetModel) ? undefined : `the shared YuNet model ${yunetModel} is missing`);
  await app.getByRole('navigation').getByRole('link', { name: 'Models' }).click();
  const row = app.locator('[data-testid="model-row"][data-model-id="yunet-n"]');
  await expect(row).toContainText('Not downloaded');
  await row.getByRole('button', { name: 'I already have the file of YuNet-n face detector' }).click();
  const form = row.getByTestId('install-file');
  // A file that is not the model: refused with the reason, nothing installed.
  await form.getByLabel(/Where yunet_n_dynamic\.onnx is/).fill('/etc/hostname');
  await form.getByRole('button', { name: 'Install' }).click();
  await expect(form.getByRole('alert')).toBeVisible();
  await expect(row).toContainText('Not downloaded');

  await form.getByLabel(/Where yunet_n_dynamic\.onnx is/).fill(yunetModel);
  await form.getByRole('button', { name: 'Install' }).click();
  await expect(row).toContainText('Installed', { timeout: 30_000 });
  // Every install is checked on this machine; the row says so when the check ends.
  await expect(row.getByTestId('model-verified')).toContainText('Checked on this computer', { timeout: 60_000 });
});
