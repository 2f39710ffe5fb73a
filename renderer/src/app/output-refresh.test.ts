import { InfiniteQueryObserver, QueryClient, type InfiniteData } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { loadingMorePages, refreshOutputLists } from './output-refresh';
import { queryKeys } from './query';

type Page = { items: number[]; total: number };
const TOTAL = 400;
const PAGE = 60;

/** A list under the outputs key whose next page waits until the test lets it land. */
function pickerList(client: QueryClient) {
  let release = () => {};
  const calls: number[] = [];
  const observer = new InfiniteQueryObserver<Page, Error, InfiniteData<Page, number>, readonly unknown[], number>(client, {
    queryKey: [...queryKeys.outputs, 'picker'],
    initialPageParam: 0,
    queryFn: async ({ pageParam }) => {
      calls.push(pageParam);
      if (pageParam > 0 && calls.filter((offset) => offset === pageParam).length === 1) await new Promise<void>((resolve) => (release = resolve));
      return { items: Array.from({ length: Math.min(PAGE, TOTAL - pageParam) }, (_, i) => pageParam + i), total: TOTAL };
    },
    getNextPageParam: (_last, pages) => {
      const loaded = pages.reduce((n, page) => n + page.items.length, 0);
      return loaded < TOTAL ? loaded : undefined;
    },
  });
  const unsubscribe = observer.subscribe(() => {});
  return { observer, calls, release: () => release(), unsubscribe };
}

describe('refreshing the output lists while the user loads more', () => {
  it('keeps the page the user asked for, then refreshes every page', async () => {
    const client = new QueryClient();
    const list = pickerList(client);
    await vi.waitFor(() => expect(list.observer.getCurrentResult().data?.pages).toHaveLength(1));

    // "Show 60 more", and new outputs arrive while that page is on its way.
    const more = list.observer.fetchNextPage();
    expect(loadingMorePages(client)).toBe(true);
    const stop = refreshOutputLists(client, 5);
    list.release();
    await more;

    // The refresh waited: both pages were refetched afterwards, and both are shown.
    await vi.waitFor(() => expect(list.calls).toEqual([0, 60, 0, 60]));
    await vi.waitFor(() => expect(list.observer.getCurrentResult().isFetching).toBe(false));
    expect(list.observer.getCurrentResult().data?.pages.map((page) => page.items.length)).toEqual([60, 60]);
    expect(loadingMorePages(client)).toBe(false);
    stop();
    list.unsubscribe();
    client.clear();
  });

  it('refreshes at once when no page is loading', async () => {
    const client = new QueryClient();
    const list = pickerList(client);
    await vi.waitFor(() => expect(list.observer.getCurrentResult().data?.pages).toHaveLength(1));
    expect(loadingMorePages(client)).toBe(false);
    refreshOutputLists(client, 5);
    await vi.waitFor(() => expect(list.calls).toEqual([0, 0]));
    list.unsubscribe();
    client.clear();
  });
});
