import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toStudioError } from './errors';

const sqliteError = (code: string, message: string) => Object.assign(new Error(message), { code });

describe('errors from the catalogue’s SQLite', () => {
  it('a full disk is DISK_FULL with what to do, not “a bug in Likeness”', () => {
    const error = toStudioError(sqliteError('SQLITE_FULL', 'database or disk is full'));
    expect(error.code).toBe('DISK_FULL');
    expect(error.hint).toMatch(/Free some space/);
  });

  it('read-only, busy, I/O and damaged libraries each say what to do', () => {
    expect(toStudioError(sqliteError('SQLITE_READONLY', 'attempt to write a readonly database'))).toMatchObject({
      code: 'IO_ERROR',
      hint: expect.stringMatching(/writable/),
    });
    expect(toStudioError(sqliteError('SQLITE_BUSY', 'database is locked')).code).toBe('CONFLICT');
    expect(toStudioError(sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error')).hint).toMatch(/Check the disk/);
    expect(toStudioError(sqliteError('SQLITE_CORRUPT', 'database disk image is malformed')).hint).toMatch(/likeness doctor/);
  });

  it('recognises what better-sqlite3 really throws', async () => {
    const { Catalog } = await import('../catalog/catalog');
    const root = mkdtempSync(join(tmpdir(), 'likeness-errors-'));
    try {
      const catalog = Catalog.open(join(root, 'library'));
      catalog.db.pragma('query_only = ON');
      let thrown: unknown;
      try {
        catalog.db.prepare('INSERT INTO tags (name) VALUES (?)').run('x');
      } catch (error) {
        thrown = error;
      }
      expect(toStudioError(thrown).code).toBe('IO_ERROR');
      catalog.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
