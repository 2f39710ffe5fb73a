import { describe, expect, it } from 'vitest';
import type { Db } from '../sqlite';
import { getTableData, insertData, insertImageOutput, libraryAtVersion, updateToVersion } from './testing';

function insertOutput(db: Db, id: number, fields: { prompt?: string; loras?: string; name?: string } = {}) {
  insertImageOutput(db, id, {
    created_at: id * 1000,
    prompt: fields.prompt ?? null,
    loras: fields.loras ?? '[]',
    original_name: fields.name ?? null,
  });
}

const fts = (db: Db, query: string) =>
  db.prepare('SELECT rowid FROM outputs_fts WHERE outputs_fts MATCH ? ORDER BY rowid').pluck().all(query) as number[];

describe('migration 004 (review)', () => {
  it('brings an existing library along: review fields, LoRA rows and the search index are filled from what is there', () => {
    const db = libraryAtVersion(1);
    insertOutput(db, 1, {
      prompt: 'portrait of ohwx woman, film grain',
      loras: '[{"name":"ohwx_v1","weight":0.8,"hash":null}]',
      name: 'IMG_0042.png',
    });
    insertOutput(db, 2, { prompt: 'a lighthouse at dusk', loras: 'not json' });
    db.prepare("UPDATE reviews SET flag = 'pick', stars = 4, label = 'green', note = 'keeper' WHERE output_id = 1").run();
    insertData(db, 'tags', [{ name: 'favourite' }]);
    insertData(db, 'output_tags', [{ output_id: 2, tag_id: 1 }]);

    expect(updateToVersion(db)).toContain(4);
    expect(db.prepare('SELECT flag, stars, label FROM outputs WHERE id = 1').get()).toEqual({ flag: 'pick', stars: 4, label: 'green' });
    expect(db.prepare('SELECT output_id, name, weight FROM output_loras').all()).toEqual([{ output_id: 1, name: 'ohwx_v1', weight: 0.8 }]);
    expect(fts(db, 'film')).toEqual([1]);
    expect(fts(db, 'keeper')).toEqual([1]);
    expect(fts(db, 'favourite')).toEqual([2]);
    expect(fts(db, 'img_0042')).toEqual([1]);
    expect(fts(db, 'ohwx_v1')).toEqual([1]);
    db.close();
  });

  it('keeps the copies in step on every write, whoever writes', () => {
    const db = libraryAtVersion();
    insertOutput(db, 1, { prompt: 'close-up, soft light', loras: '[{"name":"detail","weight":1,"hash":null}]' });
    db.prepare("UPDATE reviews SET flag = 'reject', stars = 2 WHERE output_id = 1").run();
    expect(db.prepare('SELECT flag, stars, label FROM outputs WHERE id = 1').get()).toEqual({ flag: 'reject', stars: 2, label: null });
    db.prepare("UPDATE reviews SET note = 'eyes closed' WHERE output_id = 1").run();
    expect(fts(db, 'eyes')).toEqual([1]);
    insertData(db, 'tags', [{ name: 'blink' }]);
    insertData(db, 'output_tags', [{ output_id: 1, tag_id: 1 }]);
    expect(fts(db, 'tags:blink')).toEqual([1]);
    db.prepare('DELETE FROM output_tags WHERE output_id = 1').run();
    expect(fts(db, 'tags:blink')).toEqual([]);
    db.prepare(`UPDATE outputs SET loras = '[{"name":"other","weight":0.5,"hash":null}]', prompt = 'full body' WHERE id = 1`).run();
    expect(db.prepare('SELECT name FROM output_loras').pluck().all()).toEqual(['other']);
    expect(fts(db, 'soft')).toEqual([]);
    expect(fts(db, '"full body"')).toEqual([1]);
    expect(fts(db, 'detail')).toEqual([]);
    // Deleting an output takes its index entry, LoRA rows and collection memberships with it.
    insertData(db, 'collections', [{ name: 'best', created_at: 0 }]);
    insertData(db, 'collection_items', [{ collection_id: 1, output_id: 1, added_at: 0 }]);
    db.prepare('DELETE FROM outputs WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM outputs_fts').pluck().get()).toBe(0);
    expect(getTableData(db, 'output_loras')).toEqual([]);
    expect(getTableData(db, 'collection_items')).toEqual([]);
    expect(getTableData(db, 'collections')).toHaveLength(1);
    db.close();
  });

  it('refuses duplicate collection names whatever their case', () => {
    const db = libraryAtVersion();
    insertData(db, 'collections', [{ name: 'Best of May', created_at: 0 }]);
    expect(() => insertData(db, 'collections', [{ name: 'best of may', created_at: 0 }])).toThrow(/UNIQUE/);
    db.close();
  });
});

describe('the catalogue integrity check with the search index', () => {
  it('says ok after another connection (a job worker) wrote to the index this one created (see also disk-full.test)', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Catalog } = await import('../catalog');
    const dir = mkdtempSync(join(tmpdir(), 'likeness-fts-'));
    const main = Catalog.open(dir);
    const worker = Catalog.open(dir);
    try {
      for (let i = 1; i <= 3; i++) insertOutput(worker.db, i, { prompt: `portrait ${i}`, name: `p${i}.png` });
      expect(main.integrity('full')).toBe('ok');
      expect(main.db.prepare("SELECT count(*) FROM outputs_fts WHERE outputs_fts MATCH 'portrait'").pluck().get()).toBe(3);
    } finally {
      worker.close();
      main.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
