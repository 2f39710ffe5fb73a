import { describe, expect, it } from 'vitest';
import { openSqlite } from '../sqlite';
import { migrate } from './index';

function columns(db: ReturnType<typeof openSqlite>, table: string): string[] {
  return (db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name);
}

function seeded() {
  const db = openSqlite(':memory:');
  migrate(db, 1);
  // A library written by version 1 of the schema, with a person and a photo, is carried over.
  db.prepare("INSERT INTO people (name, trigger_word, class_word, created_at, updated_at) VALUES ('Ann', 'anxz', 'woman', 0, 0)").run();
  db.prepare("INSERT INTO objects (hash, size, mime, created_at) VALUES ('a', 1, 'image/png', 0), ('c', 1, 'image/png', 0)").run();
  db.prepare("INSERT INTO photos (person_id, object_hash, original_name, width, height, imported_at) VALUES (1, 'a', 'a.png', 10, 10, 0)").run();
  expect(migrate(db, 2).applied).toEqual([2]);
  return db;
}

describe('migration 002 (people vetting)', () => {
  it('adds the crop settings to people with defaults, and the vetting columns to photos', () => {
    const db = seeded();
    expect(db.prepare('SELECT crop_size, crop_padding FROM people').get()).toEqual({ crop_size: 512, crop_padding: 'shift' });
    expect(columns(db, 'photos')).toEqual(
      expect.arrayContaining(['vetted_at', 'vet_error', 'overridden_at', 'caption_extra', 'crop_nudge', 'removed_at', 'source_path', 'format']),
    );
    expect(db.prepare('SELECT caption_extra, removed_at FROM photos').get()).toEqual({ caption_extra: '', removed_at: null });
    expect(columns(db, 'photo_crops')).toEqual(['photo_id', 'size', 'params_key', 'crop_hash', 'info', 'created_at']);
    expect(columns(db, 'sample_set_items')).toEqual(expect.arrayContaining(['position', 'source_hash', 'crop_info']));
    expect(() => db.prepare('UPDATE people SET crop_size = 640').run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE people SET crop_padding = 'stretch'").run()).toThrow(/CHECK/);
  });

  it('keeps frozen versions immutable, while deleting the person still removes them', () => {
    const db = seeded();
    db.prepare(
      "INSERT INTO sample_sets (person_id, version, crop_size, created_at, trigger_word, class_word) VALUES (1, 1, 512, 0, 'anxz', 'woman')",
    ).run();
    db.prepare(
      "INSERT INTO sample_set_items (sample_set_id, photo_id, crop_hash, caption, position, source_hash) VALUES (1, 1, 'c', 'photo of anxz woman', 1, 'a')",
    ).run();
    expect(() => db.prepare("UPDATE sample_set_items SET caption = 'changed'").run()).toThrow(/immutable/);
    expect(() => db.prepare('UPDATE sample_sets SET crop_size = 1024').run()).toThrow(/immutable/);
    // The note is the one thing a version lets you edit.
    db.prepare("UPDATE sample_sets SET note = 'first try'").run();
    db.prepare('DELETE FROM people WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM sample_set_items').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM photos').pluck().get()).toBe(0);
  });

  it('drops a crop with its photo', () => {
    const db = seeded();
    db.prepare("INSERT INTO photo_crops (photo_id, size, params_key, crop_hash, created_at) VALUES (1, 512, 'k', 'c', 0)").run();
    db.prepare('DELETE FROM photos').run();
    expect(db.prepare('SELECT count(*) FROM photo_crops').pluck().get()).toBe(0);
  });
});
