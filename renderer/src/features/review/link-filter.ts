import { useCallback, useEffect, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import type { OutputFilter } from '../../api/types';
import { filterFromLink } from '../../app/links';
import { isLinkFilter } from './review-settings';

/**
 * A link from another page ("Open in Review" on a batch, a restore, a reel) shows just what it names, as a
 * removable chip. Applied while rendering (not in an effect), so the grid never asks for the old filter first;
 * the query then leaves the address, so removing the chip and reloading does not bring it back.
 *
 * `apply` is called (during render) with the link's filter; `dropLinkFilter` takes such a filter off again (an
 * import shows what it brings: a link's filter, "1 output", would hide it).
 */
export function useLinkFilter(
  current: OutputFilter,
  apply: (linked: OutputFilter) => void,
  setFilter: (change: Partial<OutputFilter>) => void,
): { dropLinkFilter: () => void } {
  const linkQuery = useSearch();
  const [, navigate] = useLocation();
  const [seenLinkQuery, setSeenLinkQuery] = useState('');
  const linked = filterFromLink(linkQuery);
  if (linkQuery !== seenLinkQuery) {
    setSeenLinkQuery(linkQuery);
    if (linked) apply(linked);
  }
  const hasLink = linked !== null;
  useEffect(() => {
    if (hasLink) navigate('/review?', { replace: true });
  }, [hasLink, navigate]);
  const dropLinkFilter = useCallback(() => {
    if (isLinkFilter(current)) setFilter({ ids: undefined, batchId: undefined });
  }, [current, setFilter]);
  return { dropLinkFilter };
}
