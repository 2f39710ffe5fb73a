// Culling in real Chromium against a real `likeness serve`: keyboard decisions, reload, filters, compare,
// export with XMP sidecars, a SIGKILL right after a decision, and provenance of other tools' files.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import sharp from 'sharp';
import { a1111Parameters, writeToolSamples } from '../native/catalog/provenance/testing/samples';
import { expect, photosDir, serveStudio, sharedRoot, skipFor, test, waitUntil, yunetModel, type ServedStudio } from './fixtures';

interface Summary {
  id: number;
  hash: string;
  originalName: string | null;
  review: { flag: 'pick' | 'reject' | null; stars: number; label: string | null };
}
interface Job {
  id: number;
  status: string;
  result: unknown;
}

const IMAGES = 300;
let folder: string;
let samples: string;
let outRoot: string;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  folder = mkdtempSync(join(tmpdir(), 'likeness-e2e-review-'));
  outRoot = mkdtempSync(join(tmpdir(), 'likeness-e2e-export-'));
  // Distinct small images (the pixels encode the index, or the import would skip duplicates).
  for (let start = 0; start < IMAGES; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, IMAGES - start) }, (_, k) => {
        const i = start + k;
        const pixels = Buffer.alloc(40 * 48 * 3);
        for (let p = 0; p < pixels.length; p += 3) {
          pixels[p] = (i * 37 + p) % 256;
          pixels[p + 1] = (i * 11) % 256;
          pixels[p + 2] = (i * 71 + (p >> 6)) % 256;
        }
        pixels[0] = i & 0xff;
        pixels[1] = (i >> 8) & 0xff;
        return sharp(pixels, { raw: { width: 40, height: 48, channels: 3 } })
          .png()
          .toFile(join(folder, `candidate-${String(i).padStart(4, '0')}.png`));
      }),
    );
  }
  samples = join(folder, '..', `${folder.split('/').pop()}-tools`);
  mkdirSync(samples);
  await writeToolSamples(samples);
});

test.afterAll(() => {
  for (const dir of [folder, samples, outRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function importFolder(studio: ServedStudio, path: string): Promise<void> {
  const job = await studio.call<Job>('catalog:import', { path });
  await waitUntil(
    async () => {
      const current = await studio.call<Job>('jobs:get', { id: job.id });
      return current.status === 'done' ? current : current.status === 'failed' ? Promise.reject(new Error('import failed')) : undefined;
    },
    120_000,
    'the import',
  );
}

async function openReview(page: Page): Promise<void> {
  await page.getByRole('navigation').getByRole('link', { name: 'Review' }).click();
  await expect(page.getByTestId('output-tile').first()).toBeVisible({ timeout: 30_000 });
}

/** Every output in grid order (newest first), with its review, as the engine has it. */
async function outputs(studio: ServedStudio): Promise<Summary[]> {
  const { ids } = await studio.call<{ ids: number[] }>('catalog:outputIds', {});
  const all: Summary[] = [];
  for (let i = 0; i < ids.length; i += 500) all.push(...(await studio.call<Summary[]>('catalog:getOutputs', { ids: ids.slice(i, i + 500) })));
  return all;
}

type State = { flag: 'pick' | 'reject' | null; stars: number; label: string | null };
const labelOfKey: Record<string, string> = { '6': 'red', '7': 'yellow', '8': 'green', '9': 'blue' };

/** What a decision key does to a state (the model the test checks the app against). */
function applyKey(state: State, key: string): State {
  const k = key.replace(/^Shift\+/, '');
  if (k === 'p' || k === 'P') return { ...state, flag: 'pick' };
  if (k === 'x' || k === 'X') return { ...state, flag: 'reject' };
  if (k === 'u') return { ...state, flag: null };
  if (/^[0-5]$/.test(k)) return { ...state, stars: Number(k) };
  if (labelOfKey[k]) return { ...state, label: state.label === labelOfKey[k] ? null : labelOfKey[k]! };
  throw new Error(`not a decision key: ${key}`);
}

async function waitSaved(page: Page, saved: number): Promise<void> {
  const status = page.getByTestId('save-status');
  await expect(status).toHaveAttribute('data-pending', '0', { timeout: 20_000 });
  await expect.poll(async () => Number(await status.getAttribute('data-saved')), { timeout: 20_000 }).toBeGreaterThanOrEqual(saved);
  await expect(status).toHaveAttribute('data-state', 'saved');
}

test('culling 50 images with the keyboard only: every decision survives a reload; picks filter, compare, export with XMP', async ({
  app,
  studio,
}) => {
  test.setTimeout(240_000);
  await importFolder(studio, folder);
  const before = await outputs(studio);
  expect(before).toHaveLength(IMAGES);
  await openReview(app);
  await expect(app.getByText(`${IMAGES} images`, { exact: true })).toBeVisible();

  const expected = new Map<number, State>(before.map((o) => [o.id, { flag: null, stars: 0, label: null }]));
  const order = before.map((o) => o.id);
  const loupe = app.getByTestId('loupe');

  // Into the loupe on the first image, auto-advance on (A): each decision writes and moves on.
  await app.keyboard.press('Space');
  await expect(loupe).toHaveAttribute('data-output-id', String(order[0]));
  await app.keyboard.press('a');
  await expect(app.getByTestId('auto-advance')).toHaveAttribute('aria-pressed', 'true');

  const pattern = ['p', 'x', '4', '6', 'p', '5', 'x', '8', '2', 'p', '9', 'u', '3', '7', 'x'];
  let index = 0;
  let writes = 0;
  const history: { id: number; previous: State }[] = [];
  const decide = async (key: string, advances: boolean) => {
    const id = order[index]!;
    await expect(loupe).toHaveAttribute('data-output-id', String(id));
    history.push({ id, previous: expected.get(id)! });
    expected.set(id, applyKey(expected.get(id)!, key));
    await app.keyboard.press(key);
    writes++;
    if (advances) {
      index++;
      await expect(loupe).toHaveAttribute('data-output-id', String(order[index]));
    }
  };

  for (let i = 0; i < 40; i++) await decide(pattern[i % pattern.length]!, true);
  // An undo (Ctrl+Z) takes back the last decision (written too), says which, and shows the image it changed.
  await app.keyboard.press('Control+z');
  writes++;
  const undone = history.pop()!;
  expected.set(undone.id, undone.previous);
  await expect(loupe).toHaveAttribute('data-output-id', String(undone.id));
  await expect(app.getByTestId('undo-notice')).toContainText('Undone:');
  index = order.indexOf(undone.id);

  // Auto-advance off: decisions stay on the image; Shift+key decides and moves on once; arrows move.
  await app.keyboard.press('a');
  await expect(app.getByTestId('auto-advance')).toHaveAttribute('aria-pressed', 'false');
  for (let i = 0; i < 10; i++) {
    await decide(i % 2 ? '3' : 'p', false);
    await decide(i % 3 ? 'Shift+X' : 'Shift+P', true);
  }
  // The same label twice takes it off again.
  await decide('6', false);
  await decide('6', false);
  await app.keyboard.press('ArrowRight');
  index++;
  await expect(loupe).toHaveAttribute('data-output-id', String(order[index]));
  const culled = order.slice(0, index);
  expect(culled.length).toBeGreaterThanOrEqual(50);

  // "Saved" shows only once the engine has confirmed every write.
  await waitSaved(app, writes);
  const engine = new Map((await outputs(studio)).map((o) => [o.id, o.review]));
  for (const id of order) {
    const { flag, stars, label } = engine.get(id)!;
    expect({ id, flag, stars, label }).toEqual({ id, ...expected.get(id) });
  }

  // Reload: the loupe walks through the same decisions again, as the UI shows them.
  await app.reload();
  await expect(loupe).toBeVisible({ timeout: 30_000 });
  await app.keyboard.press('Home');
  for (const id of culled) {
    await expect(loupe).toHaveAttribute('data-output-id', String(id));
    const state = expected.get(id)!;
    const controls = loupe.locator('.loupe-controls');
    await expect(controls.getByRole('button', { name: 'Pick', exact: true })).toHaveAttribute('aria-pressed', String(state.flag === 'pick'));
    await expect(controls.getByRole('button', { name: 'Reject', exact: true })).toHaveAttribute('aria-pressed', String(state.flag === 'reject'));
    await expect(controls.locator('.star-button.on')).toHaveCount(state.stars);
    if (state.label) await expect(controls.locator(`.label-button.label-${state.label}`)).toHaveAttribute('aria-pressed', 'true');
    else await expect(controls.locator('.label-button.on')).toHaveCount(0);
    await app.keyboard.press('ArrowRight');
  }

  // Filter to picks: exactly the picked ones, in the grid.
  const picks = culled.filter((id) => expected.get(id)!.flag === 'pick');
  await app.keyboard.press('g');
  await app.getByTestId('filter-bar').getByRole('button', { name: 'Picks', exact: true }).click();
  await expect(app.getByText(`${picks.length} images`, { exact: true })).toBeVisible();
  const tiles = app.getByTestId('output-tile');
  await expect(tiles).toHaveCount(picks.length);
  await expect
    .poll(async () => (await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('data-flag')))).every((f) => f === 'pick'))
    .toBe(true);

  // Compare two picks: zoom and pan move together.
  await tiles.nth(0).click();
  await tiles.nth(1).click({ modifiers: ['Control'] });
  await app.keyboard.press('c');
  const panes = app.getByTestId('compare-pane');
  await expect(panes).toHaveCount(2);
  await expect(panes.locator('[data-testid=zoom-image][data-loaded=true]')).toHaveCount(2);
  // At 1280×800 with the details open, every decision control of a pane stays inside it (none cut off). Layout
  // follows the resize a frame later: the condition is polled, never read at once.
  await app.setViewportSize({ width: 1280, height: 800 });
  await expect
    .poll(() =>
      panes.evaluateAll((list) =>
        list.every((pane) => {
          const box = pane.getBoundingClientRect();
          return [...pane.querySelectorAll('.compare-foot button')].every((b) => b.getBoundingClientRect().right <= box.right + 0.5);
        }),
      ),
    )
    .toBe(true);
  await app.setViewportSize({ width: 1400, height: 900 });
  await app.keyboard.press('z');
  // Every read waits for its condition: on a loaded machine the panes re-render a frame or two later.
  for (const pane of await panes.all()) await expect(pane.locator('.zoom-view')).toHaveAttribute('data-zoom', '1.00');
  // What each pane really shows, read from the rendered image (not from the state the panes share): the scale on
  // screen and which point of the picture sits at the pane's centre, as fractions of the picture.
  const shown = () =>
    panes.evaluateAll((list) =>
      list.map((pane) => {
        const view = pane.querySelector('.zoom-view')!.getBoundingClientRect();
        const image = pane.querySelector('img.zoom-image:not(.preview)') as unknown as { getBoundingClientRect(): DOMRect; naturalWidth: number };
        const box = image.getBoundingClientRect();
        const round = (n: number) => Math.round(n * 100) / 100;
        return {
          scale: round(box.width / image.naturalWidth),
          x: round((view.left + view.width / 2 - box.left) / box.width),
          y: round((view.top + view.height / 2 - box.top) / box.height),
        };
      }),
    );
  await expect(panes.locator('img.zoom-image:not(.preview)')).toHaveCount(2);
  const atActualSize = (await shown())[0]!;
  await panes.nth(0).locator('.zoom-view').hover();
  await app.mouse.wheel(0, -300);
  // The first pane zooms in, and the second shows the same scale at the same place.
  await expect.poll(async () => (await shown())[0]!.scale).toBeGreaterThan(atActualSize.scale);
  await expect.poll(async () => new Set((await shown()).map((s) => JSON.stringify(s))).size).toBe(1);
  // Dragging the first pane pans both: the point at the centre moves, the same in each. The 40 px candidates must
  // first be zoomed past the pane's width to have anywhere to pan (the wheel zooms step by step, up to 16×).
  const wider = () =>
    panes
      .nth(0)
      .evaluate(
        (pane) =>
          pane.querySelector('img.zoom-image:not(.preview)')!.getBoundingClientRect().width >
          pane.querySelector('.zoom-view')!.getBoundingClientRect().width,
      );
  for (let i = 0; i < 30 && !(await wider()); i++) await app.mouse.wheel(0, -300);
  await expect.poll(wider).toBe(true);
  await expect.poll(async () => new Set((await shown()).map((s) => JSON.stringify(s))).size).toBe(1);
  const zoomed = (await shown())[0]!;
  const view = (await panes.nth(0).locator('.zoom-view').boundingBox())!;
  await app.mouse.move(view.x + view.width / 2, view.y + view.height / 2);
  await app.mouse.down();
  await app.mouse.move(view.x + view.width / 2 - 60, view.y + view.height / 2 - 40, { steps: 5 });
  await app.mouse.up();
  await expect.poll(async () => (await shown())[0]!.x).toBeGreaterThan(zoomed.x);
  await expect.poll(async () => new Set((await shown()).map((s) => JSON.stringify(s))).size).toBe(1);
  await app.keyboard.press('Escape');

  // Export the picks with XMP sidecars; the job runs in the jobs panel.
  const out = join(outRoot, 'picks');
  await app.getByRole('button', { name: 'Export…' }).click();
  const dialog = app.getByRole('dialog', { name: 'Export' });
  await dialog.getByRole('radio', { name: /^Picks/ }).check();
  await dialog.getByLabel('Folder', { exact: true }).fill(out);
  await expect(dialog.getByRole('checkbox', { name: /XMP sidecars/ })).toBeChecked();
  await dialog.getByRole('button', { name: 'Export', exact: true }).click();
  await expect(app.getByTestId('job-started')).toContainText(/^Export picks.* started\./);
  await app.getByTestId('job-started').getByRole('button', { name: 'Show in Jobs' }).click();
  const job = app.getByTestId('jobs-drawer').getByTestId('job-row').first();
  await expect(job).toContainText('Export picks');
  await expect(job).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(app.getByTestId('export-notice')).toContainText(`Exported ${picks.length} files to ${out}`);

  const files = readdirSync(out);
  const images = files.filter((f) => f.endsWith('.png'));
  expect(images).toHaveLength(picks.length);
  // Two sidecars each: name.xmp (Lightroom, Bridge) and name.png.xmp (darktable, digiKam), the same packet.
  expect(files.filter((f) => f.endsWith('.xmp'))).toHaveLength(picks.length * 2);
  const byName = new Map(before.map((o) => [o.originalName!, o.id]));
  for (const image of images) {
    const state = expected.get(byName.get(image)!)!;
    const xmp = readFileSync(join(out, image.replace(/\.png$/, '.xmp')), 'utf8');
    expect(readFileSync(join(out, `${image}.xmp`), 'utf8')).toBe(xmp);
    expect(xmp).toContain(`xmp:Rating="${state.stars}"`);
    expect(xmp).toContain('digiKam:PickLabel="3"');
    if (state.label) expect(xmp).toContain(`xmp:Label="${state.label[0]!.toUpperCase()}${state.label.slice(1)}"`);
  }
});

test('a SIGKILL right after a decision loses nothing the page showed as saved', async ({ app, studio }) => {
  test.setTimeout(120_000);
  await importFolder(studio, samples);
  await openReview(app);
  await app.keyboard.press('Space');
  const loupe = app.getByTestId('loupe');
  await expect(loupe).toHaveAttribute('data-output-id', /^\d+$/);
  const ids: number[] = [];
  const keys = ['p', '5', '8', 'x', '2'];
  for (const [i, key] of keys.entries()) {
    // Shift+key moved the loupe on: wait for it to show the next image before reading which one it is.
    if (ids.length) await expect(loupe).not.toHaveAttribute('data-output-id', String(ids.at(-1)));
    ids.push(Number(await loupe.getAttribute('data-output-id')));
    await app.keyboard.press(`Shift+${key}`);
    // The page says "saved" only after the engine confirmed the write: wait for exactly that, then kill.
    await waitSaved(app, i + 1);
  }
  studio.process.kill('SIGKILL');
  await studio.stop();

  const restarted = await serveStudio(studio.library);
  try {
    const reviews = new Map((await outputs(restarted)).map((o) => [o.id, o.review]));
    expect(reviews.get(ids[0]!)).toMatchObject({ flag: 'pick' });
    expect(reviews.get(ids[1]!)).toMatchObject({ stars: 5 });
    expect(reviews.get(ids[2]!)).toMatchObject({ label: 'green' });
    expect(reviews.get(ids[3]!)).toMatchObject({ flag: 'reject' });
    expect(reviews.get(ids[4]!)).toMatchObject({ stars: 2 });
  } finally {
    await restarted.stop();
  }
});

test('files from A1111 and ComfyUI show their prompt and seed in the loupe', async ({ app, studio }) => {
  await importFolder(studio, samples);
  await openReview(app);
  const cases = [
    { name: 'a1111-portrait.png', prompt: a1111Parameters.split('\n')[0]!, seed: '1234567890', model: 'juggernautXL_v9' },
    { name: 'ComfyUI_00042_.png', prompt: 'portrait of ohwx woman, film grain', seed: '156680208700286', model: 'sd_xl_base_1.0.safetensors' },
  ];
  for (const c of cases) {
    await app.keyboard.press('g');
    await app.getByTestId('output-tile').filter({ hasText: c.name }).dblclick();
    const loupe = app.getByTestId('loupe');
    await expect(loupe.locator('.loupe-name')).toHaveText(c.name);
    await expect(loupe.locator('[data-testid=zoom-image][data-loaded=true]')).toHaveCount(1);
    const provenance = app.getByTestId('provenance');
    await expect(provenance).toContainText(c.prompt);
    await expect(provenance).toContainText(c.seed);
    await expect(provenance).toContainText(c.model);
  }
  // Searchable by what the other tool wrote.
  await app.keyboard.press('g');
  await app.getByRole('searchbox', { name: 'Search' }).fill('film grain');
  await expect(app.getByTestId('output-tile')).toHaveCount(1);
  await expect(app.getByTestId('output-tile')).toContainText('ComfyUI_00042_.png');
});

test('an image the loupe has preloaded is shown at once, without its thumbnail laid out and painted under it', async ({ app, studio }) => {
  await importFolder(studio, folder);
  const [first, next] = await outputs(studio);
  await openReview(app);
  await app.keyboard.press('Space');
  const loupe = app.getByTestId('loupe');
  await expect(loupe).toHaveAttribute('data-output-id', String(first!.id));
  const shown = (await loupe.getByTestId('zoom-image').getAttribute('src'))!;
  const nextSrc = shown.replace(first!.hash, next!.hash);
  // The preloader has fetched the next image (the only one to fetch it: the grid and filmstrip show thumbnails), and it
  // has loaded: a new image of that address is complete at once.
  await expect
    .poll(() =>
      app.evaluate((src) => {
        const url = new URL(src, location.href).href;
        if (!performance.getEntriesByType('resource').some((entry) => entry.name === url)) return false;
        const image = new Image();
        image.src = url;
        return image.complete && image.naturalWidth > 0;
      }, nextSrc),
    )
    .toBe(true);
  // Counts every thumbnail put under a full image from here on.
  await app.evaluate(() => {
    const page = window as unknown as { previews: number };
    page.previews = 0;
    new MutationObserver((records) => {
      for (const record of records)
        for (const node of record.addedNodes) if (node instanceof HTMLElement && node.matches('img.preview')) page.previews++;
    }).observe(document.body, { childList: true, subtree: true });
  });
  await app.keyboard.press('ArrowRight');
  await expect(loupe).toHaveAttribute('data-output-id', String(next!.id));
  await expect(loupe.locator('[data-testid=zoom-image][data-loaded=true]')).toHaveCount(1);
  expect(await app.evaluate(() => (window as unknown as { previews: number }).previews)).toBe(0);
});

test('zoom to face (F): says how to install the detector, then zooms on the face once it is installed', async ({ app, studio }) => {
  const photo = join(photosDir, 'astronaut.png');
  skipFor(existsSync(photo) && existsSync(yunetModel) ? undefined : `shared test data ${sharedRoot} is missing`);
  const incoming = mkdtempSync(join(tmpdir(), 'likeness-e2e-face-'));
  try {
    copyFileSync(photo, join(incoming, 'astronaut.png'));
    await importFolder(studio, incoming);
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
  await openReview(app);
  await app.keyboard.press('Space');
  const view = app.getByTestId('loupe').locator('.zoom-view');
  await expect(view).toHaveAttribute('data-zoom', 'fit');
  await app.keyboard.press('f');
  await expect(app.getByRole('status').filter({ hasText: 'YuNet-n face detector is not installed' })).toBeVisible();
  await expect(view).toHaveAttribute('data-zoom', 'fit');

  await studio.call('models:installFile', { id: 'yunet-n', path: yunetModel });
  await app.getByTestId('zoom-face').click();
  await expect(view).not.toHaveAttribute('data-zoom', 'fit');
  // Back to fit with Z.
  await app.keyboard.press('z');
  await expect(view).toHaveAttribute('data-zoom', 'fit');
});

test('an undo in one tab does not overwrite a decision made since in another tab: it says so', async ({ app, studio, context }) => {
  test.setTimeout(180_000);
  await importFolder(studio, folder);
  await openReview(app);
  const first = app.getByTestId('output-tile').first();
  const id = Number(await first.getAttribute('data-output-id'));
  // This tab stars the first image…
  await first.click();
  await app.keyboard.press('3');
  await waitSaved(app, 1);

  // …another tab of the same studio then gives it 5 stars (a change to the same field: a flag would not clash).
  const other = await context.newPage();
  await other.goto(studio.openUrl);
  await openReview(other);
  const there = other.locator(`[data-testid="output-tile"][data-output-id="${id}"]`);
  await there.click();
  await other.keyboard.press('5');
  await waitSaved(other, 1);

  // Undo here: refused and said so; the other tab's 5 stars stay.
  await app.bringToFront();
  await app.keyboard.press('Control+z');
  await expect(app.getByTestId('undo-conflict')).toContainText('Not undone: “3 stars” — the image was changed in another tab or window since.');
  await expect(app.getByTestId('undo-notice')).toHaveCount(0);
  const [engine] = await studio.call<Summary[]>('catalog:getOutputs', { ids: [id] });
  expect(engine!.review).toMatchObject({ stars: 5 });
  // The step is gone (it cannot be replayed), and the tile shows the engine's state again.
  await expect(app.getByRole('button', { name: 'Undo' })).toBeDisabled();
  await expect(app.locator(`[data-testid="output-tile"][data-output-id="${id}"]`)).toHaveAttribute('data-stars', '5');
  await other.close();
});
