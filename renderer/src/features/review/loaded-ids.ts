import type { OutputIds } from '../../api/types';

/** Where each loaded id is in the list. A new object whenever more ids arrive, so memos that read it rerun. */
export interface PositionIndex {
  get(id: number): number | undefined;
  has(id: number): boolean;
}

const EMPTY: readonly number[] = [];

export interface LoadedIds {
  ids: readonly number[];
  positions: PositionIndex;
  /** Every chunk agrees on the total and continues where the last ended, and no id came twice. */
  consistent: boolean;
}

type Built = { pages: readonly OutputIds[]; map: Map<number, number>; ids: number[]; consistent: boolean };
/** Per list (keyed by its first page; a refetch may keep an unchanged one): what has been indexed so far. */
const builtFor = new WeakMap<OutputIds, Built>();

/**
 * The loaded ids in one array and their positions, extended chunk by chunk: a map of 1,000,000 ids takes over 100 ms
 * to build, so each chunk adds its own ids rather than the whole map being built again.
 */
export function loadedIds(pages: readonly OutputIds[] | undefined): LoadedIds {
  const first = pages?.[0];
  if (!pages || !first) return { ids: EMPTY, positions: { get: () => undefined, has: () => false }, consistent: true };
  let state = builtFor.get(first);
  // Only pages added after those indexed; any page replaced (a refetch keeps an unchanged first page as the same
  // object, but may bring different later ones) means indexing again from the start.
  const extends_ = state !== undefined && state.pages.length <= pages.length && state.pages.every((page, i) => page === pages[i]);
  if (!state || !extends_) builtFor.set(first, (state = { pages: [], map: new Map(), ids: [], consistent: true }));
  for (const page of pages.slice(state.pages.length)) {
    if (page.total !== first.total || page.offset !== state.ids.length) state.consistent = false;
    for (const id of page.ids) {
      if (state.map.has(id)) state.consistent = false;
      state.map.set(id, state.ids.length);
      state.ids.push(id);
    }
  }
  state.pages = pages;
  const { map, consistent } = state;
  // A fresh array when more arrived, so components that compare ids by identity see the new ones.
  const ids = pages.length === 1 ? first.ids : state.ids.slice();
  return { ids, positions: { get: (id: number) => map.get(id), has: (id: number) => map.has(id) }, consistent };
}
