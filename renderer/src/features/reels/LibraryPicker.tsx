import { useInfiniteQuery } from '@tanstack/react-query';
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { useFormat } from '../../app/format';
import { Icon } from '../../app/icons';
import { queryKeys } from '../../app/query';
import { ErrorNotice, Spinner } from '../../app/page-elements';
import { useDebounced } from '../generate/generate-data';
import { outputName } from '../review/OutputGrid';

/** Tiles a page of the picker shows; "Show more" asks for the next. */
const PAGE = 60;

type KindChoice = 'all' | 'image' | 'video';

/** What a library item is, in the user's words: a photo, a restoration, an animated clip, a reel, a generation. */
function kindOf(output: OutputSummary): 'photo' | 'restoration' | 'clip' | 'reel' | 'generated' {
  if (output.source === 'restore') return 'restoration';
  if (output.source === 'animate') return 'clip';
  if (output.source === 'reel') return 'reel';
  if (output.source === 'generate' || output.generator) return 'generated';
  return 'photo';
}

/**
 * The library to pick from (images and videos), newest first, searchable by name and words, narrowed by kind,
 * a page at a time: a library of thousands still reaches its oldest scan. One tile is in the Tab order; the
 * arrow keys move between tiles.
 */
export function LibraryPicker({ selected, onToggle, max }: { selected: OutputSummary[]; onToggle: (output: OutputSummary) => void; max: number }) {
  const { t } = useTranslation();
  const format = useFormat();
  const id = useId();
  const [text, setText] = useState('');
  const [kind, setKind] = useState<KindChoice>('all');
  const query = { text: useDebounced(text.trim(), 250) || undefined, kind: kind === 'all' ? undefined : kind };
  // Under the outputs key, so new outputs (an import, a finished reel) refresh it like the Review grid.
  const outputs = useInfiniteQuery({
    queryKey: [...queryKeys.outputs, 'picker', query],
    queryFn: ({ pageParam }) => studio.api.catalog.listOutputs({ sort: 'newest', limit: PAGE, offset: pageParam, ...query }),
    initialPageParam: 0,
    getNextPageParam: (last, pages) => {
      const loaded = pages.reduce((n, p) => n + p.items.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
  });
  const [focused, setFocused] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const items = outputs.data?.pages.flatMap((p) => p.items) ?? [];
  const total = outputs.data?.pages[0]?.total ?? 0;
  const searching = Boolean(query.text) || kind !== 'all';

  const move = (event: KeyboardEvent<HTMLUListElement>) => {
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: 4, ArrowUp: -4, Home: -items.length, End: items.length }[event.key];
    if (step === undefined) return;
    event.preventDefault();
    const next = Math.max(0, Math.min(items.length - 1, focused + step));
    setFocused(next);
    list.current?.querySelectorAll<HTMLButtonElement>('.reel-pick')[next]?.focus();
  };

  const full = selected.length >= max;
  return (
    <div className="reel-picker">
      <div className="reel-picker-tools">
        <label htmlFor={`${id}-search`} className="visually-hidden">
          {t('reels.pickerSearch')}
        </label>
        <input
          id={`${id}-search`}
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={t('reels.pickerSearch')}
          data-testid="picker-search"
        />
        <label htmlFor={`${id}-kind`} className="visually-hidden">
          {t('reels.pickerKind')}
        </label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as KindChoice)}>
          <option value="all">{t('reels.pickerAll')}</option>
          <option value="image">{t('reels.pickerImages')}</option>
          <option value="video">{t('reels.pickerVideos')}</option>
        </select>
        {outputs.data && <span className="muted small-text">{t('reels.pickerCount', { shown: items.length, total })}</span>}
      </div>
      {outputs.isPending ? (
        <Spinner label={t('common.loading')} />
      ) : outputs.error ? (
        <ErrorNotice error={outputs.error} />
      ) : !items.length ? (
        <p className="muted">
          {searching ? (
            t('reels.pickerNothing')
          ) : (
            <>
              {t('reels.emptyBody')}{' '}
              <Link href="/review" className="text-link">
                {t('reels.nextAction')}
              </Link>
            </>
          )}
        </p>
      ) : (
        <ul className="reel-library" aria-label={t('reels.library')} ref={list} onKeyDown={move}>
          {items.map((output, index) => {
            const position = selected.findIndex((s) => s.id === output.id);
            const name = outputName(output, t('review.untitled', { id: output.id }));
            const what = t(`reels.kinds.${kindOf(output)}`);
            return (
              <li key={output.id}>
                <button
                  type="button"
                  className={position >= 0 ? 'reel-pick picked' : 'reel-pick'}
                  aria-pressed={position >= 0}
                  aria-label={name}
                  aria-description={`${what} · ${format.dateTime(output.createdAt)}`}
                  tabIndex={index === Math.min(focused, items.length - 1) ? 0 : -1}
                  disabled={position < 0 && full && max > 1}
                  title={`${name} — ${what}, ${format.dateTime(output.createdAt)}`}
                  data-testid="reel-pick"
                  onFocus={() => setFocused(index)}
                  onClick={() => onToggle(output)}
                >
                  <img src={studio.mediaUrl(output.thumbHash ?? output.hash)} alt="" decoding="async" loading="lazy" draggable={false} />
                  {output.kind === 'video' && (
                    <span className="reel-pick-kind">
                      <Icon name="reels" size={12} />
                      <span className="visually-hidden">{t('reels.video')}</span>
                    </span>
                  )}
                  {position >= 0 && <span className="reel-pick-order">{position + 1}</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {outputs.hasNextPage && (
        <button type="button" className="button small" onClick={() => void outputs.fetchNextPage()} disabled={outputs.isFetchingNextPage}>
          {t('reels.pickerMore', { count: Math.min(PAGE, total - items.length) })}
        </button>
      )}
    </div>
  );
}
