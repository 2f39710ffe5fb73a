import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio } from '../studio/studio';
import { writeNoiseImages } from '../testing/images';

/** Runs a mount command as root: directly when this is root, else through passwordless sudo (a CI user's). */
function asRoot(command: string, args: string[]): void {
  const root = process.getuid?.() === 0;
  execFileSync(root ? command : 'sudo', root ? args : ['-n', command, ...args], { stdio: 'pipe' });
}

/** A small real filesystem to fill up: a tmpfs owned by this user (root, or sudo, on Linux). */
function mountTinyDisk(dir: string, size: string): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux tmpfs';
  try {
    asRoot('mount', ['-t', 'tmpfs', '-o', `size=${size},uid=${process.getuid?.() ?? 0},gid=${process.getgid?.() ?? 0}`, 'tmpfs', dir]);
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs here, as root or with sudo -n (${String((error as Error).message).split('\n')[0]})`;
  }
}

const root = mkdtempSync(join(tmpdir(), 'likeness-full-'));
const disk = join(root, 'disk');
mkdirSync(disk);
const cannotMount = mountTinyDisk(disk, '1500k');
// CI on Linux has root or sudo (.ci/run installs packages with it): a full disk it cannot make is a broken CI, not a pass.
if (cannotMount && (process.env.CI === 'true' || process.env.CI === '1'))
  throw new Error(`import onto a full disk: ${cannotMount}; CI requires it (root or passwordless sudo on Linux)`);

describe.skipIf(cannotMount)(`import onto a full disk${cannotMount ? ` (skipped: ${cannotMount})` : ''}`, () => {
  let source: string;
  beforeAll(async () => {
    source = join(root, 'incoming');
    await writeNoiseImages(source, 8, 400); // ~480 KB each, incompressible
  });
  afterAll(() => {
    asRoot('umount', ['--lazy', disk]);
    rmSync(root, { recursive: true, force: true });
  });

  it('stops with DISK_FULL and a hint, keeps what was imported, and the catalogue stays intact', async () => {
    const studio = await createStudio({ library: join(disk, 'library') });
    try {
      const job = await studio.jobs.waitFor((await studio.api.catalog.import({ path: source })).id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({ code: 'DISK_FULL', hint: expect.stringMatching(/Free some space/) });
      const imported = studio.catalog.outputs.count();
      expect(imported).toBeGreaterThan(0);
      expect(imported).toBeLessThan(8);
      expect(studio.catalog.integrity('full')).toBe('ok');
      // Nothing half-written is left in the store's temp folder.
      expect(readdirSync(studio.catalog.paths.objectsTmp)).toEqual([]);
      // A decision that does not fit either says the disk is full (SQLite's own SQLITE_FULL), not "a bug".
      // Each commit adds pages to the WAL until the disk has none left.
      const [first] = (await studio.api.catalog.listOutputs()).items;
      let refused: unknown;
      for (let i = 0; i < 1000 && !refused; i++) {
        await studio.api.review
          .set({ ids: [first!.id], note: String(i).repeat(10_000).slice(0, 10_000) })
          .catch((error: unknown) => (refused = error));
      }
      expect(refused).toMatchObject({ code: 'DISK_FULL', hint: expect.stringMatching(/Free some space/) });
    } finally {
      await studio.close();
    }
  });

  it('a library on a disk that became read-only is refused at once with what to do (the server used to start, then die)', async () => {
    asRoot('mount', ['-o', 'remount,ro', disk]);
    try {
      await expect(createStudio({ library: join(disk, 'library') })).rejects.toMatchObject({
        code: 'LIBRARY_ERROR',
        message: expect.stringMatching(/read-only/),
        hint: expect.stringMatching(/writable/),
      });
    } finally {
      asRoot('mount', ['-o', 'remount,rw', disk]);
    }
  });
});
if (cannotMount) rmSync(root, { recursive: true, force: true });
