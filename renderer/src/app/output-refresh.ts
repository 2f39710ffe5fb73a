import type { QueryClient } from '@tanstack/react-query';
import { queryKeys, refreshQueries } from './query';

/**
 * True while a list under the outputs key loads a page the user asked for ("Show more"). Refreshing then
 * would cancel that fetch (TanStack's invalidate cancels in-flight fetches) and refetch only the pages
 * already there: the click would be lost.
 */
export function loadingMorePages(client: QueryClient): boolean {
  return client
    .getQueryCache()
    .findAll({ queryKey: queryKeys.outputs, fetchStatus: 'fetching' })
    .some((query) => query.state.fetchMeta?.fetchMore !== undefined);
}

/**
 * Refreshes the output lists, after any page the user asked for has landed (then every loaded page is
 * refetched, the new one included).
 */
export function refreshOutputLists(client: QueryClient, retryAfterMs: number): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = () => {
    timer = undefined;
    if (loadingMorePages(client)) timer = setTimeout(run, retryAfterMs);
    else void refreshQueries(client, { queryKey: queryKeys.outputs });
  };
  run();
  return () => clearTimeout(timer);
}
