import { accessSync, constants, mkdirSync } from 'node:fs';
import { StudioError } from '../api/errors';
import { CollectionsRepository } from './collections-repo';
import { JobsRepository } from './jobs-repo';
import { libraryPaths, type LibraryPaths } from './library';
import { migrate, schemaVersion, type MigrationReport } from './migrations';
import { ModelsRepository } from './models-repo';
import { OutputsRepository } from './outputs-repo';
import { PeopleRepository } from './people-repo';
import { openSqlite, type Db, type ReadableDb } from './sqlite';
import { ObjectStore } from './store';

export interface ObjectRecord {
  hash: string;
  size: number;
  mime: string;
  width?: number | null;
  height?: number | null;
  durationMs?: number | null;
}

/** One library: the SQLite catalogue (source of truth) plus the content-addressed object store. */
/**
 * A library on a read-only disk (or a folder the user cannot write) opens and reads fine, then fails at the
 * first decision, import or job heartbeat: say so at once. Rewriting the header's user_version with its own
 * value is a real write that changes nothing.
 */
function assertWritable(db: Db, root: string): void {
  try {
    db.pragma(`user_version = ${Number(db.pragma('user_version', { simple: true }))}`);
  } catch (error) {
    if (!String((error as { code?: string }).code).startsWith('SQLITE_READONLY')) throw error;
    throw readOnlyError(root);
  }
}

function readOnlyError(root: string): StudioError {
  return new StudioError(
    'LIBRARY_ERROR',
    `The library ${root} is read-only: Likeness could not write its catalogue.`,
    'Make the folder writable (or copy the library to a writable disk), or choose another library with --library DIR.',
  );
}

function isWritable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export class Catalog {
  readonly paths: LibraryPaths;
  readonly db: Db;
  readonly store: ObjectStore;
  readonly people: PeopleRepository;
  readonly outputs: OutputsRepository;
  readonly jobs: JobsRepository;
  readonly collections: CollectionsRepository;
  readonly models: ModelsRepository;
  readonly migration: MigrationReport;
  private readConnection: ReadableDb | undefined;

  private constructor(paths: LibraryPaths, db: Db, migration: MigrationReport) {
    this.paths = paths;
    this.db = db;
    this.migration = migration;
    this.store = new ObjectStore(paths.objects, paths.objectsTmp);
    this.people = new PeopleRepository(db);
    this.outputs = new OutputsRepository(db, () => this.reader);
    this.jobs = new JobsRepository(db);
    this.collections = new CollectionsRepository(db);
    this.models = new ModelsRepository(db);
  }

  /** Opens (creating if needed) the library at `root` and brings its schema up to date. */
  static open(root: string): Catalog {
    const paths = libraryPaths(root);
    try {
      for (const dir of [paths.root, paths.objects, paths.models]) mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw new StudioError(
        'LIBRARY_ERROR',
        `Cannot create the library folder ${paths.root}: ${(error as Error).message}`,
        'Choose a writable folder with --library DIR or LIKENESS_HOME.',
      );
    }
    let db: Db;
    try {
      db = openSqlite(paths.database);
    } catch (error) {
      // A WAL library reopened on a read-only disk cannot create its shared-memory file: SQLite says only
      // "unable to open database file".
      if (String((error as { code?: string }).code).startsWith('SQLITE_CANTOPEN') && !isWritable(paths.root)) throw readOnlyError(paths.root);
      throw error;
    }
    try {
      const migration = migrate(db);
      // A migration rewrites many pages into the WAL (hundreds of KB for a new library); moving them into the
      // database file now, and emptying the WAL, keeps a small or nearly full disk from paying for both.
      if (migration.applied.length) db.pragma('wal_checkpoint(TRUNCATE)');
      assertWritable(db, paths.root);
      return new Catalog(paths, db, migration);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /**
   * A second connection, opened read-only, for paths that only read (the grid's lists, facets, stats): a write
   * slipped into one fails there instead of changing the library. It sees every committed write (WAL); opened on
   * first use, so job threads that never list pay nothing.
   */
  get reader(): ReadableDb {
    this.readConnection ??= openSqlite(this.paths.database, { readonly: true });
    return this.readConnection;
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  /** Records a stored file; idempotent (the same hash is the same content). */
  addObject(object: ObjectRecord): void {
    this.db
      .prepare(
        `INSERT INTO objects (hash, size, mime, width, height, duration_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (hash) DO UPDATE SET missing_since = NULL`,
      )
      .run(object.hash, object.size, object.mime, object.width ?? null, object.height ?? null, object.durationMs ?? null, Date.now());
  }

  objectMime(hash: string): string | undefined {
    return (
      (this.db.prepare('SELECT mime FROM objects WHERE hash = ? AND missing_since IS NULL').pluck().get(hash) as string | undefined) ?? undefined
    );
  }

  getSetting(key: string): string | undefined {
    return (this.db.prepare('SELECT value FROM settings WHERE key = ?').pluck().get(key) as string | undefined) ?? undefined;
  }

  setSetting(key: string, value: string | null): void {
    if (value === null) this.db.prepare('DELETE FROM settings WHERE key = ?').run(key);
    else this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** `PRAGMA integrity_check` (thorough) or `quick_check` (fast, for every start). Returns "ok" or the problems. */
  integrity(mode: 'quick' | 'full' = 'full'): string {
    // FTS5 keeps each table's index structure cached per connection, and its integrity check compares
    // against that cache: after another connection (a job worker) wrote, it reports a checksum mismatch
    // that a fresh connection does not see. Reading each FTS5 table first refreshes the cache.
    const ftsTables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%USING fts5%'").pluck().all() as string[];
    for (const table of ftsTables)
      this.db
        .prepare(`SELECT count(*) FROM "${table.replace(/"/g, '""')}"`)
        .pluck()
        .get();
    const rows = this.db.pragma(mode === 'full' ? 'integrity_check' : 'quick_check') as Record<string, string>[];
    return rows.map((r) => Object.values(r)[0]).join('; ');
  }

  close(): void {
    if (!this.db.open) return;
    try {
      // Keeps the planner's statistics current (what SQLite advises before closing): the review grid's
      // filters pick the right index only when it knows how selective each is. Bounded, so it is quick.
      this.db.pragma('analysis_limit = 400');
      this.db.pragma('optimize');
    } catch {
      // A read-only or busy database closes without it.
    }
    this.readConnection?.close();
    this.db.close();
  }
}
