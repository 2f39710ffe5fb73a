import { LikenessBadge } from './likeness';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type MouseEvent, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { OutputGroup, OutputSummary } from '../../api/types';
import { countLabel } from './count-label';
import { FlagBadge, LabelDot, StarRow } from './decision-marks';
import { RIcon } from './review-icons';
import { useReviewServices } from './review-data';
import { useSummary } from './summaries';

const GAP = 10;
const PADDING = 16;
const CAPTION = 40;
const HEADER = 38;

function useWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    setWidth(element.clientWidth);
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export function outputName(output: Pick<OutputSummary, 'originalName' | 'id'>, fallback: string): string {
  return output.originalName ?? fallback;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

export interface SelectModifiers {
  /** Shift: select the range from the anchor. */
  range: boolean;
  /** Ctrl/Cmd: add or remove this one. */
  toggle: boolean;
}

const Tile = memo(function Tile({
  id,
  index,
  selected,
  current,
  onSelect,
  onOpen,
}: {
  id: number;
  index: number;
  selected: boolean;
  current: boolean;
  onSelect: (id: number, index: number, modifiers: SelectModifiers) => void;
  onOpen: (id: number, index: number) => void;
}) {
  const { t } = useTranslation();
  const { store } = useReviewServices();
  const output = useSummary(store, id);
  if (!output) return <div className="tile placeholder" aria-hidden="true" />;
  const name = outputName(output, t('review.untitled', { id }));
  const classes = ['tile', selected && 'selected', current && 'current', output.review.flag === 'reject' && 'rejected'].filter(Boolean).join(' ');
  return (
    <div
      className={classes}
      role="option"
      aria-selected={selected}
      aria-current={current || undefined}
      aria-label={name}
      data-testid="output-tile"
      data-output-id={id}
      data-index={index}
      data-flag={output.review.flag ?? 'none'}
      data-stars={output.review.stars}
      data-label={output.review.label ?? 'none'}
      onClick={(event: MouseEvent) => onSelect(id, index, { range: event.shiftKey, toggle: event.ctrlKey || event.metaKey })}
      onDoubleClick={() => onOpen(id, index)}
    >
      <span className="tile-image">
        <img src={studio.mediaUrl(output.thumbHash ?? output.hash)} alt="" decoding="async" draggable={false} />
        {output.review.label && <span className={`tile-label label-${output.review.label}`} />}
        {output.kind === 'video' && (
          <span className="tile-video">
            <RIcon name="play" size={12} filled />
            {output.durationMs !== null && formatDuration(output.durationMs)}
          </span>
        )}
        <FlagBadge flag={output.review.flag} />
        <LikenessBadge score={output.likeness} className="tile-likeness" />
      </span>
      <span className="tile-caption">
        <span className="tile-name" title={name}>
          {name}
        </span>
        <span className="tile-meta">
          <StarRow stars={output.review.stars} size={11} />
          {output.review.label && <LabelDot label={output.review.label} />}
        </span>
      </span>
    </div>
  );
});

type Row = { kind: 'header'; group: OutputGroup } | { kind: 'tiles'; start: number; count: number };

/** Header rows for groups, then rows of `columns` tiles; and the row each index is in. */
function layoutRows(total: number, groups: readonly OutputGroup[], columns: number): { rows: Row[]; rowOf: (index: number) => number } {
  const rows: Row[] = [];
  const sections = groups.length ? groups : [{ key: null, label: null, start: 0, count: total, videos: 0 }];
  const firstRow: number[] = [];
  for (const group of sections) {
    if (groups.length) rows.push({ kind: 'header', group });
    firstRow.push(rows.length);
    for (let at = 0; at < group.count; at += columns)
      rows.push({ kind: 'tiles', start: group.start + at, count: Math.min(columns, group.count - at) });
  }
  const rowOf = (index: number) => {
    let lo = 0;
    let hi = sections.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (sections[mid]!.start <= index) lo = mid;
      else hi = mid - 1;
    }
    return firstRow[lo]! + Math.floor((index - sections[lo]!.start) / columns);
  };
  return { rows, rowOf };
}

/**
 * The grid of thumbnails, virtualised (only the rows in view, and a few more, are in the DOM), with group
 * headers. It fetches the summaries of the rows in view and the next screenful.
 */
export function OutputGrid({
  ids,
  total,
  groups,
  groupLabel,
  currentIndex,
  selection,
  tileSize,
  onSelect,
  onOpen,
  onColumns,
}: {
  /** The ids loaded so far: the first of `total`; the grid has room for all, and the rest show as placeholders. */
  ids: readonly number[];
  total: number;
  groups: readonly OutputGroup[];
  groupLabel: (group: OutputGroup) => string;
  currentIndex: number;
  selection: ReadonlySet<number>;
  tileSize: number;
  onSelect: (id: number, index: number, modifiers: SelectModifiers) => void;
  onOpen: (id: number, index: number) => void;
  onColumns: (columns: number) => void;
}) {
  const { t } = useTranslation();
  const { store } = useReviewServices();
  const scroller = useRef<HTMLDivElement>(null);
  const width = useWidth(scroller);
  const inner = Math.max(0, width - PADDING * 2);
  const columns = Math.max(1, Math.floor((inner + GAP) / (tileSize + GAP)));
  const tile = (inner - GAP * (columns - 1)) / columns;
  const rowHeight = Math.round(tile + CAPTION + GAP);
  const { rows, rowOf } = useMemo(() => layoutRows(total, groups, columns), [total, groups, columns]);

  useEffect(() => {
    onColumns(columns);
  }, [columns, onColumns]);

  // The build has no React Compiler; the virtualizer is used as its documentation shows.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => (rows[index]?.kind === 'header' ? HEADER : rowHeight),
    overscan: 4,
    paddingStart: PADDING,
    paddingEnd: PADDING,
  });
  useLayoutEffect(() => virtualizer.measure(), [virtualizer, rowHeight, rows]);

  const items = virtualizer.getVirtualItems();
  const firstVisible = items.find((i) => rows[i.index]?.kind === 'tiles');
  const lastVisible = items.findLast((i) => rows[i.index]?.kind === 'tiles');
  const first = firstVisible ? (rows[firstVisible.index] as { start: number }).start : 0;
  const lastRow = lastVisible ? (rows[lastVisible.index] as { start: number; count: number }) : undefined;
  const last = lastRow ? lastRow.start + lastRow.count - 1 : -1;
  useEffect(() => {
    if (last < first) return;
    // What is in view, then the next screenful (scrolling down is the common way).
    store.ensure(ids.slice(first, last + 1));
    store.ensure(ids.slice(last + 1, last + 1 + (last - first + 1)));
  }, [store, ids, first, last]);

  // Keep the current image in view as the keyboard moves it (not each time another chunk of the list arrives: that
  // would pull a user scrolling through the first second back to it).
  const currentLoaded = currentIndex >= 0 && currentIndex < ids.length;
  useLayoutEffect(() => {
    if (currentLoaded && width > 0) virtualizer.scrollToIndex(rowOf(currentIndex), { align: 'auto' });
  }, [currentIndex, currentLoaded, rowOf, virtualizer, width]);

  return (
    <div
      className="grid-scroller"
      ref={scroller}
      role="listbox"
      aria-multiselectable="true"
      aria-label={t('review.gridLabel')}
      tabIndex={-1}
      data-testid="output-grid"
      data-columns={columns}
    >
      <div className="grid-canvas" style={{ height: virtualizer.getTotalSize() }}>
        {width > 0 &&
          items.map((item) => {
            const row = rows[item.index]!;
            if (row.kind === 'header') {
              return (
                <div
                  key={item.key}
                  className="grid-group"
                  style={{ transform: `translateY(${item.start}px)`, height: HEADER, left: PADDING, right: PADDING }}
                >
                  <span className="grid-group-title">{groupLabel(row.group)}</span>
                  <span className="grid-group-count">{countLabel(t, row.group.count, row.group.videos)}</span>
                </div>
              );
            }
            return (
              <div
                key={item.key}
                className="grid-row"
                role="presentation"
                style={{
                  transform: `translateY(${item.start}px)`,
                  height: rowHeight - GAP,
                  gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                  gap: GAP,
                  left: PADDING,
                  right: PADDING,
                }}
              >
                {Array.from({ length: row.count }, (_, column) => {
                  const index = row.start + column;
                  const id = ids[index];
                  // Not loaded yet (the list arrives in chunks, a few hundred ms at a million outputs).
                  if (id === undefined) return <div key={`at-${index}`} className="tile placeholder" aria-hidden="true" />;
                  return (
                    <Tile
                      key={id}
                      id={id}
                      index={index}
                      selected={selection.has(id)}
                      current={index === currentIndex}
                      onSelect={onSelect}
                      onOpen={onOpen}
                    />
                  );
                })}
              </div>
            );
          })}
      </div>
    </div>
  );
}
