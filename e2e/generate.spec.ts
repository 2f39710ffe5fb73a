// Models and Generate in real Chromium against `likeness serve`: a tiny ONNX model folder with the real SD 1.5
// layout is added on the Models page, a batch of person × templates × count runs on the CPU provider with a live
// preview, and every image reaches Review.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { writeTinyModelFolder } from '../native/diffusion/testing/tiny-models';
import { expect, test, waitForJob, waitUntil, watchForAppearance } from './fixtures';

let root: string;
let modelFolder: string;

test.beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'likeness-e2e-generate-'));
  modelFolder = writeTinyModelFolder(join(root, 'tiny-sd15'), 'sd15');
  mkdirSync(join(root, 'not-a-model', 'unet'), { recursive: true });
});
test.afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Img {
  src: string;
  complete: boolean;
  naturalWidth: number;
}

function nav(page: Page) {
  return page.getByRole('navigation');
}

async function addModelFolder(app: Page, path: string) {
  const folder = app.getByLabel('Folder', { exact: true });
  await folder.fill(path);
  await app.getByRole('button', { name: 'Add folder' }).click();
}

test('a model folder is checked and added on the Models page; registry models show their licence', async ({ app }) => {
  await nav(app).getByRole('link', { name: 'Models' }).click();
  await expect(app.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
  // Registry models are listed with their licence and whether commercial use is allowed.
  // Diffusion models and the face and restoration models, each under its own heading.
  await expect(app.getByRole('heading', { name: 'Stable Diffusion models' })).toBeVisible();
  const faces = app.getByRole('region', { name: 'Face and restoration models' });
  await expect(faces.getByTestId('model-row').filter({ hasText: 'YuNet-n face detector' })).toContainText('Finding faces');
  const turbo = app.getByTestId('model-row').filter({ hasText: 'SD-Turbo (ONNX)' });
  await expect(turbo).toContainText('Non-commercial');
  await expect(turbo.getByRole('button', { name: 'Download SD-Turbo (ONNX)' })).toBeVisible();

  // A folder that is not a model: the error names the missing part.
  await addModelFolder(app, join(root, 'not-a-model'));
  await expect(app.getByRole('alert')).toContainText('text_encoder/model.onnx is missing');

  await addModelFolder(app, modelFolder);
  await expect(app.getByRole('status')).toContainText('Added tiny-sd15');
  const row = app.getByTestId('model-row').filter({ hasText: modelFolder });
  await expect(row).toContainText('SD 1.5');
  await expect(row).toContainText('Your folder');
});

test('a batch of person × templates × count runs with a live preview and lands in Review', async ({ app, studio }) => {
  test.setTimeout(120_000);
  await studio.call('models:addFolder', { path: modelFolder, name: 'Tiny SD' });
  await studio.call('people:create', { name: 'Ada', trigger: 'ohwx', classWord: 'woman' });

  await nav(app).getByRole('link', { name: 'Generate' }).click();
  const form = app.getByRole('form', { name: 'What to generate' });
  await expect(form.getByLabel('Model')).toHaveValue(/local-/);
  await form.getByLabel('Person').selectOption({ label: 'Ada' });
  await expect(form).toContainText('Their trigger word (ohwx)');
  await form.getByText('Studio headshot').click();
  await form.getByText('Black and white').click();
  await form.getByLabel('Images per template').fill('4');
  await form.getByLabel('Seed', { exact: true }).fill('7');
  await form.getByLabel('Size').selectOption('512x512');
  await form.getByText('Advanced settings').click();
  await form.getByLabel('Steps').fill('40');
  await form.getByLabel('Execution provider').selectOption('cpu');
  await expect(app.getByTestId('plan-summary')).toHaveText('8 images, seeds 7–14');

  // The live preview shows only while the batch runs, which on a fast machine is a moment: watch for it from before the
  // click rather than poll for it afterwards.
  const sawPreview = await watchForAppearance(app, '[data-testid="generate-preview"][src^="data:image/"]');
  await form.getByRole('button', { name: 'Generate' }).click();
  const batch = app.getByTestId('generate-batch').first();
  await expect(batch).toBeVisible();
  await expect(batch).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  expect(await sawPreview(), 'a live preview was shown while the batch ran').toBe(true);
  await expect(batch).toContainText('Batch of 8 images');
  await expect(batch).toContainText('8 images on cpu');
  await expect
    .poll(
      () =>
        batch
          .locator('.batch-results img')
          .evaluateAll((images) => (images as unknown as Img[]).filter((img) => img.complete && img.naturalWidth > 0).length),
      {
        timeout: 30_000,
      },
    )
    .toBe(8);

  const page = await studio.call<{ total: number; items: { seed: number; prompt: string }[] }>('catalog:listOutputs', { sort: 'seed' });
  expect(page.total).toBe(8);
  expect(page.items.map((o) => o.seed)).toEqual([7, 8, 9, 10, 11, 12, 13, 14]);
  expect(page.items[0]!.prompt).toContain('ohwx woman');

  await batch.getByRole('link', { name: 'Open in Review' }).click();
  await expect(app.getByTestId('output-tile')).toHaveCount(8, { timeout: 30_000 });
  await expect(app.getByTestId('filter-chip-batchId')).toBeVisible();
});

test('Reuse settings in Review opens Generate with the image’s model, prompt, seed and settings', async ({ app, studio }) => {
  test.setTimeout(120_000);
  const model = await studio.call<{ id: string }>('models:addFolder', { path: modelFolder, name: 'Tiny SD' });
  const job = await studio.call<{ id: number }>('generate:start', {
    model: model.id,
    prompt: 'a lighthouse at dusk',
    negativePrompt: 'people',
    seed: 4242,
    size: '64x64',
    steps: 3,
    scheduler: 'euler-a',
    guidance: 5.5,
    provider: 'cpu',
  });
  await waitForJob(studio, job.id, 'the generation', 90_000);

  await nav(app).getByRole('link', { name: 'Review' }).click();
  await app.getByTestId('output-tile').first().dblclick();
  await expect(app.getByTestId('provenance')).toContainText('4242');
  await app.getByTestId('reuse-settings').click();

  await expect(app.getByRole('heading', { name: 'Generate', level: 1 })).toBeVisible();
  await expect(app.getByTestId('reuse-notice')).toContainText('Settings of image #');
  const form = app.getByRole('form', { name: 'What to generate' });
  await expect(form.getByLabel('Seed', { exact: true })).toHaveValue('4242');
  await expect(form.getByLabel('Prompt', { exact: true })).toHaveValue('a lighthouse at dusk');
  await expect(form.getByLabel('Model')).toHaveValue(model.id);
  await expect(form.getByLabel('Size')).toHaveValue('64x64');
  await expect(form.getByLabel('Images per template')).toHaveValue('1');
  await form.getByText('Advanced settings').click();
  await expect(form.getByLabel('Negative prompt')).toHaveValue('people');
  await expect(form.getByLabel('Steps')).toHaveValue('3');
  await expect(form.getByLabel('Guidance (CFG)')).toHaveValue('5.5');
  await expect(form.getByLabel('Scheduler')).toHaveValue('euler-a');
  await expect(app.getByTestId('plan-summary')).toHaveText('1 image, seed 4242');
  // The finished batch of one in the queue, in the singular.
  await expect(app.getByTestId('generate-batch').first()).toContainText(/^.*1 image on cpu, [\d.]+ s(?! each)/);

  // Coming back to Generate later through the sidebar starts a fresh form (the ?from= of the reuse is gone).
  await nav(app).getByRole('link', { name: 'Review' }).click();
  await nav(app).getByRole('link', { name: 'Generate' }).click();
  await expect(form.getByLabel('Prompt', { exact: true })).toHaveValue('');
  await expect(form.getByLabel('Seed', { exact: true })).toHaveValue('');
  await expect(app.getByTestId('reuse-notice')).toHaveCount(0);
});

test('a batch cancelled halfway says how many images it finished and shows them; long provider errors stay inside the queue', async ({
  app,
  studio,
}) => {
  test.setTimeout(150_000);
  const model = await studio.call<{ id: string }>('models:addFolder', { path: modelFolder, name: 'Tiny SD' });
  await nav(app).getByRole('link', { name: 'Generate' }).click();
  // A quick batch first: where a GPU provider is missing, its row carries the provider's long error.
  const quick = await studio.call<{ id: number }>('generate:start', { model: model.id, prompt: 'a pier', size: '64x64', steps: 1 });
  await expect(app.getByTestId('generate-batch').first()).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  expect((await studio.call<{ status: string }>('jobs:get', { id: quick.id })).status).toBe('done');
  // 512×512 with many steps takes a few seconds per image here: time to cancel once the first is stored.
  const job = await studio.call<{ id: number }>('generate:start', {
    model: model.id,
    prompt: 'a harbour at night',
    count: 6,
    seed: 1,
    size: '512x512',
    steps: 60,
    provider: 'cpu',
  });
  const batch = app.getByTestId('generate-batch').first();
  await expect(batch).toHaveAttribute('data-status', 'running', { timeout: 60_000 });
  const madeSoFar = async () => (await studio.call<{ total: number }>('catalog:listOutputs', {})).total - 1;
  await waitUntil(async () => ((await madeSoFar()) > 0 ? true : undefined), 90_000, 'the first image of the batch');
  await batch.getByRole('button', { name: /^Cancel/ }).click();
  await expect(batch).toHaveAttribute('data-status', 'cancelled', { timeout: 60_000 });
  const made = await madeSoFar();
  expect((await studio.call<{ status: string }>('jobs:get', { id: job.id })).status).toBe('cancelled');
  expect(made).toBeGreaterThan(0);
  expect(made).toBeLessThan(6);
  await expect(batch.getByTestId('batch-made')).toHaveText(
    made === 1
      ? '1 image of 6 was finished before the batch stopped; it is in Review.'
      : `${made} images of 6 were finished before the batch stopped; they are in Review.`,
  );
  await expect(batch.locator('.batch-results img')).toHaveCount(made);
  await expect(batch.getByRole('link', { name: 'Open in Review' })).toBeVisible();

  // Nothing in a batch row (a provider's error carries long paths without spaces) runs out of the queue.
  const overflowing = await app
    .getByTestId('generate-batch')
    .evaluateAll((rows) => rows.filter((row) => row.scrollWidth > row.clientWidth + 1).length);
  expect(overflowing).toBe(0);
  // A provider's error opens on demand: the queue shows one line per provider that could not be used — as many as the
  // quick batch recorded (none on a machine where its first provider ran; on this CPU-only one, the GPU providers).
  const quickResult = (await studio.call<{ result: { fallbacks: { provider: string }[] } }>('jobs:get', { id: quick.id })).result;
  const fellBackFrom = new Set(quickResult.fallbacks.map((f) => f.provider));
  const quickRow = app.getByTestId('generate-batch').nth(1);
  await expect(quickRow.getByTestId('fallback')).toHaveCount(fellBackFrom.size);
  for (const fallback of await quickRow.getByTestId('fallback').all()) {
    await expect(fallback).not.toHaveAttribute('open');
    await expect(fallback.locator('summary')).toHaveText(
      /could not be used, so the next provider ran\.|was skipped: it failed earlier in this session\./,
    );
  }
});
