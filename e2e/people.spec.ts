// A person's training set in real Chromium against `likeness serve`: add, drop photos, read why, overrule,
// freeze, export as kohya — and the dataset on disk is what sd-scripts reads.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeSafetensors } from '../native/diffusion/testing/safetensors';
import { twoFaces } from '../native/people/testing/variants';
import { expect, photosDir, skipFor, test, waitForJob, yunetModel } from './fixtures';

function requireShared(): void {
  const missing = [photosDir, yunetModel].find((path) => !existsSync(path));
  skipFor(missing && `shared test data ${missing} is missing (set LIKENESS_SHARED to the shared folder)`);
}

/** The six photos dropped: the four fixtures, a blurred copy of the astronaut and a text file posing as a JPEG. */
async function sixFiles(): Promise<{ name: string; mime: string; base64: string }[]> {
  const file = (name: string, mime: string, data: Buffer) => ({ name, mime, base64: data.toString('base64') });
  const astronaut = join(photosDir, 'astronaut.png');
  return [
    ...['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png'].map((name) => file(name, 'image/png', readFileSync(join(photosDir, name)))),
    file('blurred.png', 'image/png', await sharp(astronaut).flop().blur(3).png().toBuffer()),
    file('notes.jpg', 'image/jpeg', Buffer.from('this is not a photo')),
  ];
}

test('a person’s photos: drop, read why, overrule, freeze and export for kohya', async ({ app, studio }) => {
  requireShared();
  test.setTimeout(150_000);
  await studio.call('models:installFile', { id: 'yunet-n', path: yunetModel });
  const out = mkdtempSync(join(tmpdir(), 'likeness-e2e-export-'));
  const dataset = join(out, 'eileen-kohya');

  try {
    // Add the person.
    await app.getByRole('navigation').getByRole('link', { name: 'People' }).click();
    await app.getByLabel('Name', { exact: true }).fill('Eileen Collins');
    await app.getByLabel('Trigger word').fill('ohwx');
    await app.getByLabel('Class word').selectOption('woman');
    await app.getByRole('button', { name: 'Add person' }).click();
    await app.getByRole('link', { name: 'Eileen Collins' }).click();
    await expect(app.getByRole('heading', { name: 'Eileen Collins' })).toBeVisible();
    await expect(app.getByTestId('drop-zone')).toContainText('Drop photos here');

    // Drop six files on the page, as from a file manager.
    const files = await sixFiles();
    const dataTransfer = await app.evaluateHandle((list) => {
      const transfer = new DataTransfer();
      for (const f of list) {
        const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
        transfer.items.add(new File([bytes], f.name, { type: f.mime }));
      }
      return transfer;
    }, files);
    const page = app.getByTestId('person-page');
    await page.dispatchEvent('dragover', { dataTransfer });
    await expect(app.getByText('Release to add the photos to Eileen Collins')).toBeVisible();
    await page.dispatchEvent('drop', { dataTransfer });

    // Five photos are vetted; the sixth is listed as not imported, with the reason.
    const tiles = app.getByTestId('photo-tile');
    await expect(tiles).toHaveCount(5, { timeout: 60_000 });
    const report = app.getByTestId('import-report');
    await expect(report).toContainText('5 added, 0 already here, 1 not imported.', { timeout: 60_000 });
    await expect(report).toContainText('notes.jpg: notes.jpg is not an image Likeness can read.');
    // The page shows the import itself: the jobs drawer stays shut (it would squeeze the photos)...
    const drawer = app.getByTestId('jobs-drawer');
    await expect(drawer).toBeHidden();
    // ...and opened by the Jobs button it sits beside the page: the person's side panel stays in view.
    await app.getByRole('button', { name: /^Jobs/ }).click();
    await expect(drawer.getByTestId('job-row').first()).toHaveAttribute('data-status', 'done');
    // Layout settles a frame or two after the drawer opens: wait for the condition, not for a reading.
    await expect
      .poll(async () => {
        const side = await app.locator('.person-side').boundingBox();
        const panel = await drawer.boundingBox();
        return Boolean(side && panel && side.width > 200 && side.x + side.width <= panel.x + 1);
      })
      .toBe(true);
    // Escape puts it away.
    await app.keyboard.press('Escape');
    await expect(drawer).toBeHidden();

    // The reasons, in plain words.
    const tile = (name: string) => tiles.and(app.locator(`[data-name="${name}"]`));
    await expect(tile('astronaut.png')).toContainText('Accepted');
    await expect(tile('coffee.png')).toContainText('Rejected');
    await expect(tile('coffee.png')).toContainText('No face found.');
    await expect(tile('chelsea.png')).toContainText('No face found.');
    await expect(tile('camera.png')).toContainText('Needs a look');
    await expect(tile('blurred.png')).toContainText('Rejected');
    const filters = app.getByRole('group', { name: 'Show' });
    await filters.getByRole('button', { name: 'Rejected 3' }).click();
    await expect(tiles).toHaveCount(3);
    await filters.getByRole('button', { name: 'All 5' }).click();

    await tile('blurred.png').click();
    const detail = app.getByTestId('photo-detail');
    await expect(detail.getByTestId('reasons')).toContainText('The face is blurred (sharpness');
    await expect(detail.getByTestId('measures')).toContainText('Sharpness');

    // Overrule the rejection, with a reason.
    await detail.getByRole('radio', { name: 'Accept' }).click();
    await detail.getByLabel('Your reason').fill('The only photo from that day');
    await detail.getByRole('button', { name: 'Overrule as “Accept”' }).click();
    await expect(detail).toContainText('Overruled: Accepted');
    await expect(detail).toContainText('“The only photo from that day”');
    await expect(tile('blurred.png')).toContainText('Accepted · by hand');
    await detail.getByLabel('Extra words').fill('soft focus');
    await detail.getByRole('button', { name: 'Save caption' }).click();
    await expect(detail.getByTestId('caption-result')).toHaveText('Written as: photo of ohwx woman, soft focus');
    await expect
      .poll(() => detail.getByTestId('crop-preview').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(512);
    await detail.getByRole('button', { name: 'Close details' }).click();

    // Freeze a version: the two accepted photos.
    await expect(app.getByText('2 accepted photos will be frozen.')).toBeVisible();
    await app.getByLabel('Note (optional)').fill('first set');
    // Two accepted photos: the panel says a set this small trains a weaker likeness.
    await expect(app.getByTestId('few-photos')).toContainText('Fewer than 10 photos');
    await app.getByRole('button', { name: 'Freeze version' }).click();
    const version = app.getByTestId('version-row');
    await expect(version).toContainText('Version 1');
    await expect(version).toContainText('2 photos · 512 px');
    await expect(version).toContainText('first set');

    // Export it for kohya into a folder on disk.
    await version.getByRole('button', { name: 'Export…' }).click();
    const dialog = app.getByRole('dialog', { name: 'Export version 1' });
    await expect(dialog.getByRole('radio', { name: /kohya sd-scripts/ })).toBeChecked();
    // In the browser the studio's folders are browsed in the dialog, as Import does.
    await expect(dialog.getByTestId('folder-image-count')).toBeVisible();
    await dialog.getByLabel('Export to folder').fill(dataset);
    await dialog.getByLabel('Target steps').fill('200');
    // The plan the export will write, before it runs.
    await expect(dialog.getByTestId('export-plan')).toHaveText('Training plan: 2 images × 10 repeats × 10 epochs ÷ batch 1 = 200 steps');
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(dialog).toBeHidden();
    await app.getByTestId('job-started').getByRole('button', { name: 'Show in Jobs' }).click();
    const job = drawer.getByTestId('job-row').first();
    await expect(job).toContainText('Export Eileen Collins v1 (kohya)');
    await expect(job).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
    // The version says where it went and the plan, with a way to open the folder.
    const lastExport = version.getByTestId('last-export');
    await expect(lastExport).toContainText(`Exported to ${dataset}`);
    await expect(lastExport).toContainText('2 images × 10 repeats × 10 epochs ÷ batch 1 = 200 steps');
    await expect(lastExport.getByRole('button', { name: 'Show in folder' })).toBeVisible();

    // 2 images × 10 repeats × 10 epochs = 200 steps: the kohya folder is "10_ohwx woman".
    expect(readdirSync(dataset).sort()).toEqual(['10_ohwx woman', 'likeness-manifest.json', 'likeness-report.txt']);
    const images = readdirSync(join(dataset, '10_ohwx woman')).sort();
    expect(images.filter((f) => f.endsWith('.png'))).toHaveLength(2);
    const captions = Object.fromEntries(
      images
        .filter((f) => f.endsWith('.txt'))
        .map((f) => [f.replace(/^\d+-/, '').replace(/\.txt$/, ''), readFileSync(join(dataset, '10_ohwx woman', f), 'utf8')]),
    );
    expect(captions).toEqual({ astronaut: 'photo of ohwx woman\n', blurred: 'photo of ohwx woman, soft focus\n' });
    for (const png of images.filter((f) => f.endsWith('.png'))) {
      const meta = await sharp(join(dataset, '10_ohwx woman', png)).metadata();
      expect([meta.width, meta.height]).toEqual([512, 512]);
    }
    expect(readFileSync(join(dataset, 'likeness-report.txt'), 'utf8')).toMatch(/2 images × 10 repeats × 10 epochs ÷ batch 1 = 200 steps/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('without the face detector the page says so in the user’s language; after installing it, Vet again vets the photos', async ({ app, studio }) => {
  requireShared();
  test.setTimeout(120_000);
  const person = await studio.call<{ id: number }>('people:create', { name: 'Cleo', trigger: 'zxcv', classWord: 'woman' });
  const job = await studio.call<{ id: number }>('people:import', {
    personId: person.id,
    paths: [join(photosDir, 'astronaut.png'), join(photosDir, 'coffee.png'), join(photosDir, 'missing.png')],
  });
  await waitForJob(studio, job.id, 'the import', 60_000);

  await app.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await app.goto(`${studio.url}#/people/${person.id}`);
  const banner = app.getByTestId('detector-missing');
  await expect(banner).toContainText('有 2 张照片等待筛选：尚未安装人脸检测器（YuNet-n）。');
  await expect(banner.getByRole('link', { name: '在“模型”页面安装，' })).toBeVisible();
  const tile = app.getByTestId('photo-tile').and(app.locator('[data-name="astronaut.png"]'));
  await expect(tile).toContainText('尚未安装人脸检测器（YuNet-n）。');
  await tile.click();
  await expect(app.getByTestId('photo-detail')).toContainText('请在“模型”页面安装，然后点击“重新筛选”。');
  await expect(app.getByTestId('photo-detail')).not.toContainText('is not installed');

  await studio.call('models:installFile', { id: 'yunet-n', path: yunetModel });
  await app.getByRole('button', { name: '重新筛选' }).click();
  await expect(tile).toContainText('已采用', { timeout: 60_000 });
  await expect(app.getByTestId('photo-tile').and(app.locator('[data-name="coffee.png"]'))).toContainText('没有找到人脸。');
  await expect(banner).toBeHidden();

  // A LoRA added by hand for her has no version or step count: it says so instead of dashes.
  const lora = join(mkdtempSync(join(tmpdir(), 'likeness-e2e-lora-')), 'cleo.safetensors');
  writeSafetensors(lora, {
    'lora_unet_a.lora_up.weight': { shape: [2, 1], data: new Float32Array(2) },
    'lora_unet_a.lora_down.weight': { shape: [1, 2], data: new Float32Array(2) },
  });
  await studio.call('models:addLora', { path: lora, personId: person.id, name: 'Cleo by hand' });
  await app.getByRole('button', { name: '关闭详情' }).click();
  const trained = app.locator('.trained-lora-list li').filter({ hasText: 'Cleo by hand' });
  await expect(trained).toContainText('手动添加 · ', { timeout: 30_000 });
  await expect(trained).not.toContainText('–');
});

test('in a photo of two people the user chooses which face is the person; the photo is measured and judged on it', async ({ app, studio }) => {
  requireShared();
  test.setTimeout(120_000);
  const scratch = mkdtempSync(join(tmpdir(), 'likeness-e2e-two-faces-'));
  try {
    writeFileSync(join(scratch, 'two-faces.png'), await twoFaces(photosDir));
    await studio.call('models:installFile', { id: 'yunet-n', path: yunetModel });
    const person = await studio.call<{ id: number }>('people:create', { name: 'Dora', trigger: 'dxra', classWord: 'woman' });
    const job = await studio.call<{ id: number }>('people:import', { personId: person.id, paths: [join(scratch, 'two-faces.png')] });
    await waitForJob(studio, job.id, 'the import', 60_000);
    await app.goto(`${studio.url}#/people/${person.id}`);
    const tile = app.getByTestId('photo-tile').and(app.locator('[data-name="two-faces.png"]'));
    await expect(tile).toContainText('Rejected');
    await tile.click();
    const detail = app.getByTestId('photo-detail');
    await expect(detail.getByTestId('reasons')).toContainText('Likeness cannot tell which one is the person');
    const chooser = detail.getByTestId('face-chooser');
    await expect(chooser).toContainText('Which face is Dora?');
    await chooser.getByRole('button', { name: 'Face 2 (right)' }).click();
    await expect(detail.getByTestId('reasons')).toContainText('the right one, which you chose, is the one used.', { timeout: 60_000 });
    await expect(detail.getByTestId('reasons')).not.toContainText('cannot tell which one');
    await expect(chooser.getByRole('button', { name: 'Face 2 (right)' })).toHaveAttribute('aria-pressed', 'true');
    // Taken back: Likeness chooses again, and says again that it cannot.
    await chooser.getByRole('button', { name: 'Let Likeness choose' }).click();
    await expect(detail.getByTestId('reasons')).toContainText('Likeness cannot tell which one is the person', { timeout: 60_000 });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
