import { memo, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputGrouping, OutputSort } from '../../api/types';
import type { SaveStatus } from './decisions';
import { SearchField } from './FilterBar';
import { RIcon, type ReviewIconName } from './review-icons';
import type { ReviewSettings, ReviewView } from './review-settings';

// Review's one toolbar row: the rail, the view, search, sort and grouping, tile size, undo and redo, auto-advance,
// the key help and the details panel.

type Toggle = { shown: boolean; toggle: () => void };

export const ReviewToolbar = memo(function ReviewToolbar({
  settings,
  update,
  onView,
  search,
  rail,
  info,
  history,
  onHelp,
}: {
  settings: ReviewSettings;
  update: (change: Partial<ReviewSettings> | ((s: ReviewSettings) => Partial<ReviewSettings>)) => void;
  onView: (view: ReviewView) => void;
  search: { text: string; onChange: (text: string) => void; inputRef: RefObject<HTMLInputElement | null> };
  rail: Toggle;
  info: Toggle;
  /** Undo and redo, and what the last undo put back. */
  history: { status: SaveStatus; undone: string | null; undo: () => void; redo: () => void };
  onHelp: () => void;
}) {
  const { t } = useTranslation();
  const { sort, group, view } = settings;
  return (
    <div className="review-toolbar" data-testid="review-toolbar">
      <button
        type="button"
        className="icon-button"
        aria-label={t('review.toggleRail')}
        title={t('review.toggleRail')}
        aria-pressed={rail.shown}
        onClick={rail.toggle}
      >
        <RIcon name="rail" size={17} />
      </button>
      <ViewSwitch view={view} onView={onView} />
      <SearchField value={search.text} onChange={search.onChange} inputRef={search.inputRef} />
      {view !== 'stats' && (
        <>
          <select
            className="toolbar-select"
            value={sort}
            onChange={(e) => update({ sort: e.target.value as OutputSort })}
            aria-label={t('review.sortBy')}
            title={t('review.sortBy')}
          >
            {(['newest', 'oldest', 'stars', 'seed', 'likeness'] as const).map((s) => (
              <option key={s} value={s}>
                {t(`review.sorts.${s}`)}
              </option>
            ))}
          </select>
          <select
            className="toolbar-select"
            value={group}
            onChange={(e) => update({ group: e.target.value as OutputGrouping })}
            aria-label={t('review.groupBy')}
            title={t('review.groupBy')}
          >
            {(['none', 'batch', 'template', 'person', 'day'] as const).map((g) => (
              <option key={g} value={g}>
                {g === 'none' ? t('review.groups.none') : t('review.groupedBy', { what: t(`review.groups.${g}`) })}
              </option>
            ))}
          </select>
        </>
      )}
      {view === 'grid' && (
        <input
          className="tile-size"
          type="range"
          min={110}
          max={340}
          step={10}
          value={settings.tileSize}
          aria-label={t('review.tileSize')}
          title={t('review.tileSize')}
          onChange={(e) => update({ tileSize: Number(e.target.value) })}
        />
      )}
      <span className="toolbar-spacer" />
      {history.undone && !history.status.conflict && (
        <span className="muted small-text" role="status" data-testid="undo-notice" title={t('review.undone', { label: history.undone })}>
          {t('review.undone', { label: history.undone })}
        </span>
      )}
      <button
        type="button"
        className="icon-button"
        disabled={!history.status.canUndo}
        aria-label={t('review.undoAction')}
        title={history.status.undoLabel ? `${t('review.undoAction')}: ${history.status.undoLabel} (Ctrl+Z)` : t('review.undoAction')}
        onClick={history.undo}
      >
        <RIcon name="undo" size={17} />
      </button>
      <button
        type="button"
        className="icon-button"
        disabled={!history.status.canRedo}
        aria-label={t('review.redoAction')}
        title={history.status.redoLabel ? `${t('review.redoAction')}: ${history.status.redoLabel} (Ctrl+Shift+Z)` : t('review.redoAction')}
        onClick={history.redo}
      >
        <RIcon name="redo" size={17} />
      </button>
      <button
        type="button"
        className={settings.autoAdvance ? 'button small active' : 'button small'}
        aria-pressed={settings.autoAdvance}
        aria-label={t('review.autoAdvance')}
        title={t('review.autoAdvanceHelp')}
        onClick={() => update((s) => ({ autoAdvance: !s.autoAdvance }))}
        data-testid="auto-advance"
      >
        <RIcon name="advance" size={14} />
        <span>{t('review.autoAdvance')}</span>
      </button>
      <button type="button" className="icon-button" aria-label={t('review.help.title')} title={`${t('review.help.title')} (?)`} onClick={onHelp}>
        <RIcon name="keyboard" size={17} />
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label={t('detail.label')}
        title={`${t('detail.label')} (I)`}
        aria-pressed={info.shown}
        onClick={info.toggle}
      >
        <RIcon name="info" size={17} />
      </button>
    </div>
  );
});

/** Grid, loupe, compare or statistics, with their keys. */
function ViewSwitch({ view, onView }: { view: ReviewView; onView: (view: ReviewView) => void }) {
  const { t } = useTranslation();
  const views: [ReviewView, ReviewIconName, string][] = [
    ['grid', 'grid', 'G'],
    ['loupe', 'loupe', 'E'],
    ['compare', 'compare', 'C'],
    ['stats', 'chart', ''],
  ];
  return (
    <div className="segmented" role="group" aria-label={t('review.view')}>
      {views.map(([v, icon, key]) => (
        <button
          key={v}
          type="button"
          className="segment"
          aria-pressed={view === v}
          aria-label={t(`review.views.${v}`)}
          title={key ? `${t(`review.views.${v}`)} (${key})` : t(`review.views.${v}`)}
          onClick={() => onView(v)}
          data-testid={`view-${v}`}
        >
          <RIcon name={icon} size={16} />
        </button>
      ))}
    </div>
  );
}
