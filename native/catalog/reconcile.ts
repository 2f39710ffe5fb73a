import { existsSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from './catalog';
import { removePurgedFiles } from './trash';

export interface ReconcileReport {
  integrity: string;
  tempFilesRemoved: number;
  /** Files on disk that no row references: moved to orphans/, never deleted. */
  orphansQuarantined: number;
  /** Rows whose file is gone: marked missing_since so the UI can say so. */
  missingObjects: number;
  /** Rows that came back after being marked missing. */
  restoredObjects: number;
  /** Files of objects deleted by emptying the trash that a crash left behind, removed now. */
  purgesFinished: number;
}

/**
 * Run on every start: the database is the source of truth, the disk is brought in line with it.
 * A crash between writing a file and committing its row leaves an unreferenced file; it is moved
 * aside rather than deleted, so nothing the user had is lost.
 */
export async function reconcile(catalog: Catalog, options: { integrity?: 'quick' | 'full'; graceMs?: number } = {}): Promise<ReconcileReport> {
  // Another process (a CLI import beside the server) may be mid-write right now: leave recent files alone.
  const graceMs = options.graceMs ?? 10 * 60_000;
  const integrity = catalog.integrity(options.integrity ?? 'quick');
  const tempFilesRemoved = await catalog.store.clearTemp(graceMs);
  // Emptying the trash commits the rows first; files it had not removed yet go now (not to orphans/).
  const purgesFinished = await removePurgedFiles(catalog);

  const known = new Map<string, number | null>();
  for (const row of catalog.db.prepare('SELECT hash, missing_since FROM objects').iterate() as Iterable<{
    hash: string;
    missing_since: number | null;
  }>) {
    known.set(row.hash, row.missing_since);
  }

  let orphansQuarantined = 0;
  const present = new Set<string>();
  for await (const file of catalog.store.listFiles()) {
    if (known.has(file.hash)) {
      present.add(file.hash);
      continue;
    }
    if (Date.now() - (await stat(file.path)).mtimeMs < graceMs) continue;
    await mkdir(catalog.paths.orphans, { recursive: true });
    const target = join(catalog.paths.orphans, file.hash);
    if (!existsSync(target)) await rename(file.path, target);
    orphansQuarantined++;
  }

  const now = Date.now();
  const markMissing = catalog.db.prepare('UPDATE objects SET missing_since = ? WHERE hash = ?');
  const markFound = catalog.db.prepare('UPDATE objects SET missing_since = NULL WHERE hash = ?');
  let missingObjects = 0;
  let restoredObjects = 0;
  catalog.db.transaction(() => {
    for (const [hash, missingSince] of known) {
      if (!present.has(hash)) {
        missingObjects++;
        if (missingSince === null) markMissing.run(now, hash);
      } else if (missingSince !== null) {
        restoredObjects++;
        markFound.run(hash);
      }
    }
  })();

  return { integrity, tempFilesRemoved, orphansQuarantined, missingObjects, restoredObjects, purgesFinished };
}
