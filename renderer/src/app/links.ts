import type { OutputFilter } from '../api/types';

/*
 * Links between pages. Routes live in the hash (`#/review`) and their query in the page's search
 * (`?batch=…#/review`: wouter's hash navigation puts it there), so a link works inside the app, after a
 * reload, and pasted into the address bar.
 */
/** At most this many outputs named in a link (the catalogue takes 1000; a batch link is shorter). */
const MAX_LINKED_OUTPUTS = 1000;

/**
 * The filter a link into Review asks for ("Open in Review" on a finished batch, restore or reel):
 * `?batch=<id>` or `?outputs=1,2,3`. It replaces the filters that could hide those outputs (flag,
 * stars, search…); null when the link names nothing usable, so Review keeps what it had.
 */
export function filterFromLink(search: string): OutputFilter | null {
  const params = new URLSearchParams(search);
  const batch = params.get('batch')?.trim();
  if (batch) return { batchId: batch.slice(0, 500) };
  const ids = [
    ...new Set(
      (params.get('outputs') ?? '')
        .split(',')
        .map((part) => Number(part.trim()))
        .filter((n) => Number.isSafeInteger(n) && n > 0),
    ),
  ].slice(0, MAX_LINKED_OUTPUTS);
  return ids.length ? { ids } : null;
}

/** The Review link that shows just these outputs. */
export function reviewLink(target: { batchId: string } | { outputIds: readonly number[] }): string {
  return 'batchId' in target ? `/review?batch=${encodeURIComponent(target.batchId)}` : `/review?outputs=${target.outputIds.join(',')}`;
}

/**
 * `#/reels?outputs=1,2` (a link pasted or opened in a new tab) as `?outputs=1,2#/reels`, where the router
 * reads the query; null when the hash carries no query. A query in the hash replaces the page's search,
 * as an in-app navigation does.
 */
export function moveHashQueryToSearch(href: string): string | null {
  const url = new URL(href);
  const at = url.hash.indexOf('?');
  if (at < 0) return null;
  url.search = url.hash.slice(at + 1);
  url.hash = url.hash.slice(0, at);
  return url.href;
}
