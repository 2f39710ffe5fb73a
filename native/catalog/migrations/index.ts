import { createHash } from 'node:crypto';
import { StudioError } from '../../api/errors';
import type { Db } from '../sqlite';
import initial from './001-initial';
import peopleVetting from './002-people-vetting';
import review from './004-review';
import jobMessageKey from './010-job-message-key';
import likeness from './011-likeness';
import chosenFace from './012-chosen-face';
import outputTallies from './013-output-tallies';
import groupedLists from './014-grouped-lists';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Append-only: add a new numbered file, never edit one that has shipped (checked on start). Numbers are
 * handed out per area ahead of time, so the list may have gaps (1, 3, 4, …) and areas may merge out of order.
 */
export const migrations: readonly Migration[] = [initial, peopleVetting, review, jobMessageKey, likeness, chosenFace, outputTallies, groupedLists];

export const latestSchemaVersion = Math.max(...migrations.map((m) => m.version));

const byVersion = new Map(migrations.map((m) => [m.version, m]));

export function migrationChecksum(m: Migration): string {
  return createHash('sha256').update(m.sql).digest('hex').slice(0, 16);
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
}

/** Applies pending migrations, each in its own transaction; refuses edited history and newer schemas. */
export function migrate(db: Db, upTo: number = latestSchemaVersion): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = db.prepare('SELECT version, name, checksum FROM schema_migrations ORDER BY version').all() as {
    version: number;
    name: string;
    checksum: string;
  }[];
  const from = applied.at(-1)?.version ?? 0;
  if (from > latestSchemaVersion) {
    throw new StudioError(
      'LIBRARY_ERROR',
      `This library was written by a newer Likeness (schema ${from}; this version knows ${latestSchemaVersion}).`,
      'Update Likeness, or open another library with --library.',
    );
  }
  for (const row of applied) {
    const known = byVersion.get(row.version);
    if (!known || migrationChecksum(known) !== row.checksum) {
      throw new StudioError(
        'LIBRARY_ERROR',
        `Migration ${row.version} (${row.name}) differs from the one applied to this library.`,
        'Migrations are append-only: restore the original migration file and add a new one for the change.',
      );
    }
  }
  const done: number[] = [];
  // Every known migration not applied yet, in order: one merged after a higher number still gets applied.
  const appliedVersions = new Set(applied.map((row) => row.version));
  for (const m of migrations.filter((m) => m.version <= upTo && !appliedVersions.has(m.version))) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)').run(
        m.version,
        m.name,
        migrationChecksum(m),
        Date.now(),
      );
    })();
    done.push(m.version);
  }
  return { from, to: Math.max(from, ...done), applied: done };
}

export function schemaVersion(db: Db): number {
  const row = db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null } | undefined;
  return row?.v ?? 0;
}
