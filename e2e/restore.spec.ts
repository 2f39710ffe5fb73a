// Restore & Animate in real Chromium against a real `likeness serve`, with tiny stand-ins for the models (the real
// YuNet finds the face): restore and colorize camera.png, animate it with a preset, see the clip in Review, make a reel.
import { join } from 'node:path';
import { installModelFile } from '../native/models/installed';
import { installTinyModels } from '../native/portrait/testing/tiny-models';
import { expect, photosDir, requirePhotosDetectorAndFfmpeg, test, yunetModel } from './fixtures';

/** The bits of a <video> the checks read (the e2e tsconfig has no DOM lib). */
interface Video {
  readyState: number;
  duration: number;
  videoWidth: number;
}

test('restore and colorize camera.png, animate it with a preset, see the clip in Review, make a reel', async ({ app, studio }) => {
  test.setTimeout(300_000);
  requirePhotosDetectorAndFfmpeg();
  const models = join(studio.library, 'models');
  await installModelFile(models, 'yunet-n', yunetModel);
  installTinyModels(models, ['gfpgan-1.4', 'ddcolor', 'liveportrait']);

  await app.getByRole('navigation').getByRole('link', { name: 'Restore & Animate' }).click();
  await expect(app.getByRole('heading', { name: 'Restore & Animate', level: 1 })).toBeVisible();
  await expect(app.getByText('Start with a photo.')).toBeVisible();

  // Choose the black-and-white photo: it lands in the library, its face is found, colour is suggested.
  await app.getByTestId('restore-drop').locator('input[type=file]').setInputFiles(join(photosDir, 'camera.png'));
  await expect(app.getByTestId('restore-face')).toHaveCount(1, { timeout: 60_000 });
  await expect(app.getByTestId('restore-facts')).toHaveText('512 × 512 · black and white · 1 face found');
  await expect(app.getByTestId('step-restore').getByRole('checkbox')).toBeChecked();
  await expect(app.getByTestId('step-colorize').getByRole('checkbox')).toBeChecked();

  // A model that is not installed is named, with its download right under the step.
  await app.getByTestId('step-upscale').getByRole('checkbox').check();
  await expect(app.getByTestId('restore-problem')).toHaveText('Real-ESRGAN ×2 is not installed: download it under “Upscale”.');
  await expect(app.getByTestId('model-download')).toHaveText(/Real-ESRGAN ×2 is not installed yet\.\s*Download/);
  await app.getByRole('group', { name: 'Upscale factor' }).getByRole('button', { name: '×4' }).click();
  await expect(app.getByTestId('model-download')).toHaveText(/Real-ESRGAN ×4 is not installed yet/);
  // Off to the Models page and back, then a reload: the draft — photo, steps, settings — is still there.
  await app.getByTestId('model-download').getByRole('link').click();
  await expect(app.getByRole('heading', { name: 'Models', level: 1 })).toBeVisible();
  await app.goBack();
  await expect(app.getByTestId('restore-facts')).toHaveText('512 × 512 · black and white · 1 face found', { timeout: 30_000 });
  await app.reload();
  await expect(app.getByTestId('restore-facts')).toHaveText('512 × 512 · black and white · 1 face found', { timeout: 30_000 });
  await expect(app.getByTestId('step-upscale').getByRole('checkbox')).toBeChecked();
  await expect(app.getByTestId('model-download')).toHaveText(/Real-ESRGAN ×4 is not installed yet/);
  await expect(app.getByRole('button', { name: 'Render' })).toBeDisabled();
  // One button downloads everything the chosen steps still lack, with its size.
  await expect(app.getByTestId('download-all')).toHaveText(/^Download what this needs \(≈ [\d.,]+\s?MB\)$/);
  await app.getByTestId('step-upscale').getByRole('checkbox').uncheck();
  await expect(app.getByTestId('download-all')).toHaveCount(0);

  // Animate with a preset, three seconds.
  await app.getByTestId('step-animate').getByRole('checkbox').check();
  await app.getByRole('radio', { name: /Gentle nod/ }).check();
  await app.getByLabel('Length').selectOption('3');
  await expect(app.getByTestId('restore-problem')).toHaveCount(0);

  await app.getByRole('button', { name: 'Render' }).click();
  const done = app.getByTestId('restore-done');
  await expect(done).toContainText('Saved to the library.', { timeout: 240_000 });
  await expect(done.getByTestId('restore-compare')).toBeVisible();
  const clip = done.getByTestId('restore-clip');
  await expect
    .poll(
      () => clip.evaluate((element) => ({ ready: (element as unknown as Video).readyState >= 1, seconds: (element as unknown as Video).duration })),
      {
        timeout: 30_000,
      },
    )
    .toEqual({ ready: true, seconds: 3 });

  // The still and the clip are in the catalogue with their provenance.
  const page = await studio.call<{ items: { id: number; kind: string; source: string; originalName: string }[] }>('catalog:listOutputs', {});
  const still = page.items.find((o) => o.source === 'restore')!;
  const video = page.items.find((o) => o.source === 'animate')!;
  expect(still).toMatchObject({ kind: 'image', originalName: 'camera restored.png' });
  expect(video).toMatchObject({ kind: 'video', originalName: 'camera gentle-nod.mp4' });
  const detail = await studio.call<{ provenance: { models: { id: string }[]; animation: { preset: string; frames: number } } }>('catalog:getOutput', {
    id: video.id,
  });
  expect(detail.provenance.models.map((m) => m.id)).toEqual(['gfpgan-1.4', 'ddcolor', 'liveportrait']);
  expect(detail.provenance.animation).toMatchObject({ preset: 'gentle-nod', frames: 75 });

  // Make a reel: the Reels page opens with the old photo, the restoration and the clip.
  await done.getByRole('button', { name: 'Make a reel' }).click();
  await expect(app.getByRole('heading', { name: 'Reels', level: 1 })).toBeVisible();
  await expect(app.getByTestId('reel-chosen')).toHaveCount(3);
  await expect(app.getByRole('radio', { name: /Memories/ })).toBeChecked();

  // In Review the clip plays.
  await app.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
  const tile = app.getByTestId('output-tile').filter({ hasText: 'camera gentle-nod.mp4' });
  await expect(tile).toHaveCount(1, { timeout: 30_000 });
  await tile.click();
  const player = app.getByTestId('output-detail').locator('video');
  await expect(player).toBeVisible();
  await expect
    .poll(
      () => player.evaluate((element) => ({ ready: (element as unknown as Video).readyState >= 1, width: (element as unknown as Video).videoWidth })),
      {
        timeout: 30_000,
      },
    )
    .toEqual({ ready: true, width: 512 });
  // Its details say how it was made (no empty prompt, sampler or guidance of a generated image).
  const provenance = app.getByTestId('output-detail').getByTestId('provenance');
  await expect(provenance).toContainText('Gentle nod · 75 frames at 25 fps');
  await expect(provenance).toContainText('GFPGAN 1.4 · strength 80 %');
  await expect(provenance).not.toContainText('Prompt');
  await expect(provenance).not.toContainText('framesPerSecond');
});
