import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputQuery } from '../api/schemas';
import { Catalog } from './catalog';

let dir: string;
let catalog: Catalog;

/** Inserts outputs with made-up hashes (the repository does not read files). */
function seed(count: number, personId: number | null = null): number[] {
  return Array.from({ length: count }, (_, i) => {
    const hash = String(personId ?? 0) + (i + 1).toString(16).padStart(63, '0');
    catalog.addObject({ hash, size: 1, mime: 'image/png' });
    return catalog.outputs.insert({
      kind: 'image',
      objectHash: hash,
      thumbHash: null,
      width: 8,
      height: 8,
      source: 'generate',
      seed: 100 - i,
      personId,
      createdAt: 1_000 + i,
      prompt: `p${i}`,
    });
  });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-outputs-'));
  catalog = Catalog.open(dir);
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outputs and reviews', () => {
  it('lists newest first with paging and a total', () => {
    const ids = seed(5);
    const page = catalog.outputs.list(OutputQuery.parse({ limit: 2, offset: 1 }));
    expect(page.total).toBe(5);
    expect(page.items.map((o) => o.id)).toEqual([ids[3], ids[2]]);
    expect(catalog.outputs.list(OutputQuery.parse({ sort: 'seed', limit: 1 })).items[0]!.seed).toBe(96);
  });

  it('writes review decisions at once and filters on them', () => {
    const ids = seed(6);
    expect(catalog.outputs.setReview({ ids: [ids[0]!, ids[1]!], flag: 'pick', stars: 4 })).toBe(2);
    catalog.outputs.setReview({ ids: [ids[2]!], flag: 'reject' });
    catalog.outputs.setReview({ ids: [ids[3]!], label: 'green', note: 'nice eyes' });
    const picks = catalog.outputs.list(OutputQuery.parse({ flag: 'pick' }));
    expect(picks.items.map((o) => o.id).sort()).toEqual([ids[0], ids[1]].sort());
    expect(picks.items[0]!.review).toMatchObject({ flag: 'pick', stars: 4, updatedAt: expect.any(Number) });
    expect(catalog.outputs.list(OutputQuery.parse({ flag: 'none' })).total).toBe(3);
    expect(catalog.outputs.list(OutputQuery.parse({ minStars: 3 })).total).toBe(2);
    expect(catalog.outputs.list(OutputQuery.parse({ label: 'green' })).items[0]!.review.note).toBe('nice eyes');
    // Clearing a flag keeps the stars.
    catalog.outputs.setReview({ ids: [ids[0]!], flag: null });
    expect(catalog.outputs.summary(ids[0]!).review).toMatchObject({ flag: null, stars: 4 });
  });

  it('filters by person and keeps outputs when their person is deleted', () => {
    const person = catalog.people.create({ name: 'Ann', classWord: 'woman', notes: '' });
    seed(2, person.id);
    seed(3);
    expect(catalog.outputs.list(OutputQuery.parse({ personId: person.id })).total).toBe(2);
    catalog.people.remove(person.id);
    expect(catalog.outputs.count()).toBe(5);
  });

  it('suggests a trigger word when none is given, unique per library', () => {
    const a = catalog.people.create({ name: 'Ada Lovelace', classWord: 'woman', notes: '' });
    const b = catalog.people.create({ name: 'Adam Smith', classWord: 'man', notes: '' });
    expect(a.trigger).toMatch(/^[a-z][a-z0-9]{1,15}$/);
    expect(b.trigger).not.toBe(a.trigger);
  });
});
