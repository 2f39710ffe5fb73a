import { useSyncExternalStore } from 'react';
import type { OutputSummary, ReviewState } from '../../api/types';

type Listener = () => void;

/** How many summaries one request asks for (the grid shows a few dozen at a time). */
export const SUMMARY_CHUNK = 200;

/**
 * The summaries of the outputs the grid, loupe and filmstrip show, by id. Requests are batched (everything
 * asked for in one tick goes in one call of up to 200 ids); each id has its own listeners, so a review
 * decision re-renders one tile, not the grid.
 */
export class SummaryStore {
  private readonly items = new Map<number, OutputSummary>();
  private inFlight = new Set<number>();
  private readonly wanted = new Set<number>();
  private readonly listeners = new Map<number, Set<Listener>>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private generation = 0;

  constructor(private readonly fetchSummaries: (ids: number[]) => Promise<OutputSummary[]>) {}

  get(id: number): OutputSummary | undefined {
    return this.items.get(id);
  }

  /** Asks for the summaries of `ids` that are neither here nor on their way. */
  ensure(ids: Iterable<number>): void {
    for (const id of ids) if (!this.items.has(id) && !this.inFlight.has(id)) this.wanted.add(id);
    if (this.wanted.size && !this.flushTimer) this.flushTimer = setTimeout(() => void this.flush(), 0);
  }

  /** Resolves once the given summaries are here (the loupe waits for the next image's hash). */
  async load(ids: number[]): Promise<void> {
    this.ensure(ids);
    await this.flush();
    while (ids.some((id) => this.inFlight.has(id) || this.wanted.has(id))) await new Promise((r) => setTimeout(r, 5));
  }

  private async flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const ids = [...this.wanted];
    this.wanted.clear();
    const generation = this.generation;
    const inFlight = this.inFlight;
    await Promise.all(
      Array.from({ length: Math.ceil(ids.length / SUMMARY_CHUNK) }, async (_, i) => {
        const chunk = ids.slice(i * SUMMARY_CHUNK, (i + 1) * SUMMARY_CHUNK);
        for (const id of chunk) inFlight.add(id);
        try {
          const summaries = await this.fetchSummaries(chunk);
          // Cleared meanwhile (the event stream reconnected): these may be stale, and were asked for again.
          if (generation !== this.generation) return;
          for (const summary of summaries) this.put(summary);
        } catch {
          // Left out: the next ensure() for these ids asks again.
        } finally {
          for (const id of chunk) inFlight.delete(id);
        }
      }),
    );
  }

  put(summary: OutputSummary): void {
    this.items.set(summary.id, summary);
    this.notify(summary.id);
  }

  /** Writes review fields into the summaries that are here (what the engine confirmed, or an optimistic guess). */
  applyReview(states: readonly ReviewState[]): void {
    for (const state of states) {
      const current = this.items.get(state.id);
      if (!current) continue;
      const review = { ...current.review };
      if (state.flag !== undefined) review.flag = state.flag;
      if (state.stars !== undefined) review.stars = state.stars;
      if (state.label !== undefined) review.label = state.label;
      if (state.note !== undefined) review.note = state.note;
      this.put({ ...current, review });
    }
  }

  /** Forgets summaries (changed elsewhere) and fetches again those on screen. */
  invalidate(ids: readonly number[]): void {
    const shown: number[] = [];
    for (const id of ids) {
      if (!this.items.delete(id)) continue;
      if (this.listeners.get(id)?.size) shown.push(id);
      this.notify(id);
    }
    this.ensure(shown);
  }

  /** Forgets everything; what is on screen is fetched again. */
  clear(): void {
    this.generation++;
    this.inFlight = new Set();
    const ids = [...this.items.keys()];
    this.items.clear();
    for (const id of ids) this.notify(id);
    this.ensure(this.listeners.keys());
  }

  subscribe(id: number, listener: Listener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(id);
    };
  }

  private notify(id: number): void {
    for (const listener of this.listeners.get(id) ?? []) listener();
  }
}

/** The summary of one output, re-rendering when it changes; asks the store for it when it is not there. */
export function useSummary(store: SummaryStore, id: number | null | undefined): OutputSummary | undefined {
  const summary = useSyncExternalStore(
    (listener) => (id == null ? () => {} : store.subscribe(id, listener)),
    () => (id == null ? undefined : store.get(id)),
  );
  if (id != null && !summary) store.ensure([id]);
  return summary;
}
