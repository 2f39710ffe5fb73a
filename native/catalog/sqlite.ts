import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StudioError } from '../api/errors';
import { appRoot } from '../core/entry-points';

declare const readableBrand: unique symbol;
declare const writableBrand: unique symbol;
/**
 * Read/write brands, after Signal Desktop's ReadableDB / WritableDB (ts/sql/Interface.ts): a function that only
 * reads takes a ReadableDb, and the catalogue hands read paths (the grid's lists, stats) a connection opened
 * read-only, so SQLite itself refuses a write there. A WritableDb reads too; a ReadableDb never passes for one.
 */
export type ReadableDb = Database.Database & { readonly [readableBrand]: true };
export type WritableDb = ReadableDb & { readonly [writableBrand]: true };
/** The library's read-write connection (migrations, repositories that write). */
export type Db = WritableDb;

/**
 * better-sqlite3 is a native addon built for one ABI. The Node build (CLI, server, tests) lives in
 * node_modules; Electron needs a build for its own ABI, which `npm run electron:rebuild-sqlite`
 * puts in .cache/electron-sqlite/<electron version>/ and packaged apps carry in resources/native/.
 */
export function sqliteBindingPath(): string | undefined {
  if (process.env.LIKENESS_SQLITE_BINDING) return process.env.LIKENESS_SQLITE_BINDING;
  const electron = process.versions.electron;
  if (!electron) return undefined;
  const candidates = [
    (process as { resourcesPath?: string }).resourcesPath &&
      join((process as { resourcesPath?: string }).resourcesPath!, 'native', 'better_sqlite3.node'),
    join(appRoot(), '.cache', 'electron-sqlite', electron, 'better_sqlite3.node'),
  ].filter((c): c is string => Boolean(c));
  return candidates.find((c) => existsSync(c));
}

/** How long a write waits for another connection's write to finish before it gives up. */
export const BUSY_TIMEOUT_MS = 10_000;

/**
 * Every `db.transaction(fn)` starts with BEGIN IMMEDIATE. A deferred transaction that reads first and then
 * writes fails with SQLITE_BUSY_SNAPSHOT when another connection (an import in a job worker) committed in
 * between, and no busy timeout helps (2.7 % of review keypresses during an import failed so). Taking the write
 * lock up front makes a busy library wait instead. Nested calls stay savepoints, as better-sqlite3 makes them.
 */
function immediateTransactions(db: Database.Database): Database.Database {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: (...args: unknown[]) => unknown) => {
    const run = transaction(fn);
    // better-sqlite3 defines the variants as non-enumerable properties: named here so `.deferred()` (a read-only
    // connection's snapshot, which cannot take the write lock) stays at hand.
    return Object.assign((...args: unknown[]) => run.immediate(...args), {
      deferred: run.deferred,
      immediate: run.immediate,
      exclusive: run.exclusive,
      default: run.default,
    });
  }) as Database.Database['transaction'];
  return db;
}

export function openSqlite(file: string, options?: { readonly?: false }): WritableDb;
export function openSqlite(file: string, options: { readonly: true }): ReadableDb;
export function openSqlite(file: string, options: { readonly?: boolean } = {}): ReadableDb | WritableDb {
  const nativeBinding = sqliteBindingPath();
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, ...(nativeBinding ? { nativeBinding } : {}) });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return immediateTransactions(db) as WritableDb;
  } catch (error) {
    db?.close();
    throw explainOpenError(error, file);
  }
}

function explainOpenError(error: unknown, file: string): unknown {
  const message = (error as Error).message;
  if (/NODE_MODULE_VERSION|was compiled against a different Node/.test(message)) {
    return new StudioError(
      'LIBRARY_ERROR',
      'The SQLite module was built for a different runtime.',
      process.versions.electron
        ? 'Run `npm run electron:rebuild-sqlite` (needs internet once), then start again.'
        : 'Run `npm rebuild better-sqlite3`, then start again.',
    );
  }
  if (/not a database|malformed|corrupt/i.test(message)) {
    return new StudioError(
      'LIBRARY_ERROR',
      `The catalogue ${file} is damaged (${message}).`,
      'Restore catalog.sqlite from a backup of the library folder, or open another library with --library.',
    );
  }
  return error;
}
