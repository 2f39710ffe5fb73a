import { useVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';

const MIN_TILE = 168;
const GAP = 10;
const PADDING = 16;
const CAPTION = 38;

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

export function outputName(output: OutputSummary, fallback: string): string {
  return output.originalName ?? fallback;
}

function Tile({ output, selected, onSelect }: { output: OutputSummary; selected: boolean; onSelect: (id: number) => void }) {
  const { t } = useTranslation();
  const name = outputName(output, t('review.untitled', { id: output.id }));
  return (
    <button
      type="button"
      className={selected ? 'tile selected' : 'tile'}
      data-testid="output-tile"
      data-output-id={output.id}
      aria-pressed={selected}
      onClick={() => onSelect(output.id)}
    >
      <span className="tile-image">
        <img src={studio.mediaUrl(output.thumbHash ?? output.hash)} alt="" decoding="async" draggable={false} />
      </span>
      <span className="tile-caption">
        <span className="tile-name" title={name}>
          {name}
        </span>
        <span className="tile-size">{t('review.dimensions', { width: output.width, height: output.height })}</span>
      </span>
    </button>
  );
}

/** Rows of thumbnails, virtualised: only the rows in view (plus a few) are in the DOM. */
export function OutputGrid({
  total,
  itemAt,
  selectedId,
  onSelect,
  onRangeChange,
}: {
  total: number;
  itemAt: (index: number) => OutputSummary | undefined;
  selectedId: number | null;
  onSelect: (id: number) => void;
  onRangeChange: (first: number, last: number) => void;
}) {
  const { t } = useTranslation();
  const scroller = useRef<HTMLDivElement>(null);
  const width = useWidth(scroller);
  const inner = Math.max(0, width - PADDING * 2);
  const columns = Math.max(1, Math.floor((inner + GAP) / (MIN_TILE + GAP)));
  const tile = columns ? (inner - GAP * (columns - 1)) / columns : MIN_TILE;
  const rowHeight = Math.round(tile + CAPTION + GAP);
  const rows = Math.ceil(total / columns);

  // The build has no React Compiler; the virtualizer is used as its documentation shows.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 3,
    paddingStart: PADDING,
    paddingEnd: PADDING,
  });
  useLayoutEffect(() => virtualizer.measure(), [virtualizer, rowHeight]);

  const items = virtualizer.getVirtualItems();
  const firstRow = items[0]?.index ?? 0;
  const lastRow = items[items.length - 1]?.index ?? -1;
  const first = firstRow * columns;
  const last = Math.min(total - 1, (lastRow + 1) * columns - 1);
  useLayoutEffect(() => onRangeChange(first, last), [onRangeChange, first, last]);

  return (
    <div className="grid-scroller" ref={scroller} role="region" aria-label={t('review.gridLabel')} tabIndex={-1}>
      <div className="grid-canvas" style={{ height: virtualizer.getTotalSize() }}>
        {width > 0 &&
          items.map((row) => (
            <div
              key={row.key}
              className="grid-row"
              style={{
                transform: `translateY(${row.start}px)`,
                height: rowHeight - GAP,
                gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                gap: GAP,
                left: PADDING,
                right: PADDING,
              }}
            >
              {Array.from({ length: columns }, (_, column) => {
                const index = row.index * columns + column;
                if (index >= total) return null;
                const output = itemAt(index);
                return output ? (
                  <Tile key={output.id} output={output} selected={output.id === selectedId} onSelect={onSelect} />
                ) : (
                  <div key={`placeholder-${index}`} className="tile placeholder" aria-hidden="true" />
                );
              })}
            </div>
          ))}
      </div>
    </div>
  );
}
