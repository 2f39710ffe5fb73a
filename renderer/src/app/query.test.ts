import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { refreshQueries } from './query';

/** A list whose first answer is held until the test lets it go: the server's state from before a change. */
function slowFirstAnswer(client: QueryClient) {
  let server = ['Bea'];
  let release = () => {};
  let calls = 0;
  const observer = new QueryObserver<string[]>(client, {
    queryKey: ['people'],
    queryFn: async () => {
      const answer = [...server];
      if (++calls === 1) await new Promise<void>((resolve) => (release = resolve));
      return answer;
    },
    staleTime: 30_000,
  });
  const unsubscribe = observer.subscribe(() => {});
  return { observer, change: (people: string[]) => (server = people), release: () => release(), unsubscribe };
}

describe('refreshing a query after a change the server announced', () => {
  it('does not keep the answer of a first load that was already on its way (TanStack lets it finish and calls it fresh)', async () => {
    const client = new QueryClient();
    const people = slowFirstAnswer(client);
    await vi.waitFor(() => expect(client.getQueryState(['people'])?.fetchStatus).toBe('fetching'));
    // Someone is added while the page's first load is on its way, and the event arrives before that answer.
    people.change(['Bea', 'Ada']);
    const refreshed = refreshQueries(client, { queryKey: ['people'] });
    people.release();
    await refreshed;
    await vi.waitFor(() => expect(people.observer.getCurrentResult().data).toEqual(['Bea', 'Ada']));
    people.unsubscribe();
  });

  it('where TanStack’s invalidate alone keeps the answer from before the change, and calls it fresh', async () => {
    const client = new QueryClient();
    const people = slowFirstAnswer(client);
    await vi.waitFor(() => expect(client.getQueryState(['people'])?.fetchStatus).toBe('fetching'));
    people.change(['Bea', 'Ada']);
    const invalidated = client.invalidateQueries({ queryKey: ['people'] });
    people.release();
    await invalidated;
    await vi.waitFor(() => expect(client.getQueryState(['people'])?.fetchStatus).toBe('idle'));
    expect(people.observer.getCurrentResult().data).toEqual(['Bea']);
    expect(people.observer.getCurrentResult().isStale).toBe(false);
    people.unsubscribe();
  });
});
