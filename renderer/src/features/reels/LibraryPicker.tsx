import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'wouter';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { Icon } from '../../app/icons';
import { queryKeys } from '../../app/query';
import { ErrorNotice, Spinner } from '../../app/ui';
import { outputName } from '../review/OutputGrid';

const PICKER_LIMIT = 300;

/** The newest outputs of the catalogue (images and videos) as a grid to pick from; the picked show their order. */
export function LibraryPicker({ selected, onToggle, max }: { selected: OutputSummary[]; onToggle: (output: OutputSummary) => void; max: number }) {
  const { t } = useTranslation();
  // Under the outputs key, so new outputs (an import, a finished reel) refresh it like the Review grid.
  const outputs = useQuery({
    queryKey: [...queryKeys.outputs, 'reels-picker'],
    queryFn: () => studio.api.catalog.listOutputs({ sort: 'newest', limit: PICKER_LIMIT }),
  });
  if (outputs.isPending) return <Spinner label={t('common.loading')} />;
  if (outputs.error) return <ErrorNotice error={outputs.error} />;
  const items = outputs.data.items;
  if (!items.length) {
    return (
      <p className="muted">
        {t('reels.emptyBody')}{' '}
        <Link href="/review" className="text-link">
          {t('reels.nextAction')}
        </Link>
      </p>
    );
  }
  const full = selected.length >= max;
  return (
    <ul className="reel-library" aria-label={t('reels.library')}>
      {items.map((output) => {
        const position = selected.findIndex((s) => s.id === output.id);
        const name = outputName(output, t('review.untitled', { id: output.id }));
        return (
          <li key={output.id}>
            <button
              type="button"
              className={position >= 0 ? 'reel-pick picked' : 'reel-pick'}
              aria-pressed={position >= 0}
              disabled={position < 0 && full && max > 1}
              title={name}
              data-testid="reel-pick"
              onClick={() => onToggle(output)}
            >
              <img src={studio.mediaUrl(output.thumbHash ?? output.hash)} alt={name} decoding="async" draggable={false} />
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
  );
}
