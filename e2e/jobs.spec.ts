// Job progress in the user's language: the engine reports a key + params beside its English text, and the
// Chinese UI shows the Chinese text for a real generation while it runs (tiny ONNX model on the CPU).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModelFolder } from '../native/diffusion/testing/tiny-models';
import { expect, test } from './fixtures';

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
