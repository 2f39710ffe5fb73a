// Reels in real Chromium against a real `likeness serve`: pick catalogue images, preview, render, play in Review.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateFfmpeg } from '../native/video/ffmpeg';
import { makeMusic } from '../native/video/testing/media-fixtures';
import { expect, photosDir, projectRoot, skipFor, test, waitForJob } from './fixtures';

/** The bits of a <video> the checks read (the e2e tsconfig has no DOM lib). */
interface Video {
  readyState: number;
  duration: number;
  currentTime: number;
  videoWidth: number;
  videoHeight: number;
  muted: boolean;
  play(): Promise<void>;
}

function requirements(): { photos: string; ffmpeg: string } {
  const ffmpeg = locateFfmpeg();
  const reason = !existsSync(photosDir)
    ? `shared fixture photos ${photosDir} are missing (set LIKENESS_SHARED to the shared folder)`
    : !ffmpeg
      ? 'ffmpeg is not installed (apt install ffmpeg)'
      : undefined;
  skipFor(reason);
  return { photos: photosDir, ffmpeg: ffmpeg!.path };
}

test('a memories reel from three catalogue images: preview, render, then it plays in Review', async ({ app, studio }) => {
  test.setTimeout(300_000);
  const { photos, ffmpeg } = requirements();
  const scratch = mkdtempSync(join(tmpdir(), 'likeness-e2e-reels-'));
  try {
    const music = join(scratch, 'music.wav');
    await makeMusic(ffmpeg, music, 4);
    const job = await studio.call<{ id: number }>('catalog:import', { path: photos });
    await waitForJob(studio, job.id, 'the import', 60_000);

    await app.getByRole('navigation').getByRole('link', { name: 'Reels' }).click();
    await expect(app.getByRole('heading', { name: 'Reels', level: 1 })).toBeVisible();
    await expect(app.getByRole('radio', { name: /Memories/ })).toBeChecked();
    await expect(app.getByText('Choose 1 more photo.')).toHaveCount(0);

    for (const name of ['astronaut.png', 'camera.png', 'chelsea.png']) await app.getByRole('button', { name, exact: true }).click();
    await expect(app.getByTestId('reel-chosen')).toHaveCount(3);
    await app.getByLabel('Title', { exact: true }).fill('Summer 1952');
    await app.getByTestId('reel-music').locator('input[type=file]').setInputFiles(music);
    await expect(app.getByTestId('reel-music')).toContainText('music.wav · 4.0 s');
    await app.getByLabel('Seconds per photo').selectOption('2');
    // Elsewhere and back, and a reload: the photos, the title, the music and the timing are still chosen.
    await app.getByRole('navigation').getByRole('link', { name: 'Models' }).click();
    await app.getByRole('navigation').getByRole('link', { name: 'Reels' }).click();
    await app.reload();
    await expect(app.getByTestId('reel-chosen')).toHaveCount(3);
    await expect(app.getByLabel('Title', { exact: true })).toHaveValue('Summer 1952');
    await expect(app.getByTestId('reel-music')).toContainText('music.wav · 4.0 s');
    await expect(app.getByLabel('Seconds per photo')).toHaveValue('2');
    // The plan: 2.5 s card + 3 × 2 s − 3 × 0.8 s crossfades.
    await expect(app.getByTestId('reel-plan')).toContainText('Length 6.1 s · 1080 × 1920', { timeout: 30_000 });
    // Three unedited photos: nothing a model made, so no AI mark (the box asks for one only where there is AI content).
    await expect(app.getByTestId('reel-ai-mark')).toHaveText('Not marked AI-generated: no picture in it was made or changed by a model.');

    await app.getByRole('button', { name: 'Preview' }).click();
    const preview = app.getByTestId('reel-preview');
    await expect(preview).toBeVisible({ timeout: 120_000 });
    await expect
      .poll(
        () =>
          preview.evaluate((element) => ({ ready: (element as unknown as Video).readyState >= 1, width: (element as unknown as Video).videoWidth })),
        {
          timeout: 30_000,
        },
      )
      .toEqual({ ready: true, width: 360 });

    await app.getByRole('button', { name: 'Render' }).click();
    const done = app.getByTestId('reel-done');
    await expect(done).toContainText('Saved to the library.', { timeout: 240_000 });
    // Said in words a family understands; the figures stay in the tooltip for those who want them.
    await expect(done.getByTestId('reel-loudness')).toContainText('The sound is levelled like other videos on phones.');
    await expect(done.getByTestId('reel-loudness')).toHaveAttribute('title', /-1[345]\.\d LUFS/);

    await done.getByRole('link', { name: 'Open in Review' }).click();
    // Review shows just the new reel; removing the link's chip brings back the photos.
    const tile = app.getByTestId('output-tile').filter({ hasText: 'Summer 1952' });
    await expect(tile).toHaveCount(1, { timeout: 30_000 });
    await expect(app.getByTestId('output-tile')).toHaveCount(1);
    await expect(app.getByTestId('filter-chip-ids')).toContainText(/From a link:\s*1 output/);
    await app.getByRole('button', { name: 'Remove the From a link filter' }).click();
    await expect(app.getByTestId('output-tile')).toHaveCount(5, { timeout: 30_000 });
    // The header counts the reel as a video, the photos as images.
    await expect(app.locator('.review-page .page-subtitle')).toHaveText('4 images, 1 video');
    await tile.click();
    // A reel has no generation settings: its details say where it was made instead of a column of dashes.
    const provenance = app.getByTestId('provenance');
    await expect(provenance).toContainText('Made by');
    await expect(provenance).toContainText('Reels');
    await expect(provenance).not.toContainText('Prompt');
    const video = app.getByTestId('output-detail').locator('video');
    await expect(video).toBeVisible();
    // It loads (the media route answers byte ranges), has the planned length and size, and plays.
    await expect
      .poll(
        () =>
          video.evaluate((element) => {
            const v = element as unknown as Video;
            return { ready: v.readyState >= 1, seconds: Math.round(v.duration * 10) / 10, size: `${v.videoWidth}x${v.videoHeight}` };
          }),
        { timeout: 30_000 },
      )
      .toEqual({ ready: true, seconds: 6.1, size: '1080x1920' });
    await video.evaluate((element) => {
      const v = element as unknown as Video;
      v.muted = true;
      return v.play();
    });
    await expect.poll(() => video.evaluate((element) => (element as unknown as Video).currentTime), { timeout: 30_000 }).toBeGreaterThan(0.5);

    const outputs = await studio.call<{ items: { kind: string; durationMs: number }[] }>('catalog:listOutputs', { kind: 'video' });
    expect(outputs.items).toEqual([expect.objectContaining({ kind: 'video', durationMs: 6100 })]);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});

test('photos from this computer go straight into a reel with “Add photos…”, in the order chosen', async ({ app, studio }) => {
  const { photos } = requirements();
  await app.getByRole('navigation').getByRole('link', { name: 'Reels' }).click();
  await expect(app.getByText('Nothing chosen yet', { exact: false })).toBeVisible();
  // Two photos and a file that is not one: the photos are added (and kept in the library), the other is named.
  await app
    .getByTestId('reel-add-photos')
    .setInputFiles([join(photos, 'camera.png'), join(photos, 'astronaut.png'), join(projectRoot, 'package.json')]);
  const chosen = app.getByTestId('reel-chosen');
  await expect(chosen).toHaveCount(2, { timeout: 30_000 });
  await expect(chosen.nth(0).getByRole('img')).toHaveAttribute('alt', 'camera.png');
  await expect(chosen.nth(1).getByRole('img')).toHaveAttribute('alt', 'astronaut.png');
  await expect(app.getByTestId('reel-add-skipped')).toContainText('package.json');
  const library = await studio.call<{ total: number }>('catalog:listOutputs', {});
  expect(library.total).toBe(2);
});
