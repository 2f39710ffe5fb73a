import { describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatch';
import type { StudioHandlers } from '../api/contract';

describe('dispatch of invalid input', () => {
  it('names the field and gives a hint that makes sense in the CLI and the UI alike (nothing is “highlighted” there)', async () => {
    const dispatch = createDispatcher({} as StudioHandlers);
    const envelope = await dispatch('catalog:listOutputs', { limit: 100_000 });
    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.code).toBe('INVALID_INPUT');
    expect(envelope.error.message).toMatch(/^limit: /);
    expect(envelope.error.hint).toBe('Correct the value named before the colon and try again.');
  });
});

describe('change events', () => {
  it('are sent by the dispatcher after a method that changes what other windows show, with what it changed', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { createStudio } = await import('./studio');
    const { writeNoiseImages } = await import('../testing/images');
    const root = mkdtempSync(join(tmpdir(), 'likeness-change-events-'));
    const studio = await createStudio({ library: join(root, 'library') });
    try {
      await writeNoiseImages(join(root, 'in'), 2, 32);
      await studio.jobs.waitFor((await studio.api.catalog.import({ path: join(root, 'in') })).id);
      const [a, b] = (await studio.api.catalog.listOutputs({})).items.map((o) => o.id);
      const seen: { type: string; payload: unknown }[] = [];
      studio.events.subscribe((event) => {
        if (event.type.endsWith(':changed')) seen.push(event);
      });
      await studio.api.review.set({ ids: [a!, b!], stars: 3 });
      await studio.api.catalog.trash({ ids: [a!, a!] });
      await studio.api.catalog.trash({ ids: [a!] }); // already there: nothing changed, nothing said
      const person = await studio.api.people.create({ name: 'Ada' });
      // A read changes nothing.
      await studio.api.catalog.listOutputs({});
      expect(seen).toEqual([
        { type: 'review:changed', payload: { ids: [a, b] } },
        { type: 'catalog:changed', payload: { ids: [a], change: 'trashed' } },
        { type: 'people:changed', payload: { personId: person.id } },
      ]);
      // A refused call says nothing either.
      await expect(studio.api.review.set({ ids: [999_999], stars: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(seen).toHaveLength(3);
    } finally {
      await studio.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
