import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { studio } from '../../api';
import { OUTPUT_ID_WINDOWS, type OutputIds, type OutputIdsQuery } from '../../api/types';
import { loadedIds, type PositionIndex } from './loaded-ids';
import { reviewKeys } from './review-data';

export interface OutputList {
  /** The ids loaded so far, in display order: the first `ids.length` of the `total`. */
  ids: readonly number[];
  /** How many ids the whole list has (counts, the grid's height). */
  total: number;
  groups: OutputIds['groups'];
  videos: number;
  /** The whole list is loaded (select all and "export this view" need every id). */
  complete: boolean;
  indexOf: PositionIndex;
  /** The first window has arrived. */
  loaded: boolean;
  isPending: boolean;
  error: Error | null;
  refetch: () => void;
  /** The whole list, once loaded; never settles if the list changes (another filter) first. */
  whenComplete: () => Promise<readonly number[]>;
}

const NO_GROUPS: OutputIds['groups'] = [];

/**
 * The review grid's list: its first window at once (the grid paints from it), then the rest in chunks, one after
 * another, until the list is whole. At 1,000,000 outputs the whole list in one answer took over 150 ms to read and
 * 7 MB to send before anything showed; the first window takes a few ms. The windows are pages of one infinite query,
 * so a refresh (new outputs, a reconnect) refetches them in order and shows the old list until the new one is in.
 */
export function useOutputList(query: OutputIdsQuery): OutputList {
  const list = useInfiniteQuery({
    queryKey: reviewKeys.ids(query),
    queryFn: ({ pageParam }) =>
      studio.api.catalog.outputIds({ ...query, offset: pageParam, limit: pageParam === 0 ? OUTPUT_ID_WINDOWS.first : OUTPUT_ID_WINDOWS.chunk }),
    initialPageParam: 0,
    getNextPageParam: (last: OutputIds) => (last.offset + last.ids.length < last.total ? last.offset + last.ids.length : undefined),
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  const pages = list.data?.pages;
  const index = useMemo(() => loadedIds(pages), [pages]);
  const { hasNextPage, isFetching, isPlaceholderData, isError, fetchNextPage, refetch } = list;

  // Load the rest, one chunk at a time, while nothing else is being fetched for this list. A chunk that failed (after
  // TanStack's retries) is not asked for again in a loop: the error shows, and Refresh starts over.
  useEffect(() => {
    if (hasNextPage && !isFetching && !isPlaceholderData && !isError && index.consistent) void fetchNextPage();
  }, [hasNextPage, isFetching, isPlaceholderData, isError, fetchNextPage, index.consistent]);
  // The catalogue changed between two chunks (the total moved, or an id came twice): read the list again.
  useEffect(() => {
    if (!index.consistent && !isFetching && !isError) void refetch();
  }, [index.consistent, isFetching, isError, refetch]);

  const first = pages?.[0];
  // Not while the previous list stands in for this one (keepPreviousData).
  const complete = first !== undefined && !isPlaceholderData && index.ids.length === first.total && index.consistent;
  // Who waits for the whole list, and for which list.
  const waiting = useRef<{ key: string; resolve: (ids: readonly number[]) => void }[]>([]);
  const key = JSON.stringify(query);
  useEffect(() => {
    if (!complete) return;
    const ready = waiting.current.filter((w) => w.key === key);
    waiting.current = [];
    for (const w of ready) w.resolve(index.ids);
  }, [complete, key, index.ids]);
  const whenComplete = useCallback(
    () => (complete ? Promise.resolve(index.ids) : new Promise<readonly number[]>((resolve) => waiting.current.push({ key, resolve }))),
    [complete, key, index.ids],
  );
  // The same function every render (the review page's memoised filter bar takes it).
  const refetchAll = useCallback(() => void refetch(), [refetch]);
  return {
    ids: index.ids,
    total: first?.total ?? 0,
    groups: first?.groups ?? NO_GROUPS,
    videos: first?.videos ?? 0,
    complete,
    indexOf: index.positions,
    loaded: first !== undefined,
    isPending: list.isPending,
    error: list.error,
    refetch: refetchAll,
    whenComplete,
  };
}
