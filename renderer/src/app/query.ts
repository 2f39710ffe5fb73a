import { QueryClient, type InvalidateQueryFilters } from '@tanstack/react-query';
import { isStudioError } from '../api/types';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Events keep the caches fresh; refetch on focus only as a safety net.
      staleTime: 30_000,
      // Engine errors (bad input, missing rows) do not get better by retrying.
      retry: (count, error) => !isStudioError(error) && count < 2,
    },
  },
});

export const queryKeys = {
  people: ['people'] as const,
  jobs: ['jobs'] as const,
  outputs: ['outputs'] as const,
  output: (id: number) => ['output', id] as const,
  browse: (path: string | undefined) => ['browse', path ?? ''] as const,
};

/**
 * Marks queries stale and refetches those on screen, after the engine said their data changed. TanStack's
 * invalidate alone lets a *first* load already on its way finish with the answer from before the change and
 * calls it fresh (it restarts only fetches of queries that have data): such a load is cancelled first, so it
 * is asked again.
 */
export async function refreshQueries(client: QueryClient, filters: InvalidateQueryFilters = {}): Promise<void> {
  const firstLoads = client
    .getQueryCache()
    .findAll({ ...filters, fetchStatus: 'fetching' })
    .filter((query) => query.state.data === undefined);
  await Promise.all(firstLoads.map((query) => query.cancel({ revert: true, silent: true })));
  await client.invalidateQueries(filters);
}
