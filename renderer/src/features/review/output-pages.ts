import { useQueries } from '@tanstack/react-query';
import { studio } from '../../api';
import type { OutputQuery, OutputSummary } from '../../api/types';
import { queryKeys } from '../../app/query';

export const PAGE_SIZE = 200;
type Filters = Omit<OutputQuery, 'offset' | 'limit'>;

/**
 * Random access over `catalog.listOutputs` in pages of 200 by offset: only the pages that cover the
 * visible rows are fetched (page 0 always, for the total). Events invalidate them; active ones refetch.
 */
export function useOutputPages(filters: Filters, firstIndex: number, lastIndex: number) {
  const pages = new Set<number>([0]);
  if (lastIndex >= firstIndex) {
    for (let p = Math.floor(firstIndex / PAGE_SIZE); p <= Math.floor(lastIndex / PAGE_SIZE); p++) pages.add(p);
  }
  const wanted = [...pages].sort((a, b) => a - b);
  const results = useQueries({
    queries: wanted.map((page) => ({
      queryKey: [...queryKeys.outputs, 'page', filters, page] as const,
      queryFn: () => studio.api.catalog.listOutputs({ ...filters, offset: page * PAGE_SIZE, limit: PAGE_SIZE }),
      staleTime: 60_000,
    })),
  });
  const first = results[0]!;
  const byPage = new Map(wanted.map((page, i) => [page, results[i]?.data?.items]));
  return {
    total: first.data?.total,
    isPending: first.isPending,
    error: results.find((r) => r.error)?.error ?? null,
    itemAt(index: number): OutputSummary | undefined {
      return byPage.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
    },
  };
}
