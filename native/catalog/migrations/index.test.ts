import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StudioError } from '../../api/errors';
import { Catalog } from '../catalog';
import { openSqlite } from '../sqlite';
import { latestSchemaVersion, migrate, migrationChecksum, migrations, schemaVersion } from './index';

describe('migrations', () => {
  it('are numbered in increasing order, starting at 1 (numbers are assigned per area, so gaps are allowed)', () => {
    const versions = migrations.map((m) => m.version);
    expect(versions[0]).toBe(1);
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
  });

  it('apply a migration merged after a higher-numbered one (areas merge out of order)', () => {
    const db = openSqlite(':memory:');
    // Up to the one before the last two (the last builds on tables of earlier ones, as real migrations do).
    const applied = migrations.slice(0, -2);
    const rest = migrations.slice(applied.length);
    migrate(db, applied.at(-1)!.version);
    // Pretend a later migration was applied first by an older build that lacked the one in between.
    const last = rest.at(-1);
    if (last) {
      db.exec(last.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, 0)').run(
        last.version,
        last.name,
        migrationChecksum(last),
      );
    }
    const report = migrate(db);
    expect(report.applied).toEqual(rest.slice(0, -1).map((m) => m.version));
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
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
