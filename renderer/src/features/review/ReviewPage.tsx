import { useQuery } from '@tanstack/react-query';
import { useCallback, useDeferredValue, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { ColorLabel, Flag, OutputFilter, OutputGroup, ReviewPatch } from '../../api/types';
import { countLabel } from './count-label';
import { useFormat } from '../../app/format';
import { Icon } from '../../app/icons';
import { ErrorNotice, EmptyState, PageHeader, Spinner } from '../../app/page-elements';
import { Compare } from './Compare';
import { useSaveStatus } from './decisions';
import { ExportDialog, ExportNotice } from './ExportDialog';
import { FilterBar } from './FilterBar';
import { ReviewToolbar } from './ReviewToolbar';
import { SaveIndicator } from './SaveIndicator';
import { ImportDialog } from './ImportDialog';
import { moveIndex, type ReviewAction } from './keyboard';
import { useReviewKeys } from './keyboard-listener';
import { KeyHelp } from './KeyHelp';
import { LibraryRail } from './LibraryRail';
import { Loupe, type DecisionHandlers } from './Loupe';
import { OutputDetailPanel } from './OutputDetailPanel';
import { OutputGrid, type SelectModifiers } from './OutputGrid';
import { RIcon } from './review-icons';
import { ReviewServicesProvider, reviewKeys, useReviewServices } from './review-data';
import { useOutputList } from './use-output-list';
import { NARROW_WINDOW, useMediaQuery } from '../../app/media-query';
import { activeFilterKeys, cleanFilter, useReviewSettings, type ReviewView } from './review-settings';
import { useLinkFilter } from './link-filter';
import { useTrashActions } from './trash-actions';
import { StatsView } from './StatsView';
import { FIT, toggleZoom, type ZoomState } from './ZoomView';
import '../../styles/review.css';

/** Filters on review fields: a decision can take an output out of them, so the list may be out of date. */
const reviewDependent: (keyof OutputFilter)[] = ['flag', 'minStars', 'label', 'text', 'tag', 'collectionId'];

export function ReviewPage() {
  return (
    <ReviewServicesProvider>
      <Review />
    </ReviewServicesProvider>
  );
}

function Review() {
  const { t } = useTranslation();
  const format = useFormat();
  const { store, decisions } = useReviewServices();
  const status = useSaveStatus(decisions);
  const [settings, update] = useReviewSettings();
  // A narrow window starts with the library rail and the details closed; each width remembers its own choice.
  const narrow = useMediaQuery(NARROW_WINDOW);
  const showRail = narrow ? settings.showRailNarrow : settings.showRail;
  const showInfo = narrow ? settings.showInfoNarrow : settings.showInfo;
  const toggleRail = useCallback(() => update((s) => (narrow ? { showRailNarrow: !s.showRailNarrow } : { showRail: !s.showRail })), [narrow, update]);
  const toggleInfo = useCallback(() => update((s) => (narrow ? { showInfoNarrow: !s.showInfoNarrow } : { showInfo: !s.showInfo })), [narrow, update]);
  const filter = useMemo(() => cleanFilter(settings.filter), [settings.filter]);
  const { sort, group, view } = settings;
  const query = useMemo(() => ({ ...filter, sort, group, utcOffsetMinutes: -new Date().getTimezoneOffset() }), [filter, sort, group]);
  const list = useOutputList(query);
  const facets = useQuery({ queryKey: reviewKeys.facets, queryFn: () => studio.api.catalog.facets(), staleTime: 30_000 });
  const { ids, groups, indexOf } = list;

  // The current output, and where it was when chosen: if it leaves the list (trashed, filtered out),
  // the one now at that place takes over.
  const [position, setPosition] = useState<{ id: number | null; index: number }>({ id: null, index: 0 });
  const found = position.id === null ? undefined : indexOf.get(position.id);
  const currentIndex = found ?? (ids.length ? Math.min(position.index, ids.length - 1) : -1);
  const current = currentIndex >= 0 ? ids[currentIndex]! : null;

  const [selection, setSelectionState] = useState<ReadonlySet<number>>(new Set());
  // A select all waiting for the rest of the list; any other selection made meanwhile replaces it.
  const pendingSelectAll = useRef<object | null>(null);
  const setSelection = useCallback((next: ReadonlySet<number> | ((s: ReadonlySet<number>) => ReadonlySet<number>)) => {
    pendingSelectAll.current = null;
    setSelectionState(next);
  }, []);
  const anchor = useRef<number | null>(null);
  const columns = useRef(1);
  const [compareIds, setCompareIds] = useState<number[]>([]);
  const [compareActive, setCompareActive] = useState(0);
  const [zoom, setZoom] = useState<ZoomState>(FIT);
  const [faceRequest, setFaceRequest] = useState(0);
  const [stale, setStale] = useState(false);
  const [dialog, setDialog] = useState<'import' | 'export' | 'help' | null>(null);
  const search = useRef<HTMLInputElement>(null);
  // A selection only means something in the grid; elsewhere it is the current output.
  const selected = useMemo(() => {
    const inList = [...selection].filter((id) => indexOf.has(id));
    return inList.length ? inList : current !== null ? [current] : [];
  }, [selection, indexOf, current]);

  const setView = useCallback((next: ReviewView) => update({ view: next }), [update]);
  const setFilter = useCallback(
    (change: Partial<OutputFilter>) => {
      update((s) => ({ filter: { ...s.filter, ...change } }));
      setStale(false);
      setSelection(new Set());
      // Another filter, another list: start at its first image (the next key then acts on it, not mid-list).
      setPosition({ id: null, index: 0 });
    },
    [update, setSelection],
  );

  const { dropLinkFilter } = useLinkFilter(
    settings.filter,
    (linked) => {
      update((s) => ({ filter: linked, view: s.view === 'stats' || s.view === 'compare' ? 'grid' : s.view }));
      setStale(false);
      setSelection(new Set());
      setPosition({ id: null, index: 0 });
    },
    setFilter,
  );

  const goTo = useCallback(
    (index: number, extend = false) => {
      const id = ids[index];
      if (id === undefined) return;
      setPosition({ id, index });
      if (extend && anchor.current !== null && indexOf.has(anchor.current)) {
        const a = indexOf.get(anchor.current)!;
        setSelection(new Set(ids.slice(Math.min(a, index), Math.max(a, index) + 1)));
      } else {
        anchor.current = id;
        setSelection(new Set([id]));
      }
    },
    [ids, indexOf, setSelection],
  );

  // Undo says what it put back and shows the image it changed (the decision may be pages away by now).
  const [undone, setUndone] = useState<string | null>(null);
  const undo = useCallback(() => {
    const next = decisions.nextUndo();
    if (!next) return;
    void decisions.undo();
    setUndone(next.label);
    const first = next.outputIds.find((id) => indexOf.has(id));
    if (first !== undefined) goTo(indexOf.get(first)!);
  }, [decisions, indexOf, goTo]);

  /** Who a decision is for, and what the details panel shows: the active compare pane, the loupe's image, or the grid's selection. */
  const targetIds = useMemo(
    () =>
      view === 'compare'
        ? compareIds[compareActive] !== undefined
          ? [compareIds[compareActive]!]
          : []
        : view === 'grid'
          ? selected
          : current !== null
            ? [current]
            : [],
    [view, compareIds, compareActive, selected, current],
  );
  const targets = useCallback((): number[] => targetIds, [targetIds]);

  const decide = useCallback(
    (patch: Omit<ReviewPatch, 'ids'>, label: string, advance: boolean, chosen: readonly number[] = targets()) => {
      if (!chosen.length) return;
      void decisions.apply({ ids: [...chosen], ...patch }, label).catch(() => undefined);
      if (reviewDependent.some((key) => filter[key] !== undefined)) setStale(true);
      // Auto-advance moves on from a single image (a batch decision on a selection stays put).
      if (advance && chosen.length === 1 && (view === 'loupe' || view === 'grid')) goTo(Math.min(currentIndex + 1, ids.length - 1));
    },
    [targets, decisions, filter, view, currentIndex, goTo, ids.length],
  );

  const flagLabel = (flag: Flag | null) => (flag ? t(`review.flags.${flag}`) : t('review.flags.none'));
  /** The mouse's decisions, for `chosen` when given (the details panel: the images it shows), else the targets. */
  const decisionsFor = (chosen?: readonly number[]): DecisionHandlers => ({
    onFlag: (flag) => decide({ flag }, flagLabel(flag), false, chosen),
    onStars: (stars) => decide({ stars }, t('review.starsLabel', { count: stars }), false, chosen),
    onLabel: (label) => decide({ label }, label ? t(`review.labels.${label}`) : t('review.labels.none'), false, chosen),
  });
  const handlers = decisionsFor();

  const { trash, restore, trashSelected, emptyTrash } = useTrashActions(targets, Boolean(filter.trash));

  const openCompare = useCallback(() => {
    const chosen =
      selection.size >= 2 ? ids.filter((id) => selection.has(id)).slice(0, 4) : current !== null ? ids.slice(currentIndex, currentIndex + 2) : [];
    if (chosen.length < 2) return;
    setCompareIds(chosen);
    setCompareActive(0);
    setView('compare');
  }, [selection, ids, current, currentIndex, setView]);

  // The details panel is memoised and follows a move a frame behind: moving in the loupe paints the next image first,
  // then the panel (its queries, tags, provenance) in an interruptible render. A 2-core VM spent 27 ms of script on
  // each → before, most of it the panel and the toolbars re-rendering. Its actions stay the same objects, and act on
  // the images the panel shows (while it lags, those are not yet the loupe's).
  const shownDetailIds = useDeferredValue(targetIds);
  const panelFor = { decisions: decisionsFor(shownDetailIds), shownDetailIds, trash, restore, openCompare };
  const latest = useRef(panelFor);
  useLayoutEffect(() => {
    latest.current = panelFor;
  });
  const panelActions = useMemo(
    () => ({
      decisions: {
        onFlag: (flag: Flag | null) => latest.current.decisions.onFlag(flag),
        onStars: (stars: number) => latest.current.decisions.onStars(stars),
        onLabel: (label: ColorLabel | null) => latest.current.decisions.onLabel(label),
      } satisfies DecisionHandlers,
      onTrash: () => latest.current.trash(latest.current.shownDetailIds),
      onRestore: () => latest.current.restore(latest.current.shownDetailIds),
      onCompare: () => latest.current.openCompare(),
    }),
    [],
  );
  // The toolbar, filter bar and rail are memoised too: their props stay the same objects while only the position moves.
  const refetchList = list.refetch;
  const mutateEmptyTrash = emptyTrash.mutate;
  const redo = useCallback(() => decisions.redo(), [decisions]);
  const onViewChosen = useCallback((v: ReviewView) => (v === 'compare' ? latest.current.openCompare() : setView(v)), [setView]);
  const searchBox = useMemo(
    () => ({ text: filter.text ?? '', onChange: (text: string) => setFilter({ text: text || undefined }), inputRef: search }),
    [filter.text, setFilter],
  );
  const railToggle = useMemo(() => ({ shown: showRail, toggle: toggleRail }), [showRail, toggleRail]);
  const infoToggle = useMemo(() => ({ shown: showInfo, toggle: toggleInfo }), [showInfo, toggleInfo]);
  const undoHistory = useMemo(() => ({ status, undone, undo, redo }), [status, undone, undo, redo]);
  const showHelp = useCallback(() => setDialog('help'), []);
  const refreshList = useCallback(() => {
    setStale(false);
    void refetchList();
  }, [refetchList]);
  const emptyTheTrash = useCallback(() => mutateEmptyTrash(), [mutateEmptyTrash]);

  const run = useCallback(
    (action: ReviewAction) => {
      const deciding = view !== 'stats';
      switch (action.type) {
        case 'flag':
          if (deciding) decide({ flag: action.flag }, flagLabel(action.flag), action.advance);
          return;
        case 'stars':
          if (deciding) decide({ stars: action.stars }, t('review.starsLabel', { count: action.stars }), action.advance);
          return;
        case 'label': {
          if (!deciding) return;
          // Pressing the label an output already has takes it off (Lightroom does the same).
          const one = targets().length === 1 ? store.get(targets()[0]!) : undefined;
          const label: ColorLabel | null = one?.review.label === action.label ? null : action.label;
          decide({ label }, label ? t(`review.labels.${label}`) : t('review.labels.none'), action.advance);
          return;
        }
        case 'move': {
          if (view === 'compare') {
            if (action.direction === 'left' || action.direction === 'up') setCompareActive((a) => Math.max(0, a - 1));
            if (action.direction === 'right' || action.direction === 'down') setCompareActive((a) => Math.min(compareIds.length - 1, a + 1));
            return;
          }
          if (view === 'stats') return;
          const cols = view === 'grid' ? columns.current : 1;
          const direction =
            view === 'loupe' && action.direction === 'up' ? 'left' : view === 'loupe' && action.direction === 'down' ? 'right' : action.direction;
          goTo(moveIndex(currentIndex, direction, ids.length, cols), view === 'grid' && action.extend);
          return;
        }
        case 'toggleLoupe':
          if (view === 'grid' || view === 'stats') setView('loupe');
          else if (view === 'compare') {
            const id = compareIds[compareActive];
            if (id !== undefined && indexOf.has(id)) goTo(indexOf.get(id)!);
            setView('loupe');
          } else setView('grid');
          return;
        case 'grid':
          setView('grid');
          return;
        case 'loupe':
          setView('loupe');
          return;
        case 'compare':
          openCompare();
          return;
        case 'zoom':
          if (view === 'loupe' || view === 'compare') setZoom((z) => toggleZoom(z));
          return;
        case 'zoomFace':
          if (view === 'loupe') setFaceRequest((n) => n + 1);
          return;
        case 'undo':
          undo();
          return;
        case 'redo':
          decisions.redo();
          return;
        case 'selectAll':
          // The whole list, not the part loaded so far: applied as soon as the last chunk is in.
          if (view === 'grid') {
            const request = (pendingSelectAll.current = {});
            void list.whenComplete().then((all) => {
              if (pendingSelectAll.current === request) setSelection(new Set(all));
            });
          }
          return;
        case 'selectNone':
          setSelection(current !== null ? new Set([current]) : new Set());
          return;
        case 'trash':
          if (deciding) trashSelected();
          return;
        case 'escape':
          if (view !== 'grid') setView('grid');
          else setSelection(current !== null ? new Set([current]) : new Set());
          return;
        case 'help':
          setDialog('help');
          return;
        case 'toggleAutoAdvance':
          update((s) => ({ autoAdvance: !s.autoAdvance }));
          return;
        case 'toggleInfo':
          toggleInfo();
          return;
        case 'search':
          search.current?.focus();
          search.current?.select();
          return;
      }
    },
    // flagLabel and t change with the language only.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [
      view,
      decide,
      targets,
      store,
      compareIds,
      compareActive,
      currentIndex,
      ids,
      indexOf,
      goTo,
      setView,
      openCompare,
      decisions,
      trashSelected,
      current,
      update,
      list.whenComplete,
    ],
  );

  useReviewKeys(run, settings.autoAdvance);

  const onSelect = useCallback(
    (id: number, index: number, modifiers: SelectModifiers) => {
      if (modifiers.toggle) {
        setSelection((s) => {
          const next = new Set(s);
          if (next.has(id)) next.delete(id);
          else next.add(id);
          return next;
        });
        anchor.current = id;
        setPosition({ id, index });
      } else goTo(index, modifiers.range);
    },
    [goTo, setSelection],
  );
  const onOpen = useCallback(
    (id: number, index: number) => {
      goTo(index);
      setView('loupe');
    },
    [goTo, setView],
  );
  const onColumns = useCallback((n: number) => (columns.current = n), []);

  const groupLabel = useCallback(
    (g: OutputGroup) => {
      if (g.key === null) return t(`review.groups.without.${group}`);
      if (group === 'day') {
        const [y, m, d] = g.key.split('-').map(Number);
        return new Intl.DateTimeFormat(undefined, { dateStyle: 'full' }).format(new Date(y!, m! - 1, d!));
      }
      return g.label ?? g.key;
    },
    [group, t],
  );

  const libraryEmpty = facets.data?.total === 0 && facets.data.trash === 0;
  const filtered = activeFilterKeys(filter).length > 0 || filter.trash || filter.collectionId !== undefined;
  const importButton = (
    <button type="button" className="button" onClick={() => setDialog('import')}>
      <Icon name="import" size={16} />
      <span>{t('review.import')}</span>
    </button>
  );

  return (
    <div className="page page-fill review-page">
      <PageHeader
        title={t('nav.review')}
        subtitle={
          list.loaded ? (
            <>
              <span>{countLabel(t, list.total, list.videos, format.number)}</span>
              {filtered && facets.data && <span className="muted"> · {t('review.ofLibrary', { total: format.number(facets.data.total) })}</span>}
            </>
          ) : undefined
        }
      >
        <SaveIndicator status={status} onDismiss={() => decisions.dismissError()} />
        <button type="button" className="button" onClick={() => setDialog('export')} disabled={libraryEmpty}>
          <RIcon name="export" size={16} />
          <span>{t('review.exportButton')}</span>
        </button>
        {importButton}
      </PageHeader>
      <ErrorNotice error={list.error ?? facets.error} />
      <ExportNotice />
      {libraryEmpty ? (
        <EmptyState icon="review" title={t('review.emptyTitle')} action={importButton}>
          <p>{t('review.emptyBody')}</p>
        </EmptyState>
      ) : (
        <div className={showRail ? 'review-layout with-rail' : 'review-layout'}>
          {showRail && <LibraryRail filter={filter} facets={facets.data} onSource={setFilter} onEmptyTrash={emptyTheTrash} />}
          <div className="review-main">
            <ReviewToolbar
              settings={settings}
              update={update}
              onView={onViewChosen}
              search={searchBox}
              rail={railToggle}
              info={infoToggle}
              history={undoHistory}
              onHelp={showHelp}
            />
            {status.conflict && (
              <p className="undo-conflict warning-text small-text" role="alert" data-testid="undo-conflict">
                {t(status.conflict.way === 'undo' ? 'review.undoConflict' : 'review.redoConflict', {
                  label: status.conflict.label,
                  count: status.conflict.outputIds.length,
                })}
              </p>
            )}
            {view !== 'stats' && (
              <FilterBar filter={filter} facets={facets.data} onFilter={setFilter} count={null} stale={stale} onRefresh={refreshList} />
            )}
            <div className="review-body">
              <div className="review-view">
                {list.isPending && <Spinner label={t('common.loading')} />}
                {list.loaded && list.total === 0 && view !== 'stats' && (
                  <div className="no-results">
                    <p>{filter.trash ? t('review.trashEmpty') : t('review.noMatch')}</p>
                    {filtered && !filter.trash && (
                      <button
                        type="button"
                        className="button small"
                        onClick={() => setFilter(Object.fromEntries(Object.keys(filter).map((k) => [k, undefined])))}
                      >
                        {t('review.clearFilters')}
                      </button>
                    )}
                  </div>
                )}
                {view === 'grid' && ids.length > 0 && (
                  <OutputGrid
                    ids={ids}
                    total={list.total}
                    groups={groups}
                    groupLabel={groupLabel}
                    currentIndex={currentIndex}
                    selection={selection.size ? selection : new Set(current !== null ? [current] : [])}
                    tileSize={settings.tileSize}
                    onSelect={onSelect}
                    onOpen={onOpen}
                    onColumns={onColumns}
                  />
                )}
                {view === 'loupe' && ids.length > 0 && (
                  <Loupe
                    ids={ids}
                    index={currentIndex}
                    zoom={zoom}
                    onZoom={setZoom}
                    faceRequest={faceRequest}
                    onMove={goTo}
                    decisions={handlers}
                    saveState={status.state}
                  />
                )}
                {view === 'compare' &&
                  (compareIds.length >= 2 ? (
                    <Compare
                      ids={compareIds}
                      active={compareActive}
                      onActivate={setCompareActive}
                      zoom={zoom}
                      onZoom={setZoom}
                      decisions={handlers}
                    />
                  ) : (
                    <div className="no-results">
                      <p>{t('review.compareHint')}</p>
                    </div>
                  ))}
                {view === 'stats' && (
                  <StatsView
                    filter={filter}
                    onNarrow={(change) => {
                      setFilter(change);
                      setView('grid');
                    }}
                  />
                )}
              </div>
              {showInfo && view !== 'stats' && (
                <OutputDetailPanel
                  ids={shownDetailIds}
                  showImage={view === 'grid'}
                  onClose={toggleInfo}
                  decisions={panelActions.decisions}
                  onTrash={panelActions.onTrash}
                  onRestore={panelActions.onRestore}
                  onCompare={panelActions.onCompare}
                />
              )}
            </div>
          </div>
        </div>
      )}
      <ErrorNotice error={emptyTrash.error} />
      {dialog === 'import' && <ImportDialog onClose={() => setDialog(null)} onStarted={dropLinkFilter} />}
      {dialog === 'export' && (
        <ExportDialog picks={facets.data?.picks ?? 0} selection={selected} view={ids} viewTotal={list.total} onClose={() => setDialog(null)} />
      )}
      {dialog === 'help' && <KeyHelp onClose={() => setDialog(null)} />}
    </div>
  );
}
