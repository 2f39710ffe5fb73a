import { mkdirSync } from 'node:fs';
import { StudioError } from '../api/errors';
import { JobsRepository } from './jobs-repo';
import { libraryPaths, type LibraryPaths } from './library';
import { migrate, schemaVersion, type MigrationReport } from './migrations';
import { ModelsRepository } from './models-repo';
import { OutputsRepository } from './outputs-repo';
import { PeopleRepository } from './people-repo';
import { openSqlite, type Db } from './sqlite';
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
export class Catalog {
  readonly paths: LibraryPaths;
  readonly db: Db;
  readonly store: ObjectStore;
  readonly people: PeopleRepository;
  readonly outputs: OutputsRepository;
  readonly jobs: JobsRepository;
  readonly models: ModelsRepository;
  readonly migration: MigrationReport;

  private constructor(paths: LibraryPaths, db: Db, migration: MigrationReport) {
    this.paths = paths;
    this.db = db;
    this.migration = migration;
    this.store = new ObjectStore(paths.objects, paths.objectsTmp);
    this.people = new PeopleRepository(db);
    this.outputs = new OutputsRepository(db);
    this.jobs = new JobsRepository(db);
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
    const db = openSqlite(paths.database);
    try {
      const migration = migrate(db);
      return new Catalog(paths, db, migration);
    } catch (error) {
      db.close();
      throw error;
    }
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
    const rows = this.db.pragma(mode === 'full' ? 'integrity_check' : 'quick_check') as Record<string, string>[];
    return rows.map((r) => Object.values(r)[0]).join('; ');
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
