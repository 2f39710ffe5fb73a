import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from './catalog';
import { reconcile } from './reconcile';
import { sha256 } from './store';

let dir: string;
let catalog: Catalog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-reconcile-'));
  catalog = Catalog.open(dir);
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('reconcile on start', () => {
  it('moves unreferenced files aside, marks rows whose file is gone, and clears crash leftovers', async () => {
    const kept = await catalog.store.putBuffer(Buffer.from('referenced'));
    catalog.addObject({ hash: kept.hash, size: kept.size, mime: 'image/png' });
    const gone = await catalog.store.putBuffer(Buffer.from('will vanish'));
    catalog.addObject({ hash: gone.hash, size: gone.size, mime: 'image/png' });
    rmSync(catalog.store.pathOf(gone.hash));
    // A crash after the file's rename but before its row: an orphan.
    const orphan = Buffer.from('orphan');
    const orphanPath = catalog.store.pathOf(sha256(orphan));
    mkdirSync(dirname(orphanPath), { recursive: true });
    writeFileSync(orphanPath, orphan);
    // A crash mid-write: a temp file.
    mkdirSync(catalog.paths.objectsTmp, { recursive: true });
    writeFileSync(join(catalog.paths.objectsTmp, 'partial'), 'half');

    const report = await reconcile(catalog, { integrity: 'full', graceMs: 0 });
    expect(report).toEqual({ integrity: 'ok', tempFilesRemoved: 1, orphansQuarantined: 1, missingObjects: 1, restoredObjects: 0, purgesFinished: 0 });
    expect(existsSync(orphanPath)).toBe(false);
    expect(existsSync(join(catalog.paths.orphans, sha256(orphan)))).toBe(true);
    expect(catalog.objectMime(gone.hash)).toBeUndefined();
    expect(catalog.objectMime(kept.hash)).toBe('image/png');

    // The file comes back (restored from a backup): the row is whole again.
    await catalog.store.putBuffer(Buffer.from('will vanish'));
    expect((await reconcile(catalog, { graceMs: 0 })).restoredObjects).toBe(1);
    expect(catalog.objectMime(gone.hash)).toBe('image/png');
  });

  it('leaves recent files alone (another process may be writing them)', async () => {
    const orphan = Buffer.from('being written by the CLI');
    const path = catalog.store.pathOf(sha256(orphan));
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, orphan);
    expect((await reconcile(catalog)).orphansQuarantined).toBe(0);
    expect(existsSync(path)).toBe(true);
  });
});
