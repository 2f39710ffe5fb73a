// The start screen a first run lands on, in real Chromium against a real `likeness serve`.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, photosDir, skipFor, test, waitForJob } from './fixtures';
import { existsSync } from 'node:fs';

test('a first run starts on Home: three journeys, each naming its first step and what it still needs, in English and Chinese', async ({
  app,
  studio,
}) => {
  await expect(app.getByRole('heading', { name: 'Welcome to Likeness', level: 1 })).toBeVisible();
  const journeys = app.getByRole('list', { name: 'What would you like to do?' }).getByRole('listitem');
  await expect(journeys).toHaveCount(3);
  await expect(app.getByTestId('journey-restore')).toContainText('First step: choose or drop the photo.');
  // Nothing is installed in a new library: the old-photo journey says which models it needs, and where to get them.
  await expect(app.getByTestId('journey-restore').getByTestId('journey-needs')).toContainText('YuNet');
  await expect(app.getByTestId('journey-cull').getByTestId('journey-needs')).toHaveCount(0);
  mkdirSync(join('test-results', 'screenshots'), { recursive: true });
  await app.screenshot({ path: join('test-results', 'screenshots', 'home-en.png') });

  await app.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
  await expect(app.getByRole('heading', { name: '欢迎使用 Likeness', level: 1 })).toBeVisible();
  await expect(app.getByTestId('journey-dataset')).toContainText('第一步：先添加这个人，再拖入照片。');
  await app.screenshot({ path: join('test-results', 'screenshots', 'home-zh-CN.png') });
  await app.getByRole('combobox', { name: '语言' }).selectOption('en');

  await app.getByRole('link', { name: /Bring an old photo to life/ }).click();
  await expect(app.getByRole('heading', { name: 'Restore & Animate', level: 1 })).toBeVisible();

  // Once the library has something in it, the app opens on Review; Home stays in the navigation.
  skipFor(existsSync(photosDir) ? undefined : `the shared photos ${photosDir} are missing`);
  const job = await studio.call<{ id: number }>('catalog:import', { path: photosDir });
  await waitForJob(studio, job.id, 'the import', 60_000);
  await app.goto(studio.url);
  await expect(app.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();
  await app.getByRole('navigation').getByRole('link', { name: 'Home' }).click();
  await expect(app.getByRole('heading', { name: 'Welcome to Likeness', level: 1 })).toBeVisible();
});
