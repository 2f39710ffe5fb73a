import { useLayoutEffect, useRef, useState, type PointerEvent, type RefObject, type WheelEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { useFormat } from '../../app/format';

/** Fit the whole image, or a scale (1 = 100 %, one image pixel per screen pixel) around a centre (0..1 of the image). */
export type ZoomState = { mode: 'fit' } | { mode: 'zoom'; scale: number; cx: number; cy: number };

export const FIT: ZoomState = { mode: 'fit' };
const MIN_SCALE = 0.05;
const MAX_SCALE = 16;

export function fitScale(viewport: { width: number; height: number }, image: { width: number; height: number }): number {
  if (!viewport.width || !viewport.height || !image.width || !image.height) return 1;
  return Math.min(viewport.width / image.width, viewport.height / image.height);
}

/** Keeps a zoomed image covering the viewport where it can (no empty band beside an edge that could be filled). */
export function clampCentre(c: number, imagePx: number, viewportPx: number): number {
  if (imagePx <= viewportPx) return 0.5;
  const half = viewportPx / 2 / imagePx;
  return Math.min(1 - half, Math.max(half, c));
}

/** 100 % centred where the pointer is (or the middle), or back to fit. */
export function toggleZoom(state: ZoomState, at: { x: number; y: number } = { x: 0.5, y: 0.5 }): ZoomState {
  return state.mode === 'fit' ? { mode: 'zoom', scale: 1, cx: at.x, cy: at.y } : FIT;
}

/** A zoom that shows a face box (fractions of the image) at about 45 % of the viewport's height. */
export function zoomToBox(
  box: { x: number; y: number; width: number; height: number },
  image: { width: number; height: number },
  viewport: { width: number; height: number },
): ZoomState {
  const scale = Math.min((viewport.height * 0.45) / (box.height * image.height), (viewport.width * 0.45) / (box.width * image.width), MAX_SCALE);
  return { mode: 'zoom', scale, cx: box.x + box.width / 2, cy: box.y + box.height / 2 };
}

/** The zoom as the toolbars show it: "Fit" or a percentage. */
export function ZoomLevel({ zoom }: { zoom: ZoomState }) {
  const { t } = useTranslation();
  const format = useFormat();
  return <span className="loupe-zoom">{zoom.mode === 'fit' ? t('review.fitShort') : format.percent(zoom.scale)}</span>;
}

function useSize(ref: RefObject<HTMLElement | null>) {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    const read = () => setSize({ width: element.clientWidth, height: element.clientHeight });
    read();
    const observer = new ResizeObserver(read);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}

/**
 * An image at fit or at any zoom, panned by dragging and zoomed by the wheel (around the pointer) or a
 * double click (100 %). Controlled: compare passes the same state to every pane, so they move together.
 * The thumbnail lies under the full image until that has loaded, so a new image appears at once; the full
 * image is never hidden, so one already decoded (the loupe preloads the next ones) paints in the first frame.
 */
export function ZoomView({
  src,
  thumbSrc,
  width,
  height,
  alt,
  zoom,
  onZoom,
  onViewport,
  outputId,
  isDecoded,
}: {
  src: string;
  thumbSrc: string | null;
  width: number;
  height: number;
  alt: string;
  zoom: ZoomState;
  onZoom: (zoom: ZoomState) => void;
  onViewport?: (size: { width: number; height: number }) => void;
  outputId: number;
  /** Whether `src` is already held decoded (the loupe's preloads): it is shown without the thumbnail under it. */
  isDecoded?: (src: string) => boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const viewport = useSize(box);
  const [loadedSrc, setLoadedSrc] = useState<string | null>(null);
  const drag = useRef<{ x: number; y: number; cx: number; cy: number; scale: number } | null>(null);
  // Set while rendering (React re-renders at once, before committing): the preload may let it go right after.
  if (loadedSrc !== src && isDecoded?.(src)) setLoadedSrc(src);
  const loaded = loadedSrc === src;

  useLayoutEffect(() => onViewport?.(viewport), [viewport, onViewport]);

  const fit = fitScale(viewport, { width, height });
  const scale = zoom.mode === 'fit' ? fit : zoom.scale;
  const shownWidth = width * scale;
  const shownHeight = height * scale;
  const cx = zoom.mode === 'fit' ? 0.5 : clampCentre(zoom.cx, shownWidth, viewport.width);
  const cy = zoom.mode === 'fit' ? 0.5 : clampCentre(zoom.cy, shownHeight, viewport.height);
  const left = viewport.width / 2 - cx * shownWidth;
  const top = viewport.height / 2 - cy * shownHeight;
  const style = { width: shownWidth, height: shownHeight, transform: `translate(${left}px, ${top}px)` };

  /** The point of the image (0..1) under a pointer position in the viewport. */
  const imagePoint = (clientX: number, clientY: number) => {
    const rect = box.current!.getBoundingClientRect();
    return { x: (clientX - rect.left - left) / shownWidth, y: (clientY - rect.top - top) / shownHeight };
  };

  const onWheel = (event: WheelEvent) => {
    if (!viewport.width) return;
    const factor = Math.exp(-event.deltaY * (event.ctrlKey ? 0.01 : 0.0022));
    const next = Math.min(MAX_SCALE, Math.max(Math.min(fit, MIN_SCALE), scale * factor));
    if (next <= fit && factor < 1) return onZoom(FIT);
    // Keep the image point under the pointer where it is.
    const p = imagePoint(event.clientX, event.clientY);
    const rect = box.current!.getBoundingClientRect();
    const px = event.clientX - rect.left;
    const py = event.clientY - rect.top;
    onZoom({
      mode: 'zoom',
      scale: next,
      cx: p.x + (viewport.width / 2 - px) / (width * next),
      cy: p.y + (viewport.height / 2 - py) / (height * next),
    });
  };

  const onPointerDown = (event: PointerEvent) => {
    if (event.button !== 0 || zoom.mode === 'fit') return;
    drag.current = { x: event.clientX, y: event.clientY, cx, cy, scale };
    (event.currentTarget as HTMLElement).setPointerCapture(event.pointerId);
  };
  const onPointerMove = (event: PointerEvent) => {
    const start = drag.current;
    if (!start) return;
    onZoom({
      mode: 'zoom',
      scale: start.scale,
      cx: start.cx - (event.clientX - start.x) / (width * start.scale),
      cy: start.cy - (event.clientY - start.y) / (height * start.scale),
    });
  };
  const onPointerUp = () => (drag.current = null);

  return (
    <div
      ref={box}
      className={zoom.mode === 'fit' ? 'zoom-view fit' : 'zoom-view zoomed'}
      onWheel={onWheel}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={onPointerUp}
      onPointerCancel={onPointerUp}
      onDoubleClick={(event) => onZoom(toggleZoom(zoom, imagePoint(event.clientX, event.clientY)))}
      data-zoom={zoom.mode === 'fit' ? 'fit' : zoom.scale.toFixed(2)}
    >
      {viewport.width > 0 && (
        <>
          {thumbSrc && !loaded && <img className="zoom-image preview" src={thumbSrc} alt="" style={style} draggable={false} />}
          <img
            key={src}
            className="zoom-image"
            src={src}
            alt={alt}
            style={style}
            draggable={false}
            data-testid="zoom-image"
            data-output-id={outputId}
            data-loaded={loaded}
            onLoad={() => setLoadedSrc(src)}
          />
        </>
      )}
    </div>
  );
}

/** An output's image in a ZoomView (the loupe, a compare pane): the full image over its thumbnail. */
export function OutputZoomView({
  output,
  alt,
  zoom,
  onZoom,
  onViewport,
  isDecoded,
}: {
  output: Pick<OutputSummary, 'id' | 'hash' | 'thumbHash' | 'width' | 'height'>;
  alt: string;
  zoom: ZoomState;
  onZoom: (zoom: ZoomState) => void;
  onViewport?: (size: { width: number; height: number }) => void;
  isDecoded?: (src: string) => boolean;
}) {
  return (
    <ZoomView
      src={studio.mediaUrl(output.hash)}
      thumbSrc={output.thumbHash ? studio.mediaUrl(output.thumbHash) : null}
      width={output.width}
      height={output.height}
      alt={alt}
      zoom={zoom}
      onZoom={onZoom}
      onViewport={onViewport}
      outputId={output.id}
      isDecoded={isDecoded}
    />
  );
}
