import { rm } from 'node:fs/promises';
import type { Catalog } from './catalog';

/**
 * Objects kept only for a while (reel previews): the latest `keep` under `key` stay, older ones are removed
 * (row first, then file: a crash in between leaves an orphan file, which reconciliation moves aside).
 * An object that an output or a photo references is never removed.
 */
export async function rememberScratchObject(catalog: Catalog, key: string, hash: string, keep: number): Promise<string[]> {
  const settingKey = `scratch.${key}`;
  const previous = JSON.parse(catalog.getSetting(settingKey) ?? '[]') as string[];
  const recent = [hash, ...previous.filter((h) => h !== hash)];
  const stale = recent.slice(keep);
  const removed = catalog.db.transaction(() => {
    catalog.setSetting(settingKey, JSON.stringify(recent.slice(0, keep)));
    return stale.filter(
      (h) =>
        catalog.db
          .prepare(
            `DELETE FROM objects WHERE hash = @h
               AND NOT EXISTS (SELECT 1 FROM outputs WHERE object_hash = @h OR thumb_hash = @h)
               AND NOT EXISTS (SELECT 1 FROM photos WHERE object_hash = @h OR thumb_hash = @h)`,
          )
          .run({ h }).changes > 0,
    );
  })();
  for (const h of removed) await rm(catalog.store.pathOf(h), { force: true });
  return removed;
}
