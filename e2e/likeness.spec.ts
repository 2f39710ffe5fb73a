// The likeness score in real Chromium against `likeness serve`: a person with sample photos, candidates from
// another tool imported, scored against her from Review, sorted by likeness with badges, compared with her best
// reference photo, narrowed to likely keepers — and the same in Chinese. Real YuNet and the built-in embedder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Job } from '../native/api';
import { faceApiSamples, portraitsOf, seenAgain, writeSamplePhotos } from '../native/likeness/testing/faces';
import { expect, photosDir, skipFor, test, waitUntil, yunetModel, type ServedStudio } from './fixtures';

async function finished(studio: ServedStudio, job: Job): Promise<Job> {
  return waitUntil(
    async () => {
      const current = await studio.call<Job>('jobs:get', { id: job.id });
      return ['done', 'failed', 'cancelled', 'interrupted'].includes(current.status) ? current : undefined;
    },
    120_000,
    `job ${job.kind}`,
  );
}

test('candidates ranked by likeness to the person, with badges, a side-by-side with her reference, in English and Chinese', async ({
  app,
  studio,
}) => {
  const missing = [photosDir, yunetModel].find((path) => !existsSync(path));
  skipFor(missing && `shared test data ${missing} is missing (set LIKENESS_SHARED to the shared folder)`);
  test.setTimeout(180_000);
  const work = mkdtempSync(join(tmpdir(), 'likeness-e2e-likeness-'));
  try {
    await studio.call('models:installFile', { id: 'yunet-n', path: yunetModel });
    const photo = readFileSync(join(photosDir, 'astronaut.png'));
    const again = await seenAgain(photo);
    const samples = await writeSamplePhotos(join(work, 'samples'), photo);
    const person = await studio.call<{ id: number }>('people:create', { name: 'Eileen', trigger: 'ohwx', classWord: 'woman' });
    const imported = await finished(studio, await studio.call<Job>('people:import', { personId: person.id, paths: [samples] }));
    expect(imported.status).toBe('done');

    // Candidates from another tool: two of her, three strangers (people of face-api's sample photos).
    const candidates = join(work, 'candidates');
    mkdirSync(candidates);
    writeFileSync(join(candidates, 'her-rotated.png'), again.rotated);
    writeFileSync(join(candidates, 'her-small.jpg'), await sharp(photo).resize(320).jpeg({ quality: 75 }).toBuffer());
    for (const [i, file] of faceApiSamples.slice(0, 3).entries())
      writeFileSync(join(candidates, `stranger-${i + 1}.png`), (await portraitsOf(file, yunetModel))[0]!);
    expect((await finished(studio, await studio.call<Job>('catalog:import', { path: candidates }))).status).toBe('done');

    // Review: select everything and score it against Eileen (imported outputs have no person of their own).
    await app.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
    const tiles = app.getByTestId('output-tile');
    await expect(tiles).toHaveCount(5);
    await tiles.first().click();
    await app.keyboard.press('ControlOrMeta+a');
    const detail = app.getByTestId('output-detail');
    await expect(detail).toContainText('5 selected');
    await detail.getByTestId('likeness-person').selectOption({ label: 'Eileen' });
    await detail.getByTestId('score-likeness').click();
    // Badges arrive as the job scores each output.
    await expect(app.getByTestId('output-tile').getByTestId('likeness-badge')).toHaveCount(5, { timeout: 90_000 });

    // Best likeness first: her two photos lead, with badges that say so.
    await app.getByRole('combobox', { name: 'Sort', exact: true }).selectOption({ label: 'Best likeness first' });
    await expect
      .poll(async () => (await tiles.nth(0).getAttribute('aria-label')) + ' ' + (await tiles.nth(1).getAttribute('aria-label')))
      .toMatch(/her-.*her-/);
    await expect(tiles.nth(0).getByTestId('likeness-badge')).toHaveAttribute('aria-label', /looks like the person/);
    await expect(tiles.nth(4).getByTestId('likeness-badge')).not.toHaveAttribute('aria-label', /looks like the person/);

    // One candidate's details: the score, and her best reference photo beside it.
    await tiles.nth(0).click();
    const section = detail.getByTestId('likeness-section');
    await expect(section).toContainText('Looks like the person');
    await expect(section).toContainText('dlib-resnet-v1');
    await section.getByTestId('compare-reference').click();
    const compare = app.getByTestId('reference-compare');
    await expect(compare.locator('img')).toHaveCount(2);
    await expect(compare).toContainText('Best reference photo: eileen');
    await expect
      .poll(() =>
        compare
          .locator('img')
          .nth(1)
          .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
      )
      .toBeGreaterThan(0);
    await app.keyboard.press('Escape');
    await expect(compare).toBeHidden();

    // Likely keepers: the top quarter by likeness that is not flagged yet.
    await app.getByTestId('likeness-filter').selectOption('keepers');
    await expect(tiles).toHaveCount(2);
    await app.getByTestId('likeness-filter').selectOption('');
    await expect(tiles).toHaveCount(5);

    // The same in Chinese.
    await app.getByRole('combobox', { name: 'Language' }).selectOption('zh-CN');
    await expect(tiles.nth(0).getByTestId('likeness-badge')).toHaveAttribute('aria-label', /相似度 \d+\/100：像本人/);
    await tiles.nth(0).click();
    await expect(detail.getByTestId('likeness-section')).toContainText('相似度');
    await expect(detail.getByTestId('likeness-section')).toContainText('像本人');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
