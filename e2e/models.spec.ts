// Installing a model from a file the user already has, on the Models page (real Chromium, real `likeness serve`).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { expect, projectRoot, serveStudio, skipFor, tempLibrary, test, yunetModel } from './fixtures';

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

test('a download that cannot reach its server says so on the model’s own row, in English and Chinese', async ({ page }) => {
  // A registry whose YuNet lives on a loopback port nothing listens on: the same failure as a machine offline.
  const library = tempLibrary('likeness-e2e-offline-');
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
  const registry = JSON.parse(readFileSync(join(projectRoot, 'assets', 'models.json'), 'utf8')) as {
    models: { id: string; files: { url?: string }[] }[];
  };
  registry.models.find((m) => m.id === 'yunet-n')!.files[0]!.url = `http://127.0.0.1:${port}/yunet_n_dynamic.onnx`;
  writeFileSync(join(library, 'registry.json'), JSON.stringify(registry));
  const studio = await serveStudio(library, { env: { LIKENESS_MODELS_JSON: join(library, 'registry.json') } });
  try {
    await page.goto(studio.openUrl);
    await page.getByRole('navigation').getByRole('link', { name: 'Models' }).click();
    const row = page.locator('[data-testid="model-row"][data-model-id="yunet-n"]');
    await row.getByRole('button', { name: /^Download YuNet-n face detector/ }).click();
    const alert = row.getByRole('alert');
    await expect(alert).toContainText('The download did not finish', { timeout: 30_000 });
    await expect(alert).toContainText(`127.0.0.1:${port}`);
    await expect(alert).not.toContainText('could not be read or written');

    await page.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await expect(alert).toContainText('下载未完成');
    await expect(alert).toContainText('无法连接服务器');
    await expect(alert).not.toContainText('无法读取或写入文件');
    // Descriptive names and licence names in Chinese too; makers' names (GFPGAN, Apache-2.0) stay as written.
    await expect(row.locator('.model-name')).toHaveText('YuNet-n 人脸检测器');
    await expect(page.locator('[data-testid="model-row"][data-model-id="arcface-w600k-r50"] .license-name')).toHaveText(
      'InsightFace 模型许可（仅限非商业研究）',
    );
    await expect(page.locator('[data-testid="model-row"][data-model-id="gfpgan-1.4"] .model-name')).toHaveText('GFPGAN 1.4');
  } finally {
    await studio.stop();
    rmSync(library, { recursive: true, force: true });
  }
});
