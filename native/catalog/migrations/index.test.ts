import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../api/errors';
import { Catalog } from '../catalog';
import { openSqlite } from '../sqlite';
import { latestSchemaVersion, migrate, migrations, schemaVersion } from './index';

describe('migrations', () => {
  it('are numbered 1..n without gaps, in order', () => {
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: migrations.length }, (_, i) => i + 1));
  });

  it('apply once: a second run applies nothing', () => {
    const db = openSqlite(':memory:');
    expect(migrate(db).applied).toEqual(migrations.map((m) => m.version));
    expect(migrate(db).applied).toEqual([]);
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
  });

  it('refuse a library whose applied migration was edited afterwards (append-only)', () => {
    const db = openSqlite(':memory:');
    migrate(db);
    db.prepare("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1").run();
    expect(() => migrate(db)).toThrow(/differs from the one applied/);
  });

  it('refuse a library written by a newer version, saying what to do', () => {
    const db = openSqlite(':memory:');
    migrate(db);
    db.prepare("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, 'future', 'x', 0)").run();
    try {
      migrate(db);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(StudioError);
      expect((error as StudioError).hint).toMatch(/Update Likeness/);
    }
  });
});

describe('opening a damaged catalogue', () => {
  it('says the file is damaged and how to recover, without touching it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'likeness-damaged-'));
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(join(dir, 'catalog.sqlite'), garbage);
    try {
      expect(() => Catalog.open(dir)).toThrow(/damaged/);
      try {
        Catalog.open(dir);
      } catch (error) {
        expect((error as StudioError).code).toBe('LIBRARY_ERROR');
        expect((error as StudioError).hint).toMatch(/backup/);
      }
      expect(readFileSync(join(dir, 'catalog.sqlite')).equals(garbage)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
