// The farm in the UI: a real redis-server, two `likeness worker` processes (tiny model, CPU) and the built studio
// started with --farm (LIKENESS_FARM). The Jobs page lists both workers with what they make, a farm batch shows its
// progress, and Generate offers "the farm (2 workers)".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModelFolder } from '../native/diffusion/testing/tiny-models';
import { createStudio } from '../native/studio/studio';
import { redisMissing, startRedis, startWorkerProcess, type RedisProcess, type WorkerProcess } from '../native/testing/farm-processes';
import { expect, serveStudio, skipFor, tempLibrary, test, type ServedStudio } from './fixtures';

let root: string;
let modelFolder: string;
let redis: RedisProcess | undefined;
const workers: WorkerProcess[] = [];

test.beforeAll(async () => {
  test.setTimeout(180_000);
  skipFor(redisMissing());
  root = mkdtempSync(join(tmpdir(), 'likeness-e2e-farm-'));
  modelFolder = writeTinyModelFolder(join(root, 'tiny-sd15'), 'sd15');
  redis = await startRedis({ password: 'e2e-farm-secret' });
  for (const box of ['box-a', 'box-b']) {
    const library = join(root, box);
    const setup = await createStudio({ library, startJobs: false });
    await setup.api.models.addFolder({ path: modelFolder, name: `Tiny on ${box}` });
    await setup.close();
    workers.push(startWorkerProcess(library, redis.url));
  }
});

test.afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await redis?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

interface JobInfo {
  id: number;
}

test('the Jobs page lists the two workers and a farm batch’s progress; Generate offers the farm', async ({ page }) => {
  test.setTimeout(240_000);
  const library = tempLibrary('likeness-e2e-farm-studio-');
  let studio: ServedStudio | undefined;
  try {
    studio = await serveStudio(library, { env: { LIKENESS_FARM: redis!.url } });
    const model = await studio.call<{ id: string }>('models:addFolder', { path: modelFolder, name: 'Tiny SD' });
    await page.goto(studio.openUrl);
    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();

    const panel = page.getByTestId('farm-panel');
    // The address is shown without its password, with where it came from.
    await expect(panel.getByTestId('farm-url')).toHaveText(/^redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ · for this run \(--farm\)$/);
    await expect(panel.getByTestId('farm-worker')).toHaveCount(2, { timeout: 90_000 });
    await expect(panel.getByTestId('farm-worker').first()).toContainText('idle');

    // Far more than the test watches (it cancels once it has seen a worker at work): 40 of these were all made in
    // under 30 s once, before the page had shown a worker's step.
    const job = await studio.call<JobInfo>('generate:start', {
      model: model.id,
      prompt: 'a lighthouse',
      count: 400,
      steps: 200,
      size: '512x512',
      runOn: 'farm',
    });
    const row = page.locator(`[data-testid="job-row"][data-job-id="${job.id}"]`);
    await expect(row.locator('.job-message')).toHaveText(/^\d+ of 400 images from the farm · \d+ being made$/, { timeout: 60_000 });
    await expect(
      panel
        .getByTestId('farm-worker-current')
        .filter({ hasText: /^image \d+ · step \d+\/200$/ })
        .first(),
    ).toBeVisible({ timeout: 30_000 });
    await expect(panel.getByTestId('farm-queue')).toHaveText(/^\d+ waiting · [12] being made$/);

    await page.getByRole('navigation').getByRole('link', { name: 'Generate' }).click();
    const runOn = page.getByRole('combobox', { name: 'Make the images on' });
    await expect(runOn).toHaveValue('farm');
    await expect(runOn.locator('option:checked')).toHaveText('the farm (2 workers)');

    await studio.call('jobs:cancel', { id: job.id });
    await page.getByRole('navigation').getByRole('link', { name: 'Jobs' }).click();
    await expect(row).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
    await expect(panel.getByTestId('farm-worker-current').filter({ hasText: 'idle' })).toHaveCount(2, { timeout: 60_000 });
  } finally {
    await studio?.stop();
    rmSync(library, { recursive: true, force: true });
  }
});
