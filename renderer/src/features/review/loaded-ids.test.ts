import { describe, expect, it } from 'vitest';
import type { OutputIds } from '../../api/types';
import { loadedIds } from './loaded-ids';

const page = (offset: number, ids: number[], total: number): OutputIds => ({ ids, offset, total, groups: [], videos: 0 });

describe('the grid’s loaded ids, chunk by chunk', () => {
  it('appends each chunk to the positions, and says the list is consistent', () => {
    const first = page(0, [9, 8], 5);
    const one = loadedIds([first]);
    expect(one.ids).toEqual([9, 8]);
    const second = page(2, [7, 6, 5], 5);
    const two = loadedIds([first, second]);
    expect(two.ids).toEqual([9, 8, 7, 6, 5]);
    expect([9, 8, 7, 6, 5].map((id) => two.positions.get(id))).toEqual([0, 1, 2, 3, 4]);
    expect(two.consistent).toBe(true);
    // The earlier answer still reads as it did.
    expect(one.ids).toEqual([9, 8]);
  });

  it('indexes again when a refetch keeps the first page but brings other later ones', () => {
    const first = page(0, [9, 8], 4);
    loadedIds([first, page(2, [7, 6], 4)]);
    const refetched = loadedIds([first, page(2, [6, 7], 4)]);
    expect(refetched.ids).toEqual([9, 8, 6, 7]);
    expect(refetched.positions.get(6)).toBe(2);
    expect(refetched.consistent).toBe(true);
  });

  it('is inconsistent when the catalogue changed between chunks: another total, a gap, or an id twice', () => {
    expect(loadedIds([page(0, [3, 2], 4), page(2, [1], 3)]).consistent).toBe(false);
    expect(loadedIds([page(0, [3, 2], 5), page(3, [1, 0], 5)]).consistent).toBe(false);
    expect(loadedIds([page(0, [3, 2], 4), page(2, [2, 1], 4)]).consistent).toBe(false);
  });
});
