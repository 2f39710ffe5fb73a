import { describe, expect, it } from 'vitest';
import { openSqlite } from '../sqlite';
import { migrate } from './index';

function columns(db: ReturnType<typeof openSqlite>, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
}

describe('migration 001 (initial)', () => {
  it('creates every table of the catalogue with its key columns and constraints', () => {
    const db = openSqlite(':memory:');
    expect(migrate(db, 1).applied).toEqual([1]);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter(
      (t) => !t.startsWith('sqlite_'),
    );
    expect(tables).toEqual([
      'jobs',
      'models',
      'objects',
      'output_tags',
      'outputs',
      'people',
      'photos',
      'reviews',
      'sample_set_items',
      'sample_sets',
      'schema_migrations',
      'settings',
      'tags',
    ]);
    expect(columns(db, 'outputs')).toEqual(
      expect.arrayContaining([
        'object_hash',
        'thumb_hash',
        'prompt',
        'negative_prompt',
        'seed',
        'steps',
        'scheduler',
        'guidance',
        'model',
        'model_hash',
        'loras',
        'provider',
        'app_version',
        'timings',
        'provenance',
      ]),
    );
    expect(columns(db, 'reviews')).toEqual(['output_id', 'flag', 'stars', 'label', 'note', 'updated_at']);
    expect(columns(db, 'jobs')).toEqual(expect.arrayContaining(['status', 'resource', 'owner', 'heartbeat_at', 'attempts', 'cancel_requested']));

    db.prepare("INSERT INTO objects (hash, size, mime, created_at) VALUES ('a', 1, 'image/png', 0)").run();
    db.prepare("INSERT INTO outputs (kind, object_hash, width, height, source, created_at) VALUES ('image', 'a', 1, 1, 'import', 0)").run();
    db.prepare('INSERT INTO reviews (output_id) VALUES (1)').run();
    // The checks keep bad values out whatever code writes them.
    expect(() => db.prepare('UPDATE reviews SET stars = 6 WHERE output_id = 1').run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE reviews SET flag = 'maybe' WHERE output_id = 1").run()).toThrow(/CHECK/);
    expect(() =>
      db.prepare("INSERT INTO jobs (kind, resource, status, title, input, created_at) VALUES ('k', 'cpu', 'stuck', 't', '{}', 0)").run(),
    ).toThrow(/CHECK/);
    // The same file is one output: duplicates are refused.
    expect(() =>
      db.prepare("INSERT INTO outputs (kind, object_hash, width, height, source, created_at) VALUES ('image', 'a', 1, 1, 'import', 0)").run(),
    ).toThrow(/UNIQUE/);
    // Deleting an output takes its review along.
    db.prepare('DELETE FROM outputs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM reviews').pluck().get()).toBe(0);
    db.close();
  });
});
