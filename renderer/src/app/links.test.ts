import { describe, expect, it } from 'vitest';
import { filterFromLink, moveHashQueryToSearch, reviewLink } from './links';

describe('links between pages', () => {
  it('read the Review filter from a batch or an output link, replacing filters that could hide them', () => {
    expect(filterFromLink('?batch=3f2a-9c')).toEqual({ batchId: '3f2a-9c' });
    expect(filterFromLink('?outputs=4,2,4, 9')).toEqual({ ids: [4, 2, 9] });
    // The batch wins where both are given; nonsense ids are dropped, and nothing usable keeps Review as it was.
    expect(filterFromLink('?outputs=1&batch=b')).toEqual({ batchId: 'b' });
    expect(filterFromLink('?outputs=0,-1,x,1.5')).toBeNull();
    expect(filterFromLink('')).toBeNull();
    expect(filterFromLink('?batch=%20%20')).toBeNull();
    expect(filterFromLink(`?outputs=${Array.from({ length: 1500 }, (_, i) => i + 1).join(',')}`)!.ids).toHaveLength(1000);
  });

  it('write links that read back as the same filter', () => {
    const batch = reviewLink({ batchId: 'batch 1/&x' });
    expect(filterFromLink(batch.slice(batch.indexOf('?')))).toEqual({ batchId: 'batch 1/&x' });
    expect(reviewLink({ outputIds: [7, 3] })).toBe('/review?outputs=7,3');
  });

  it('move a query pasted into the hash to where the router reads it', () => {
    expect(moveHashQueryToSearch('http://127.0.0.1:4747/#/reels?outputs=1,2&template=memories')).toBe(
      'http://127.0.0.1:4747/?outputs=1,2&template=memories#/reels',
    );
    // It replaces an older query, as navigating in the app does.
    expect(moveHashQueryToSearch('http://127.0.0.1:4747/?batch=old#/review?outputs=5')).toBe('http://127.0.0.1:4747/?outputs=5#/review');
    expect(moveHashQueryToSearch('http://127.0.0.1:4747/?outputs=5#/reels')).toBeNull();
    expect(moveHashQueryToSearch('http://127.0.0.1:4747/')).toBeNull();
  });
});
