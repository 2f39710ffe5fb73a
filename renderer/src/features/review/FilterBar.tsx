import { memo, useEffect, useId, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputFacets, OutputFilter } from '../../api/types';
import { colorLabels } from './decision-marks';
import { RIcon } from './review-icons';
import { activeFilterKeys } from './review-settings';

/** yyyy-mm-dd (a date input's value) ↔ local midnight in ms. */
export function dayStart(value: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return match ? new Date(Number(match[1]), Number(match[2]) - 1, Number(match[3])).getTime() : undefined;
}
export function dayValue(ms: number | undefined): string {
  if (ms === undefined) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The full placeholder where the field has room for it, else the short one (a narrow toolbar never clips it). */
function useFittingPlaceholder(inputRef: RefObject<HTMLInputElement | null>, full: string, short: string): string {
  const [fits, setFits] = useState(true);
  useEffect(() => {
    const input = inputRef.current;
    if (!input) return;
    const context = document.createElement('canvas').getContext('2d');
    const measure = () => {
      const style = getComputedStyle(input);
      if (!context) return;
      context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      setFits(context.measureText(full).width <= room);
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(input);
    return () => observer.disconnect();
  }, [inputRef, full]);
  return fits ? full : short;
}

/** Search as you type, sent once typing pauses. */
export function SearchField({
  value,
  onChange,
  inputRef,
}: {
  value: string;
  onChange: (text: string) => void;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState(value);
  // A new value from outside (filters cleared) replaces what is typed.
  const [shown, setShown] = useState(value);
  if (shown !== value) {
    setShown(value);
    setText(value);
  }
  useEffect(() => {
    if (text === value) return;
    const timer = setTimeout(() => onChange(text), 250);
    return () => clearTimeout(timer);
  }, [text, value, onChange]);
  const placeholder = useFittingPlaceholder(inputRef, t('review.searchPlaceholder'), t('review.searchPlaceholderShort'));
  return (
    <label className="search-field">
      <RIcon name="search" size={15} />
      <input
        ref={inputRef}
        type="search"
        value={text}
        aria-label={t('review.search')}
        title={t('review.searchPlaceholder')}
        placeholder={placeholder}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onChange(text);
          if (e.key === 'Escape') (e.target as HTMLInputElement).blur();
        }}
      />
    </label>
  );
}

function Select({
  label,
  value,
  options,
  onChange,
  testId,
}: {
  label: string;
  value: string;
  options: { value: string; label: string }[];
  onChange: (value: string | undefined) => void;
  testId?: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <div className="filter-field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} data-testid={testId} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{t('review.any')}</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** Person, model, LoRA, template, provider, tool, kind, tag and dates, in a panel under "More filters". */
function MoreFilters({
  filter,
  facets,
  onFilter,
  onClose,
}: {
  filter: OutputFilter;
  facets: OutputFacets | undefined;
  onFilter: (change: Partial<OutputFilter>) => void;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onDown = (event: PointerEvent) => {
      if (panel.current && !panel.current.contains(event.target as Node) && !(event.target as HTMLElement).closest('.more-filters-toggle')) onClose();
    };
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    document.addEventListener('pointerdown', onDown);
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('pointerdown', onDown);
      document.removeEventListener('keydown', onKey);
    };
  }, [onClose]);
  const values = (list: { value: string; count: number }[] | undefined) =>
    (list ?? []).map((v) => ({ value: v.value, label: `${v.value} (${v.count.toLocaleString()})` }));
  const fromId = useId();
  const toId = useId();
  return (
    <div className="more-filters" ref={panel} role="dialog" aria-label={t('review.moreFilters')} data-testid="more-filters">
      <Select
        label={t('review.filters.person')}
        value={filter.personId?.toString() ?? ''}
        options={(facets?.people ?? []).map((p) => ({ value: String(p.id), label: `${p.name} (${p.count})` }))}
        onChange={(v) => onFilter({ personId: v ? Number(v) : undefined })}
      />
      <Select
        label={t('review.filters.model')}
        value={filter.model ?? ''}
        options={values(facets?.models)}
        onChange={(v) => onFilter({ model: v })}
        testId="filter-model"
      />
      <Select label={t('review.filters.lora')} value={filter.lora ?? ''} options={values(facets?.loras)} onChange={(v) => onFilter({ lora: v })} />
      <Select
        label={t('review.filters.template')}
        value={filter.template ?? ''}
        options={values(facets?.templates)}
        onChange={(v) => onFilter({ template: v })}
      />
      <Select
        label={t('review.filters.provider')}
        value={filter.provider ?? ''}
        options={values(facets?.providers)}
        onChange={(v) => onFilter({ provider: v })}
      />
      <Select
        label={t('review.filters.generator')}
        value={filter.generator ?? ''}
        options={values(facets?.generators)}
        onChange={(v) => onFilter({ generator: v })}
      />
      <Select label={t('review.filters.tag')} value={filter.tag ?? ''} options={values(facets?.tags)} onChange={(v) => onFilter({ tag: v })} />
      <Select
        label={t('review.filters.kind')}
        value={filter.kind ?? ''}
        options={[
          { value: 'image', label: t('review.kinds.image') },
          { value: 'video', label: t('review.kinds.video') },
        ]}
        onChange={(v) => onFilter({ kind: v as OutputFilter['kind'] })}
      />
      <div className="filter-field">
        <label htmlFor={fromId}>{t('review.filters.from')}</label>
        <input id={fromId} type="date" value={dayValue(filter.from)} onChange={(e) => onFilter({ from: dayStart(e.target.value) })} />
      </div>
      <div className="filter-field">
        <label htmlFor={toId}>{t('review.filters.to')}</label>
        <input
          id={toId}
          type="date"
          value={dayValue(filter.to === undefined ? undefined : filter.to - 1)}
          onChange={(e) => {
            const start = dayStart(e.target.value);
            // "To" includes that day: the query's end is exclusive, so it is the next midnight.
            onFilter({ to: start === undefined ? undefined : new Date(new Date(start).setDate(new Date(start).getDate() + 1)).getTime() });
          }}
        />
      </div>
    </div>
  );
}

/** Flag, stars and colour label at a glance; everything else under "More filters"; set filters as removable chips. */
export const FilterBar = memo(function FilterBar({
  filter,
  facets,
  onFilter,
  count,
  stale,
  onRefresh,
}: {
  filter: OutputFilter;
  facets: OutputFacets | undefined;
  onFilter: (change: Partial<OutputFilter>) => void;
  count: string | null;
  stale: boolean;
  onRefresh: () => void;
}) {
  const { t } = useTranslation();
  const [more, setMore] = useState(false);
  const flags = [
    { value: undefined, label: t('review.flagFilter.all') },
    { value: 'pick', label: t('review.flagFilter.pick') },
    { value: 'none', label: t('review.flagFilter.none') },
    { value: 'reject', label: t('review.flagFilter.reject') },
  ] as const;
  const chips = activeFilterKeys(filter).filter((k) => !['flag', 'minStars', 'label', 'text', 'minLikeness', 'keepers'].includes(k));
  const likeness = filter.keepers ? 'keepers' : filter.minLikeness !== undefined ? String(filter.minLikeness) : '';
  const chipText = (key: keyof OutputFilter): string => {
    const value = filter[key];
    if (key === 'personId') return facets?.people.find((p) => p.id === value)?.name ?? String(value);
    if (key === 'from' || key === 'to') return `${t(`review.filters.${key}`)} ${dayValue(key === 'to' ? (value as number) - 1 : (value as number))}`;
    if (key === 'kind') return t(`review.kinds.${value as string}`);
    if (key === 'ids') return t('review.linkedOutputs', { count: (value as number[]).length });
    // Batch ids are long UUIDs: the start tells batches apart, the tooltip has the whole id.
    if (key === 'batchId' && String(value).length > 12) return `${String(value).slice(0, 8)}…`;
    return String(value);
  };
  return (
    <div className="filter-bar" data-testid="filter-bar">
      <div className="segmented text" role="group" aria-label={t('review.flag')}>
        {flags.map((f) => (
          <button key={f.label} type="button" className="segment" aria-pressed={filter.flag === f.value} onClick={() => onFilter({ flag: f.value })}>
            {f.label}
          </button>
        ))}
      </div>
      <div className="star-filter" role="group" aria-label={t('review.minStars')}>
        {[1, 2, 3, 4, 5].map((n) => (
          <button
            key={n}
            type="button"
            className={(filter.minStars ?? 0) >= n ? 'star-button on' : 'star-button'}
            aria-pressed={filter.minStars === n}
            aria-label={t('review.atLeastStars', { count: n })}
            title={t('review.atLeastStars', { count: n })}
            onClick={() => onFilter({ minStars: filter.minStars === n ? undefined : n })}
          >
            <RIcon name="star" size={15} filled={(filter.minStars ?? 0) >= n} />
          </button>
        ))}
      </div>
      <div className="label-filter" role="group" aria-label={t('review.label')}>
        {colorLabels.map((l) => (
          <button
            key={l}
            type="button"
            className={filter.label === l ? `label-button label-${l} on` : `label-button label-${l}`}
            aria-pressed={filter.label === l}
            aria-label={t('review.onlyLabel', { label: t(`review.labels.${l}`) })}
            title={t('review.onlyLabel', { label: t(`review.labels.${l}`) })}
            onClick={() => onFilter({ label: filter.label === l ? undefined : l })}
          />
        ))}
      </div>
      <select
        className="toolbar-select likeness-filter"
        value={likeness}
        aria-label={t('review.likeness.filter')}
        title={t('review.likeness.filterHelp')}
        data-testid="likeness-filter"
        onChange={(e) => {
          const value = e.target.value;
          onFilter(
            value === 'keepers' ? { keepers: true, minLikeness: undefined } : { keepers: undefined, minLikeness: value ? Number(value) : undefined },
          );
        }}
      >
        <option value="">{t('review.likeness.filterAny')}</option>
        <option value="keepers">{t('review.likeness.keepers')}</option>
        <option value="75">{t('review.likeness.atLeast', { score: 75 })}</option>
        <option value="50">{t('review.likeness.atLeast', { score: 50 })}</option>
      </select>
      <div className="more-filters-anchor">
        <button
          type="button"
          className={more ? 'button small active more-filters-toggle' : 'button small more-filters-toggle'}
          aria-expanded={more}
          onClick={() => setMore((m) => !m)}
        >
          <RIcon name="filter" size={14} />
          <span>{t('review.moreFilters')}</span>
        </button>
        {more && <MoreFilters filter={filter} facets={facets} onFilter={onFilter} onClose={() => setMore(false)} />}
      </div>
      {chips.map((key) => (
        <span
          key={key}
          className="chip filter-chip"
          data-testid={`filter-chip-${key}`}
          title={key === 'batchId' ? String(filter.batchId) : undefined}
        >
          <span className="muted">{t(`review.filters.${key === 'personId' ? 'person' : key}`)}:</span>
          <span>{chipText(key)}</span>
          <button
            type="button"
            aria-label={t('review.removeFilter', { name: t(`review.filters.${key === 'personId' ? 'person' : key}`) })}
            onClick={() => onFilter({ [key]: undefined })}
          >
            <RIcon name="close" size={11} />
          </button>
        </span>
      ))}
      {activeFilterKeys(filter).length > 0 && (
        <button
          type="button"
          className="text-button"
          onClick={() =>
            onFilter({
              flag: undefined,
              minStars: undefined,
              minLikeness: undefined,
              keepers: undefined,
              label: undefined,
              text: undefined,
              ...Object.fromEntries(chips.map((k) => [k, undefined])),
            })
          }
        >
          {t('review.clearFilters')}
        </button>
      )}
      <span className="filter-spacer" />
      {stale && (
        <button type="button" className="button small" onClick={onRefresh} title={t('review.staleHelp')} data-testid="refresh-list">
          <RIcon name="refresh" size={14} />
          <span>{t('review.refresh')}</span>
        </button>
      )}
      {count && (
        <span className="filter-count" data-testid="result-count">
          {count}
        </span>
      )}
    </div>
  );
});
