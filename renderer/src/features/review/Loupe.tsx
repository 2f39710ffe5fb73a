import { useQueryClient } from '@tanstack/react-query';
import { memo, useCallback, useDeferredValue, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { ColorLabel, Flag } from '../../api/types';
import { useFormat } from '../../app/format';
import { LikenessBadge } from './likeness';
import { FlagBadge, ReviewControls } from './decision-marks';
import { outputName } from './OutputGrid';
import { RIcon } from './review-icons';
import { reviewKeys, useReviewServices } from './review-data';
import { useSummary } from './summaries';
import { OutputZoomView, toggleZoom, ZoomLevel, zoomToBox, type ZoomState } from './ZoomView';

const FILMSTRIP_SPAN = 12;
/** Full-size images fetched ahead: the next two and the one before (the way a culler moves). */
const PRELOAD_AHEAD = 2;
const PRELOAD_BEHIND = 1;

/**
 * Decodes full-size images before they are shown, so moving to them paints at once. Says which images it holds
 * decoded: those need no thumbnail under them (one more image to lay out and paint on every key).
 */
function usePreload(ids: readonly number[], index: number): (src: string) => boolean {
  const { store } = useReviewServices();
  const cache = useRef(new Map<string, HTMLImageElement>());
  useEffect(() => {
    const wanted = [] as number[];
    for (let d = 1; d <= PRELOAD_AHEAD; d++) if (ids[index + d] !== undefined) wanted.push(ids[index + d]!);
    for (let d = 1; d <= PRELOAD_BEHIND; d++) if (ids[index - d] !== undefined) wanted.push(ids[index - d]!);
    let cancelled = false;
    void store.load(wanted).then(() => {
      if (cancelled) return;
      const keep = new Set<string>();
      for (const id of wanted) {
        const output = store.get(id);
        if (!output || output.kind !== 'image') continue;
        const src = studio.mediaUrl(output.hash);
        keep.add(src);
        if (cache.current.has(src)) continue;
        const image = new Image();
        image.decoding = 'async';
        image.src = src;
        void image.decode().catch(() => undefined);
        cache.current.set(src, image);
      }
      for (const src of cache.current.keys()) if (!keep.has(src)) cache.current.delete(src);
    });
    return () => {
      cancelled = true;
    };
  }, [ids, index, store]);
  return useCallback((src: string) => {
    const image = cache.current.get(src);
    return image !== undefined && image.complete && image.naturalWidth > 0;
  }, []);
}

const FilmstripThumb = memo(function FilmstripThumb({
  id,
  index,
  current,
  onPick,
}: {
  id: number;
  index: number;
  current: boolean;
  onPick: (index: number) => void;
}) {
  const { store } = useReviewServices();
  const output = useSummary(store, id);
  return (
    <button
      type="button"
      tabIndex={-1}
      className={current ? 'film-thumb current' : output?.review.flag === 'reject' ? 'film-thumb rejected' : 'film-thumb'}
      onClick={() => onPick(index)}
      aria-label={output?.originalName ?? String(id)}
      data-output-id={id}
    >
      {output && <img src={studio.mediaUrl(output.thumbHash ?? output.hash)} alt="" draggable={false} />}
      {output && <FlagBadge flag={output.review.flag} />}
      {output?.review.label && <span className={`film-label label-${output.review.label}`} />}
    </button>
  );
});

/** The neighbours as thumbnails; memoised, and moved a frame after the image (see Loupe). */
const Filmstrip = memo(function Filmstrip({ ids, index, onMove }: { ids: readonly number[]; index: number; onMove: (index: number) => void }) {
  const { t } = useTranslation();
  const strip = useRef<HTMLDivElement>(null);
  const start = Math.max(0, index - FILMSTRIP_SPAN);
  const end = Math.min(ids.length, index + FILMSTRIP_SPAN + 1);
  useLayoutEffect(() => {
    const current = strip.current?.querySelector<HTMLElement>('.film-thumb.current');
    current?.scrollIntoView({ block: 'nearest', inline: 'center' });
  }, [index]);
  return (
    <div className="filmstrip" ref={strip} aria-label={t('review.filmstrip')}>
      {ids.slice(start, end).map((id, i) => (
        <FilmstripThumb key={id} id={id} index={start + i} current={start + i === index} onPick={onMove} />
      ))}
    </div>
  );
});

export interface DecisionHandlers {
  onFlag: (flag: Flag | null) => void;
  onStars: (stars: number) => void;
  onLabel: (label: ColorLabel | null) => void;
}

/**
 * One image large: at fit or zoomed (kept while moving, to check the eyes across a series), videos
 * playing, a filmstrip of the neighbours, and the decisions for the mouse as well as the keys.
 */
export function Loupe({
  ids,
  index,
  zoom,
  onZoom,
  faceRequest,
  onMove,
  decisions,
  saveState,
}: {
  ids: readonly number[];
  index: number;
  zoom: ZoomState;
  onZoom: (zoom: ZoomState) => void;
  /** Increments each time the user asks to zoom to the face (F). */
  faceRequest: number;
  onMove: (index: number) => void;
  decisions: DecisionHandlers;
  saveState: string;
}) {
  const { t } = useTranslation();
  const format = useFormat();
  const { store } = useReviewServices();
  const id = ids[index];
  const output = useSummary(store, id);
  const [viewport, setViewport] = useState({ width: 0, height: 0 });
  const [notice, setNotice] = useState<string | null>(null);
  const isDecoded = usePreload(ids, index);
  // The image paints in the frame after the key; the filmstrip (25 thumbnails and a scroll) follows in the next.
  const stripIndex = useDeferredValue(index);

  // F (the page's key) or the button: zoom to the largest face, or say why not (no detector installed,
  // no face found). Faces are asked for only then, not for every image passing by.
  const client = useQueryClient();
  const zoomToFace = useCallback(() => {
    if (!output || output.kind !== 'image') return;
    void client
      .fetchQuery({
        queryKey: reviewKeys.faces(output.id),
        queryFn: () => studio.api.catalog.faces({ id: output.id }),
        // Found faces never change; "no detector" is asked again (it may have been installed since).
        staleTime: (query) => (query.state.data?.available ? Infinity : 0),
      })
      .then((found) => {
        const largest = found.faces.toSorted((a, b) => b.width * b.height - a.width * a.height)[0];
        if (largest) onZoom(zoomToBox(largest, output, viewport));
        else setNotice(found.available ? t('review.noFace') : (found.reason ?? t('review.facesUnavailable')));
      })
      .catch((error: unknown) => setNotice((error as Error).message));
  }, [client, output, onZoom, viewport, t]);
  const handled = useRef(faceRequest);
  useEffect(() => {
    if (faceRequest === handled.current) return;
    handled.current = faceRequest;
    zoomToFace();
  }, [faceRequest, zoomToFace]);
  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(timer);
  }, [notice]);

  if (id === undefined) return <div className="loupe empty muted">{t('review.nothingToShow')}</div>;
  const name = output ? outputName(output, t('review.untitled', { id })) : '';
  return (
    <div className="loupe" data-testid="loupe" data-output-id={id} data-save-state={saveState}>
      <div className="loupe-bar">
        <span className="loupe-name" title={name}>
          {name}
        </span>
        <span className="loupe-position" data-testid="loupe-position">
          {t('review.position', { index: format.number(index + 1), total: format.number(ids.length) })}
        </span>
        {output && <LikenessBadge score={output.likeness} />}
        <span className="loupe-spacer" />
        {output && output.kind === 'image' && (
          <>
            <button
              type="button"
              className="icon-button on-dark"
              aria-label={t('review.fit')}
              title={`${t('review.fit')} / 100 % (Z)`}
              onClick={() => onZoom(toggleZoom(zoom))}
            >
              <RIcon name={zoom.mode === 'fit' ? 'zoom' : 'fit'} size={17} />
            </button>
            <button
              type="button"
              className="icon-button on-dark"
              data-testid="zoom-face"
              aria-label={t('review.zoomFace')}
              title={`${t('review.zoomFace')} (F)`}
              onClick={zoomToFace}
            >
              <RIcon name="face" size={17} />
            </button>
            <ZoomLevel zoom={zoom} />
          </>
        )}
      </div>
      <div className="loupe-stage">
        {output?.kind === 'video' ? (
          <video
            key={output.hash}
            className="loupe-video"
            src={studio.mediaUrl(output.hash)}
            poster={output.thumbHash ? studio.mediaUrl(output.thumbHash) : undefined}
            controls
            autoPlay
            loop
            muted
            playsInline
            data-testid="loupe-video"
          />
        ) : output ? (
          <OutputZoomView output={output} alt={name} zoom={zoom} onZoom={onZoom} onViewport={setViewport} isDecoded={isDecoded} />
        ) : null}
        {index > 0 && (
          <button type="button" className="loupe-nav prev" aria-label={t('review.previous')} onClick={() => onMove(index - 1)}>
            ‹
          </button>
        )}
        {index < ids.length - 1 && (
          <button type="button" className="loupe-nav next" aria-label={t('review.next')} onClick={() => onMove(index + 1)}>
            ›
          </button>
        )}
        {notice && (
          <div className="loupe-notice" role="status">
            {notice}
          </div>
        )}
      </div>
      {output && (
        <div className="loupe-controls">
          <ReviewControls flag={output.review.flag} stars={output.review.stars} label={output.review.label} {...decisions} />
        </div>
      )}
      <Filmstrip ids={ids} index={stripIndex} onMove={onMove} />
    </div>
  );
}
