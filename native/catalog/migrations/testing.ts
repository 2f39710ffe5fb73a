import { openSqlite, type Db } from '../sqlite';
import { migrate } from './index';

// Fixtures for migration tests, after Signal Desktop's ts/test-node/sql helpers (updateToVersion, insertData,
// getTableData): a test says which schema version it starts from and which rows it holds, not how to spell INSERTs.

type Row = Record<string, string | number | null>;

/** An empty in-memory library at schema `version` (all migrations when absent). */
export function libraryAtVersion(version?: number): Db {
  const db = openSqlite(':memory:');
  migrate(db, version);
  return db;
}

/** Applies the migrations up to `version` (all when absent) and returns the ones applied. */
export function updateToVersion(db: Db, version?: number): number[] {
  return migrate(db, version).applied;
}

/** Inserts rows given as column → value objects (each row may name its own columns). */
export function insertData(db: Db, table: string, rows: Row[]): void {
  for (const row of rows) {
    const names = Object.keys(row);
    db.prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`).run(row);
  }
}

/** Every row of a table, in its storage order (rowid, or the primary key of a WITHOUT ROWID table). */
export function getTableData(db: Db, table: string): Row[] {
  return db.prepare(`SELECT * FROM ${table}`).all() as Row[];
}

/** The column names of a table, in order. */
export function columnsOf(db: Db, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
}

/** An image output (with its object and review row), as catalogue code writes one, for tests of later migrations. */
export function insertImageOutput(db: Db, id: number, fields: Row = {}): void {
  const hash = `hash-${id}`;
  insertData(db, 'objects', [{ hash, size: 1, mime: 'image/png', created_at: 0 }]);
  insertData(db, 'outputs', [{ id, kind: 'image', object_hash: hash, width: 1, height: 1, source: 'import', created_at: 0, ...fields }]);
  insertData(db, 'reviews', [{ output_id: id }]);
}
