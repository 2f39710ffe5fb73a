import { rm, stat } from 'node:fs/promises';
import { EmptyTrashRequest } from '../api/namespaces/catalog';
import { defineJob } from '../jobs/define';
import type { Catalog } from './catalog';
import type { Db } from './sqlite';
import { progressText } from '../api/progress-keys';

/**
 * Every column of every table that points at an object: the schema's foreign keys to objects(hash), so
 * tables added later count too, and — to be safe where a column could not be declared a foreign key
 * (SQLite's ALTER TABLE ADD COLUMN, e.g. sample_set_items.source_hash) — any other column named `*_hash`
 * outside the outputs table (whose own hash columns are known: a model hash there is not an object).
 * Counting a column too many keeps a file; counting one too few could delete a file still in use.
 */
/** Tables that only cache what can be computed again from an object (ON DELETE CASCADE): they never keep it. */
const derivedCaches = new Set(['face_embeddings']);

export function objectReferences(db: Db): { table: string; column: string }[] {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")
    .pluck()
    .all() as string[];
  const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const found = new Map<string, { table: string; column: string }>();
  for (const table of tables) {
    if (derivedCaches.has(table)) continue;
    for (const fk of db.pragma(`foreign_key_list(${quoted(table)})`) as { table: string; from: string }[]) {
      if (fk.table === 'objects') found.set(`${table}.${fk.from}`, { table, column: fk.from });
    }
    if (table === 'outputs' || table === 'objects' || table === 'object_purges' || table.startsWith('outputs_fts')) continue;
    for (const column of db.pragma(`table_info(${quoted(table)})`) as { name: string }[]) {
      if (/_hash$/.test(column.name)) found.set(`${table}.${column.name}`, { table, column: column.name });
    }
  }
  return [...found.values()];
}

export interface PurgeReport {
  outputs: number;
  objects: number;
  bytes: number;
  /** Outputs left in the trash because another record still points at them (a foreign key). */
  kept: number;
}

const CHUNK = 200;

/**
 * Deletes outputs that are in the trash (moved there at or before `before`), then every object no row
 * references any more: originals and thumbnails may be shared with other outputs (identical pixels give
 * identical thumbnails), photos and sample sets. Rows go first, in transactions of 200 outputs; their files
 * are removed after each commit. A crash in between leaves `object_purges` rows that the next start finishes.
 */
export async function emptyTrash(
  catalog: Catalog,
  options: { before?: number; ids?: readonly number[]; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {},
): Promise<PurgeReport> {
  const { db } = catalog;
  const before = options.before ?? Date.now();
  const all = db.prepare('SELECT id FROM outputs WHERE deleted_at IS NOT NULL AND deleted_at <= ? ORDER BY id').pluck().all(before) as number[];
  const wanted = options.ids ? new Set(options.ids) : undefined;
  const ids = wanted ? all.filter((id) => wanted.has(id)) : all;
  const references = objectReferences(db);
  const referenced = db.prepare(references.map((r) => `SELECT 1 FROM "${r.table}" WHERE "${r.column}" = @hash`).join(' UNION ALL ') + ' LIMIT 1');
  const hashesOf = db.prepare('SELECT object_hash, thumb_hash FROM outputs WHERE id = ?');
  const deleteOutput = db.prepare('DELETE FROM outputs WHERE id = ? AND deleted_at IS NOT NULL');
  const sizeOf = db.prepare('SELECT size FROM objects WHERE hash = ?').pluck();
  const deleteObject = db.prepare('DELETE FROM objects WHERE hash = ?');
  const recordPurge = db.prepare('INSERT OR REPLACE INTO object_purges (hash, requested_at) VALUES (?, ?)');

  const report: PurgeReport = { outputs: 0, objects: 0, bytes: 0, kept: 0 };
  options.onProgress?.(0, ids.length);
  for (let start = 0; start < ids.length; start += CHUNK) {
    options.signal?.throwIfAborted();
    const chunk = ids.slice(start, start + CHUNK);
    const purged = catalog.outputs.durably(() => {
      const candidates = new Set<string>();
      for (const id of chunk) {
        const row = hashesOf.get(id) as { object_hash: string; thumb_hash: string | null } | undefined;
        if (!row) continue;
        try {
          if (deleteOutput.run(id).changes === 0) continue;
        } catch (error) {
          // Only this statement is undone; the output stays in the trash and the rest goes on.
          if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_FOREIGNKEY') throw error;
          report.kept++;
          continue;
        }
        report.outputs++;
        candidates.add(row.object_hash);
        if (row.thumb_hash) candidates.add(row.thumb_hash);
      }
      const gone: string[] = [];
      const now = Date.now();
      for (const hash of candidates) {
        if (referenced.get({ hash })) continue;
        report.bytes += (sizeOf.get(hash) as number | undefined) ?? 0;
        deleteObject.run(hash);
        recordPurge.run(hash, now);
        gone.push(hash);
      }
      return gone;
    });
    report.objects += purged.length;
    await removePurgedFiles(catalog, purged);
    options.onProgress?.(Math.min(ids.length, start + CHUNK), ids.length);
  }
  return report;
}

/**
 * Removes the files of purged objects, then their `object_purges` rows. A hash that came back meanwhile
 * (the same image imported again) keeps its file.
 */
export async function removePurgedFiles(catalog: Catalog, hashes?: readonly string[]): Promise<number> {
  const { db } = catalog;
  const pending = hashes ?? (db.prepare('SELECT hash FROM object_purges').pluck().all() as string[]);
  const isBack = db.prepare('SELECT 1 FROM objects WHERE hash = ?').pluck();
  const done = db.prepare('DELETE FROM object_purges WHERE hash = ?');
  let removed = 0;
  for (const hash of pending) {
    if (!isBack.get(hash)) {
      const path = catalog.store.pathOf(hash);
      if (await stat(path).catch(() => undefined)) {
        await rm(path, { force: true });
        removed++;
      }
    }
    done.run(hash);
  }
  return removed;
}

/** Emptying the trash as a job: progress, cancel between chunks, and it can simply run again after a crash. */
export const emptyTrashJob = defineJob({
  kind: 'catalog.emptyTrash',
  resource: 'cpu',
  resumable: true,
  input: EmptyTrashRequest,
  title: () => 'Empty the trash',
  async run(input, { catalog, signal, progress }) {
    const before = input.before ?? Date.now();
    return emptyTrash(catalog, {
      before,
      ...(input.ids ? { ids: input.ids } : {}),
      signal,
      onProgress: (done, total) => progress({ done, total, ...progressText('job.countOf', { done, total }) }),
    });
  },
});
