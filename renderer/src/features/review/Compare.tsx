import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { DecisionHandlers } from './Loupe';
import { FlagBadge, ReviewControls, StarRow } from './decision-marks';
import { outputName } from './OutputGrid';
import { useReviewServices } from './review-data';
import { useSummary } from './summaries';
import { OutputZoomView, ZoomLevel, type ZoomState } from './ZoomView';

function Pane({
  id,
  active,
  zoom,
  onZoom,
  onActivate,
  decisions,
}: {
  id: number;
  active: boolean;
  zoom: ZoomState;
  onZoom: (zoom: ZoomState) => void;
  onActivate: () => void;
  decisions: DecisionHandlers;
}) {
  const { t } = useTranslation();
  const { store } = useReviewServices();
  const output = useSummary(store, id);
  const name = output ? outputName(output, t('review.untitled', { id })) : '';
  return (
    <section
      className={active ? 'compare-pane active' : 'compare-pane'}
      aria-label={name}
      aria-current={active || undefined}
      data-testid="compare-pane"
      data-output-id={id}
      onPointerDown={onActivate}
    >
      <header className="compare-head">
        <span className="compare-name" title={name}>
          {name}
        </span>
        {output && <FlagBadge flag={output.review.flag} />}
        {output && <StarRow stars={output.review.stars} size={12} />}
      </header>
      <div className="compare-stage">
        {output?.kind === 'video' ? (
          <video className="loupe-video" src={studio.mediaUrl(output.hash)} controls muted loop playsInline />
        ) : output ? (
          <OutputZoomView output={output} alt={name} zoom={zoom} onZoom={onZoom} />
        ) : null}
      </div>
      {output && active && (
        <footer className="compare-foot">
          <ReviewControls compact flag={output.review.flag} stars={output.review.stars} label={output.review.label} {...decisions} />
        </footer>
      )}
    </section>
  );
}

/**
 * 2–4 outputs side by side. Zoom and pan are shared: the wheel, a drag or Z in any pane moves them all,
 * so the same eye or hand is compared. Decisions (keys or buttons) go to the active pane.
 */
export function Compare({
  ids,
  active,
  onActivate,
  zoom,
  onZoom,
  decisions,
}: {
  ids: readonly number[];
  active: number;
  onActivate: (index: number) => void;
  zoom: ZoomState;
  onZoom: (zoom: ZoomState) => void;
  decisions: DecisionHandlers;
}) {
  const { t } = useTranslation();
  return (
    <div className="compare" data-testid="compare" data-count={ids.length}>
      <div className="compare-bar">
        <span>{t('review.comparing', { count: ids.length })}</span>
        <span className="muted">{t('review.compareHelp')}</span>
        <span className="loupe-spacer" />
        <ZoomLevel zoom={zoom} />
      </div>
      <div className={`compare-grid count-${ids.length}`}>
        {ids.map((id, i) => (
          <Pane key={id} id={id} active={i === active} zoom={zoom} onZoom={onZoom} onActivate={() => onActivate(i)} decisions={decisions} />
        ))}
      </div>
    </div>
  );
}
