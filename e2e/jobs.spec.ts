// Job progress in the user's language, and what a finished job offers next (Open result, Show in folder, Retry): the engine reports a key + params beside its English text, and the
// Chinese UI shows the Chinese text for a real generation while it runs (tiny ONNX model on the CPU).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeTinyModelFolder } from '../native/diffusion/testing/tiny-models';
import { expect, serveStudio, tempLibrary, test } from './fixtures';

let root: string;
let modelFolder: string;

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'likeness-e2e-jobs-'));
  modelFolder = writeTinyModelFolder(join(root, 'tiny-sd15'), 'sd15');
});
test.afterAll(() => rmSync(root, { recursive: true, force: true }));

interface JobInfo {
  id: number;
  status: string;
  message: string | null;
  messageKey?: string | null;
}

test('the Chinese UI shows a running job’s progress in Chinese, the engine keeps its English text', async ({ app, studio }) => {
  test.setTimeout(120_000);
  await studio.call('models:addFolder', { path: modelFolder, name: 'Tiny SD' });
  await app.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await app.getByRole('navigation').getByRole('link', { name: '任务' }).click();

  // Long enough to be seen running: many small images with many steps; cancelled once checked.
  const job = await studio.call<JobInfo>('generate:start', {
    model: modelFolder,
    prompt: 'a portrait',
    count: 200,
    steps: 200,
    seed: 1,
    size: '512x512',
    provider: 'cpu',
  });
  const row = app.locator(`[data-testid="job-row"][data-job-id="${job.id}"]`);
  await expect(row.locator('.job-message')).toHaveText(/^第 \d+ 张，共 200 张 · 第 \d+\/200 步$/, { timeout: 60_000 });

  const running = await studio.call<JobInfo>('jobs:get', { id: job.id });
  expect(running.messageKey).toBe('generate.step');
  expect(running.message).toMatch(/^Image \d+ of 200 · step \d+\/200$/);

  await studio.call('jobs:cancel', { id: job.id });
  await expect(row).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
});

test('finished jobs offer what comes next: Open result, Show in folder, and Retry for a failed one', async ({ page }) => {
  const library = tempLibrary('likeness-e2e-job-actions-');
  // Beside the library, not in it (an import skips the library's own files).
  const outside = tempLibrary('likeness-e2e-job-files-');
  const photos = join(outside, 'photos-later');
  // A stand-in file manager: a real program that records the path it was asked to show.
  const record = join(outside, 'shown.txt');
  const manager = join(outside, 'file-manager.sh');
  writeFileSync(manager, `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
  chmodSync(manager, 0o755);
  const studio = await serveStudio(library, { env: { LIKENESS_FILE_MANAGER: manager } });
  try {
    // An import of a folder that is not there yet fails; the user makes it and retries from the Jobs page.
    const failed = await studio.call<JobInfo>('catalog:import', { path: photos });
    await page.goto(studio.openUrl);
    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
    const failedRow = page.locator(`[data-testid="job-row"][data-job-id="${failed.id}"]`);
    await expect(failedRow).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
    mkdirSync(photos);
    for (const [name, background] of [
      ['a.png', '#468'],
      ['b.png', '#864'],
    ] as const)
      writeFileSync(
        join(photos, name),
        await sharp({ create: { width: 32, height: 32, channels: 3, background } })
          .png()
          .toBuffer(),
      );
    await failedRow.getByRole('button', { name: /^Try .* again$/ }).click();
    const retried = page
      .getByTestId('job-row')
      .filter({ has: page.getByRole('link', { name: /^Open the result of/ }) })
      .first();
    await expect(retried).toHaveAttribute('data-status', 'done', { timeout: 30_000 });

    const ids = (await studio.call<{ items: { id: number }[] }>('catalog:listOutputs', {})).items.map((o) => o.id);
    expect(ids).toHaveLength(2);
    const outDir = join(outside, 'exported');
    const exported = await studio.call<JobInfo>('review:export', { outDir, ids });
    const exportRow = page.locator(`[data-testid="job-row"][data-job-id="${exported.id}"]`);
    await expect(exportRow).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
    await exportRow.getByRole('button', { name: /^Show the files of .* in their folder$/ }).click();
    await expect(exportRow.getByTestId('revealed-path')).toHaveText(`Opened in the file manager: ${outDir}`);
    await expect.poll(() => (existsSync(record) ? readFileSync(record, 'utf8') : '')).toBe(outDir);

    // Open result: the imported photos, in Review.
    await retried.getByRole('link', { name: /^Open the result of/ }).click();
    await expect(page.getByTestId('output-tile')).toHaveCount(2);
  } finally {
    await studio.stop();
    rmSync(library, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  }
});
