import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Catalog } from './catalog';
import { reconcile } from './reconcile';
import { emptyTrash, objectReferences } from './trash';

let dir: string;
let catalog: Catalog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-trash-'));
  catalog = Catalog.open(dir);
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

async function object(content: string, mime = 'image/png'): Promise<string> {
  const stored = await catalog.store.putBuffer(Buffer.from(content));
  catalog.addObject({ hash: stored.hash, size: stored.size, mime });
  return stored.hash;
}

async function output(name: string, thumbHash: string | null): Promise<number> {
  const hash = await object(`original ${name}`);
  return catalog.outputs.insert({ kind: 'image', objectHash: hash, thumbHash, width: 1, height: 1, source: 'import', originalName: name });
}

describe('emptying the trash', () => {
  it('finds every table that references objects, from the schema', () => {
    const references = objectReferences(catalog.db).map((r) => `${r.table}.${r.column}`);
    expect(references).toEqual(
      expect.arrayContaining([
        'outputs.object_hash',
        'outputs.thumb_hash',
        'photos.object_hash',
        'photos.thumb_hash',
        'sample_set_items.crop_hash',
        // Added by ALTER TABLE, so not a declared foreign key: found by its name.
        'sample_set_items.source_hash',
      ]),
    );
    expect(references).not.toContain('outputs.model_hash');
  });

  it('deletes trashed outputs and only the files nothing else references, rows first', async () => {
    // Identical pixels give identical thumbnails: b and c share one.
    const sharedThumb = await object('thumb shared', 'image/webp');
    const a = await output('a', await object('thumb a', 'image/webp'));
    const b = await output('b', sharedThumb);
    const c = await output('c', sharedThumb);
    // A photo of a person uses the same file as output d (the photo was also imported as an output).
    const d = await output('d', null);
    const person = catalog.people.create({ name: 'Ann', classWord: 'woman', notes: '' });
    const dHash = catalog.outputs.get(d).hash;
    catalog.db
      .prepare("INSERT INTO photos (person_id, object_hash, original_name, width, height, imported_at) VALUES (?, ?, 'd.png', 1, 1, 0)")
      .run(person.id, dHash);
    const aOutput = catalog.outputs.get(a);
    const bOutput = catalog.outputs.get(b);
    catalog.outputs.setReview({ ids: [a, b], flag: 'reject', addTags: ['blurry'] });
    const col = catalog.collections.create('Tries');
    catalog.collections.add(col.id, [a]);
    catalog.outputs.trash([a, b, d]);
    const trashedLater = await output('e', null);

    const progress: [number, number][] = [];
    const report = await emptyTrash(catalog, { onProgress: (done, total) => progress.push([done, total]) });
    expect(report).toMatchObject({ outputs: 3, kept: 0 });
    // a: original + thumbnail; b: original (its thumbnail is c's too); d: nothing (the photo uses its file).
    expect(report.objects).toBe(3);
    expect(report.bytes).toBeGreaterThan(0);
    expect(progress.at(-1)).toEqual([3, 3]);
    for (const hash of [aOutput.hash, aOutput.thumbHash!, bOutput.hash]) {
      expect(existsSync(catalog.store.pathOf(hash))).toBe(false);
      expect(catalog.objectMime(hash)).toBeUndefined();
    }
    for (const hash of [sharedThumb, dHash]) expect(existsSync(catalog.store.pathOf(hash))).toBe(true);
    expect(catalog.outputs.summaries([a, b, c, d, trashedLater]).map((o) => o.id)).toEqual([c, trashedLater]);
    expect(catalog.collections.get(col.id).count).toBe(0);
    expect(catalog.outputs.facets().tags).toEqual([]);
    expect(catalog.db.prepare('SELECT count(*) FROM object_purges').pluck().get()).toBe(0);
    // The start-up check finds the catalogue and the disk in step: nothing missing, nothing orphaned.
    expect(await reconcile(catalog, { graceMs: 0 })).toMatchObject({ integrity: 'ok', orphansQuarantined: 0, missingObjects: 0 });
  });

  it('leaves what was trashed after the request, and a given subset only', async () => {
    const a = await output('a', null);
    const b = await output('b', null);
    catalog.outputs.trash([a, b]);
    expect(await emptyTrash(catalog, { ids: [b] })).toMatchObject({ outputs: 1 });
    expect(await emptyTrash(catalog, { before: 0 })).toMatchObject({ outputs: 0 });
    expect(catalog.outputs.ids({ trash: true, sort: 'newest', group: 'none', utcOffsetMinutes: 0, offset: 0 }).ids).toEqual([a]);
  });

  it('finishes on the next start what a crash interrupted after the rows were committed (the files go, not to orphans)', async () => {
    const a = await output('a', await object('thumb a', 'image/webp'));
    const { hash, thumbHash } = catalog.outputs.get(a);
    // The state a crash leaves between the commit and the file removal:
    catalog.db.transaction(() => {
      catalog.db.prepare('DELETE FROM outputs WHERE id = ?').run(a);
      for (const h of [hash, thumbHash!]) {
        catalog.db.prepare('DELETE FROM objects WHERE hash = ?').run(h);
        catalog.db.prepare('INSERT INTO object_purges (hash, requested_at) VALUES (?, 0)').run(h);
      }
    })();
    // Meanwhile the same thumbnail came back (imported again): its file must stay.
    catalog.addObject({ hash: thumbHash!, size: 7, mime: 'image/webp' });
    const report = await reconcile(catalog, { graceMs: 0 });
    expect(report).toMatchObject({ purgesFinished: 1, orphansQuarantined: 0, missingObjects: 0 });
    expect(existsSync(catalog.store.pathOf(hash))).toBe(false);
    expect(existsSync(catalog.store.pathOf(thumbHash!))).toBe(true);
    expect(existsSync(catalog.paths.orphans)).toBe(false);
  });

  it('keeps an output in the trash that another record still points at', async () => {
    const a = await output('a', null);
    catalog.db.exec('CREATE TABLE test_refs (output_id INTEGER REFERENCES outputs(id))');
    catalog.db.prepare('INSERT INTO test_refs VALUES (?)').run(a);
    catalog.outputs.trash([a]);
    expect(await emptyTrash(catalog)).toMatchObject({ outputs: 0, kept: 1, objects: 0 });
    expect(catalog.outputs.facets().trash).toBe(1);
  });
});
