import { likenessKeys } from './likeness';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { studio } from '../../api';
import type { OutputFilter, ReviewPatch } from '../../api/types';
import { queryKeys, refreshQueries } from '../../app/query';
import { Decisions } from './decisions';
import { SummaryStore } from './summaries';

/** Query keys of the review page; under `outputs` so imports and finished jobs refresh them (app/live-updates.ts). */
export const reviewKeys = {
  ids: (query: unknown) => [...queryKeys.outputs, 'ids', query] as const,
  facets: [...queryKeys.outputs, 'facets'] as const,
  collections: [...queryKeys.outputs, 'collections'] as const,
  stats: (by: string, filter: OutputFilter) => [...queryKeys.outputs, 'stats', by, filter] as const,
  faces: (id: number) => ['faces', id] as const,
};

interface ReviewServices {
  store: SummaryStore;
  decisions: Decisions;
}

const ReviewContext = createContext<ReviewServices | null>(null);

export function useReviewServices(): ReviewServices {
  const services = useContext(ReviewContext);
  if (!services) throw new Error('useReviewServices outside ReviewServicesProvider');
  return services;
}

/**
 * One summary store and one decision queue for the review page. Review changes made elsewhere (another
 * window, the CLI) refresh the summaries they touch; this page's own writes are not fetched again.
 */
export function ReviewServicesProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const [services] = useState<ReviewServices & { ownWrites: Map<number, number> }>(() => {
    const store = new SummaryStore((ids) => studio.api.catalog.getOutputs({ ids }));
    const ownWrites = new Map<number, number>();
    const writer = {
      set: (patch: ReviewPatch) => track(patch.ids, studio.api.review.set(patch)),
      put: (input: { states: { id: number }[] }) =>
        track(
          input.states.map((s) => s.id),
          studio.api.review.put(input as Parameters<typeof studio.api.review.put>[0]),
        ),
    };
    // Counts this page's writes per id, so that their echo (review:changed) is not fetched again.
    function track<T>(ids: number[], write: Promise<T>): Promise<T> {
      for (const id of ids) ownWrites.set(id, (ownWrites.get(id) ?? 0) + 1);
      write.catch(() => {
        for (const id of ids) ownWrites.set(id, Math.max(0, (ownWrites.get(id) ?? 1) - 1));
      });
      return write;
    }
    return { store, decisions: new Decisions(writer, store, studio.api.catalog), ownWrites };
  });

  useEffect(() => {
    const { store, decisions, ownWrites } = services;
    let facetsTimer: ReturnType<typeof setTimeout> | undefined;
    const refreshFacets = () => {
      facetsTimer ??= setTimeout(() => {
        facetsTimer = undefined;
        void refreshQueries(client, { queryKey: reviewKeys.facets });
      }, 1000);
    };
    const unlist = decisions.subscribeList(() => void refreshQueries(client, { queryKey: queryKeys.outputs }));
    const unsubscribe = studio.subscribe((event) => {
      if (event.type === 'review:changed') {
        const foreign = event.payload.ids.filter((id) => {
          const own = ownWrites.get(id) ?? 0;
          if (own > 0) ownWrites.set(id, own - 1);
          return own === 0;
        });
        if (foreign.length) store.invalidate(foreign);
        refreshFacets();
      } else if (event.type === 'likeness:changed') {
        // Badges change; the list is not re-sorted under the user's hands (Refresh list does that).
        store.invalidate(event.payload.ids);
        for (const id of event.payload.ids) void refreshQueries(client, { queryKey: likenessKeys.score(id) });
      } else if (event.type === 'catalog:changed') {
        store.invalidate(event.payload.ids);
        void refreshQueries(client, { queryKey: queryKeys.outputs });
      }
    });
    // After the event stream reconnects (not on its first connection), what is on screen may be stale.
    let connected = false;
    const unready = studio.onReady(() => {
      if (connected) store.clear();
      connected = true;
    });
    return () => {
      unsubscribe();
      unready();
      clearTimeout(facetsTimer);
      unlist();
    };
  }, [client, services]);

  return <ReviewContext.Provider value={services}>{children}</ReviewContext.Provider>;
}
