import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../core/entry-points';
import { toStudioError } from '../core/errors';
import { Catalog } from './catalog';

const IMAGES = 150;

/**
 * Review keypresses while an import writes to the same library from another process (as a CLI import beside
 * the open app, or two servers on one library): every write must wait its turn, none may fail. Deferred
 * transactions failed 2.7 % of them with SQLITE_BUSY_SNAPSHOT, which no busy timeout helps.
 */
describe('review writes during an import in another process', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-busy-'));
    const folder = join(root, 'images');
    mkdirSync(folder);
    for (let i = 0; i < IMAGES; i++) {
      const pixels = Buffer.alloc(48 * 48 * 3, i % 251);
      pixels.writeUInt32LE(i, 0);
      await sharp(pixels, { raw: { width: 48, height: 48, channels: 3 } })
        .png()
        .toFile(join(folder, `image-${i}.png`));
    }
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('loses none of them: each waits for the import’s transaction instead of failing', async () => {
    const library = join(root, 'library');
    const catalog = Catalog.open(library);
    const ids: number[] = [];
    for (let i = 0; i < 20; i++) {
      const hash = (i + 1).toString(16).padStart(64, 'f');
      catalog.addObject({ hash, size: 1, mime: 'image/png' });
      ids.push(catalog.outputs.insert({ kind: 'image', objectHash: hash, thumbHash: null, width: 1, height: 1, source: 'generate' }));
    }
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(appRoot(), 'native', 'cli', 'main.ts'), '--library', library, 'catalog', 'import', join(root, 'images')],
      {
        cwd: appRoot(),
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));
    let writes = 0;
    const failures: string[] = [];
    while (running || writes < 200) {
      try {
        catalog.outputs.setReview({ ids: [ids[writes % ids.length]!], stars: writes % 6 });
      } catch (error) {
        failures.push(toStudioError(error).message);
      }
      writes++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await exited).toBe(0);
    expect(catalog.outputs.count()).toBe(20 + IMAGES);
    expect(failures.slice(0, 3)).toEqual([]);
    expect(writes).toBeGreaterThan(200);
    catalog.close();
  }, 240_000);
});
