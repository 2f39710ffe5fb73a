import { describe, expect, it } from 'vitest';
import { columnsOf, insertData, insertImageOutput, libraryAtVersion, updateToVersion } from './testing';

describe('migration 001 (initial)', () => {
  it('creates every table of the catalogue with its key columns and constraints', () => {
    const db = libraryAtVersion(0);
    expect(updateToVersion(db, 1)).toEqual([1]);
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
    expect(columnsOf(db, 'outputs')).toEqual(
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
    expect(columnsOf(db, 'reviews')).toEqual(['output_id', 'flag', 'stars', 'label', 'note', 'updated_at']);
    expect(columnsOf(db, 'jobs')).toEqual(expect.arrayContaining(['status', 'resource', 'owner', 'heartbeat_at', 'attempts', 'cancel_requested']));

    insertImageOutput(db, 1);
    // The checks keep bad values out whatever code writes them.
    expect(() => db.prepare('UPDATE reviews SET stars = 6 WHERE output_id = 1').run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE reviews SET flag = 'maybe' WHERE output_id = 1").run()).toThrow(/CHECK/);
    expect(() => insertData(db, 'jobs', [{ kind: 'k', resource: 'cpu', status: 'stuck', title: 't', input: '{}', created_at: 0 }])).toThrow(/CHECK/);
    // The same file is one output: duplicates are refused.
    expect(() => insertData(db, 'outputs', [{ kind: 'image', object_hash: 'hash-1', width: 1, height: 1, source: 'import', created_at: 0 }])).toThrow(
      /UNIQUE/,
    );
    // Deleting an output takes its review along.
    db.prepare('DELETE FROM outputs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM reviews').pluck().get()).toBe(0);
    db.close();
  });
});
