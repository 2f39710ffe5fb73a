import { useCallback, useState } from 'react';
import type { OutputFilter, OutputGrouping, OutputSort } from '../../api/types';
import { readStorage, writeStorage } from '../../app/i18n';

export type ReviewView = 'grid' | 'loupe' | 'compare' | 'stats';

/** What the review page remembers between sessions (like Lightroom's Library filter and view). */
export interface ReviewSettings {
  filter: OutputFilter;
  sort: OutputSort;
  group: OutputGrouping;
  view: ReviewView;
  autoAdvance: boolean;
  showInfo: boolean;
  showRail: boolean;
  /** The same two panels in a narrow window (below 1280 px), where they start closed. */
  showInfoNarrow: boolean;
  showRailNarrow: boolean;
  tileSize: number;
}

export const defaultSettings: ReviewSettings = {
  filter: {},
  sort: 'newest',
  group: 'none',
  view: 'grid',
  autoAdvance: false,
  showInfo: true,
  showRail: true,
  showInfoNarrow: false,
  showRailNarrow: false,
  tileSize: 176,
};

const STORAGE_KEY = 'likeness.review';

function load(): ReviewSettings {
  try {
    const stored = JSON.parse(readStorage(STORAGE_KEY) ?? '{}') as Partial<ReviewSettings>;
    const settings = { ...defaultSettings, ...stored, filter: { ...(stored.filter ?? {}) } };
    // Compare needs a fresh choice of images; a reload opens the grid or the loupe.
    if (settings.view === 'compare') settings.view = 'grid';
    return settings;
  } catch {
    return defaultSettings;
  }
}

/** A filter a link set (“Open in Review” on a batch, a restore, a reel): just what the link names. */
export function isLinkFilter(filter: OutputFilter): boolean {
  return (filter.ids !== undefined && filter.ids.length > 0) || Boolean(filter.batchId);
}

export function useReviewSettings(): [ReviewSettings, (change: Partial<ReviewSettings> | ((s: ReviewSettings) => Partial<ReviewSettings>)) => void] {
  const [settings, setSettings] = useState(load);
  const update = useCallback((change: Partial<ReviewSettings> | ((s: ReviewSettings) => Partial<ReviewSettings>)) => {
    setSettings((current) => {
      const next = { ...current, ...(typeof change === 'function' ? change(current) : change) };
      // A link's filter is for this visit only: what is remembered is the filter the user made, so leaving Review
      // and coming back (or reloading) does not keep "From a link: 1 output" hiding everything else.
      writeStorage(STORAGE_KEY, JSON.stringify(isLinkFilter(next.filter) ? { ...next, filter: load().filter } : next));
      return next;
    });
  }, []);
  return [settings, update];
}

/** Filter fields that are set (the trash and the collection are "sources", shown in the rail instead). */
export function activeFilterKeys(filter: OutputFilter): (keyof OutputFilter)[] {
  return (Object.keys(filter) as (keyof OutputFilter)[]).filter(
    (key) => filter[key] !== undefined && filter[key] !== '' && key !== 'trash' && key !== 'collectionId',
  );
}

/** Drops unset fields so the query key (and the URL of the request) stays small and stable. */
export function cleanFilter(filter: OutputFilter): OutputFilter {
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined && value !== '' && value !== false)) as OutputFilter;
}
