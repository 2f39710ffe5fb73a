import { describe, expect, it } from 'vitest';
import { columnsOf, getTableData, insertData, libraryAtVersion, updateToVersion } from './testing';

function seeded() {
  // A library written by version 1 of the schema, with a person and a photo, is carried over.
  const db = libraryAtVersion(1);
  insertData(db, 'people', [{ name: 'Ann', trigger_word: 'anxz', class_word: 'woman', created_at: 0, updated_at: 0 }]);
  insertData(db, 'objects', [
    { hash: 'a', size: 1, mime: 'image/png', created_at: 0 },
    { hash: 'c', size: 1, mime: 'image/png', created_at: 0 },
  ]);
  insertData(db, 'photos', [{ person_id: 1, object_hash: 'a', original_name: 'a.png', width: 10, height: 10, imported_at: 0 }]);
  expect(updateToVersion(db, 2)).toEqual([2]);
  return db;
}

describe('migration 002 (people vetting)', () => {
  it('adds the crop settings to people with defaults, and the vetting columns to photos', () => {
    const db = seeded();
    expect(db.prepare('SELECT crop_size, crop_padding FROM people').get()).toEqual({ crop_size: 512, crop_padding: 'shift' });
    expect(columnsOf(db, 'photos')).toEqual(
      expect.arrayContaining(['vetted_at', 'vet_error', 'overridden_at', 'caption_extra', 'crop_nudge', 'removed_at', 'source_path', 'format']),
    );
    expect(db.prepare('SELECT caption_extra, removed_at FROM photos').get()).toEqual({ caption_extra: '', removed_at: null });
    expect(columnsOf(db, 'photo_crops')).toEqual(['photo_id', 'size', 'params_key', 'crop_hash', 'info', 'created_at']);
    expect(columnsOf(db, 'sample_set_items')).toEqual(expect.arrayContaining(['position', 'source_hash', 'crop_info']));
    expect(() => db.prepare('UPDATE people SET crop_size = 640').run()).toThrow(/CHECK/);
    expect(() => db.prepare("UPDATE people SET crop_padding = 'stretch'").run()).toThrow(/CHECK/);
  });

  it('keeps frozen versions immutable, while deleting the person still removes them', () => {
    const db = seeded();
    insertData(db, 'sample_sets', [{ person_id: 1, version: 1, crop_size: 512, created_at: 0, trigger_word: 'anxz', class_word: 'woman' }]);
    insertData(db, 'sample_set_items', [
      { sample_set_id: 1, photo_id: 1, crop_hash: 'c', caption: 'photo of anxz woman', position: 1, source_hash: 'a' },
    ]);
    expect(() => db.prepare("UPDATE sample_set_items SET caption = 'changed'").run()).toThrow(/immutable/);
    expect(() => db.prepare('UPDATE sample_sets SET crop_size = 1024').run()).toThrow(/immutable/);
    // The note is the one thing a version lets you edit.
    db.prepare("UPDATE sample_sets SET note = 'first try'").run();
    db.prepare('DELETE FROM people WHERE id = 1').run();
    expect(getTableData(db, 'sample_set_items')).toEqual([]);
    expect(getTableData(db, 'photos')).toEqual([]);
  });

  it('drops a crop with its photo', () => {
    const db = seeded();
    insertData(db, 'photo_crops', [{ photo_id: 1, size: 512, params_key: 'k', crop_hash: 'c', created_at: 0 }]);
    db.prepare('DELETE FROM photos').run();
    expect(getTableData(db, 'photo_crops')).toEqual([]);
  });
});
