import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputIdsQuery, OutputQuery } from '../api/schemas';
import { Catalog } from './catalog';
import type { Db } from './sqlite';

describe("the catalogue's read-only connection (read paths cannot write)", () => {
  let dir: string;
  let catalog: Catalog;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'likeness-reader-'));
    catalog = Catalog.open(dir);
  });
  afterEach(() => {
    catalog.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a write at the SQLite level, and is not a writable connection to the compiler', () => {
    expect(() => catalog.reader.prepare("INSERT INTO settings (key, value) VALUES ('x', 'y')").run()).toThrow(
      expect.objectContaining({ code: 'SQLITE_READONLY' }),
    );
    // @ts-expect-error a ReadableDb never passes for the writable connection (tsc checks this line)
    const writable: Db = catalog.reader;
    expect(writable.readonly).toBe(true);
    expect(catalog.db.readonly).toBe(false);
  });

  it('the grid lists, facets and counts read through it and see every committed write at once', () => {
    const stored = { hash: 'a'.repeat(64), size: 1, mime: 'image/png', width: 8, height: 8 };
    catalog.addObject(stored);
    const id = catalog.outputs.insert({ kind: 'image', objectHash: stored.hash, width: 8, height: 8, source: 'import', createdAt: 1 } as Parameters<
      Catalog['outputs']['insert']
    >[0]);
    expect(catalog.outputs.ids(OutputIdsQuery.parse({})).ids).toEqual([id]);
    catalog.outputs.setReview({ ids: [id], flag: 'pick' } as Parameters<Catalog['outputs']['setReview']>[0]);
    expect(catalog.outputs.list(OutputQuery.parse({ filter: { flag: 'pick' } })).total).toBe(1);
    expect(catalog.outputs.facets().picks).toBe(1);
  });
});
