// Recording a driving video with the camera on Restore & Animate, in real Chromium with its fake camera
// (--use-fake-device-for-media-stream in playwright.config.ts): the live preview shows the camera while recording,
// and the recording becomes the driving clip.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, photosDir, skipFor, test } from './fixtures';

/** The bits of a <video> the checks read (the e2e tsconfig has no DOM lib). */
interface LiveVideo {
  srcObject: { active: boolean } | null;
  videoWidth: number;
  videoHeight: number;
  readyState: number;
}

test('the live camera preview shows the camera while a driving video is recorded', async ({ app }) => {
  test.setTimeout(120_000);
  skipFor(existsSync(photosDir) ? undefined : `shared fixture photos ${photosDir} are missing (set LIKENESS_SHARED to the shared folder)`);
  await app.getByRole('navigation').getByRole('link', { name: 'Restore & Animate' }).click();
  await app.getByTestId('restore-drop').locator('input[type=file]').setInputFiles(join(photosDir, 'camera.png'));
  await expect(app.getByTestId('restore-facts')).toBeVisible({ timeout: 60_000 });
  await app.getByTestId('step-animate').getByRole('checkbox').check();
  await app.getByRole('group', { name: 'Motion' }).getByRole('button', { name: 'Your video' }).click();

  await app.getByRole('button', { name: 'Record with the camera' }).click();
  const live = app.getByTestId('driving-live');
  await expect(live).toBeVisible();
  // The stream is attached to the element React rendered, and frames of the fake camera arrive.
  await expect
    .poll(
      () =>
        live.evaluate((element) => {
          const video = element as unknown as LiveVideo;
          return { attached: video.srcObject?.active === true, playing: video.readyState >= 2 && video.videoWidth > 0 };
        }),
      { timeout: 30_000 },
    )
    .toEqual({ attached: true, playing: true });

  // A clip of at least a second (stopped at the first frame, the recording held nothing to play: duration 0 or NaN,
  // 1 run in 6 even on an idle machine): the recorder's own counter says when.
  await expect(app.locator('.reel-recording')).toHaveText(/Recording [1-9]\d* s/, { timeout: 30_000 });
  await app.getByRole('button', { name: 'Stop', exact: true }).click();
  await expect(app.getByTestId('driving-field')).toContainText(/driving-[\d-]+\.(webm|mp4)/, { timeout: 30_000 });
  await expect(live).toHaveCount(0);
  // The recording's player knows its length (MediaRecorder's WebM has none in its header: it read 0:00 / 0:00).
  const preview = app.getByTestId('driving-field').locator('video.driving-preview');
  // Waited for as one condition: the player says Infinity until the seek that finds the end has come back.
  await expect
    .poll(
      () =>
        preview.evaluate((element) => {
          const { duration } = element as unknown as { duration: number };
          return Number.isFinite(duration) && duration > 0;
        }),
      { timeout: 30_000 },
    )
    .toBe(true);
  // It is the camera's video, decoded by the browser: frames of the fake camera's size (the recorder asked for 640×480).
  await expect
    .poll(() => preview.evaluate((element) => [(element as unknown as LiveVideo).videoWidth, (element as unknown as LiveVideo).videoHeight]))
    .toEqual([640, 480]);
});
