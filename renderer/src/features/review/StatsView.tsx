import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import { FEW_REVIEWED, type KeepRateRow, type OutputFilter, type StatsDimension } from '../../api/types';
import { useFormat } from '../../app/format';
import { ErrorNotice, Spinner } from '../../app/page-elements';
import { reviewKeys } from './review-data';

const dimensions: StatsDimension[] = ['template', 'model', 'lora', 'scheduler', 'steps', 'guidance', 'person', 'provider', 'likeness'];
/** Which filter a row of each dimension narrows the grid to (scheduler, steps and guidance have none). */
const filterKey: Partial<Record<StatsDimension, keyof OutputFilter>> = {
  template: 'template',
  model: 'model',
  lora: 'lora',
  person: 'personId',
  provider: 'provider',
};
/** Fewer reviewed than this, and a rate says little: shown faded (and ranked after the others by the engine). */
const FEW = FEW_REVIEWED;

/** A bar per value: the keep rate, and (darker) what it is at least given how few were reviewed. */
function KeepRateChart({ rows }: { rows: KeepRateRow[] }) {
  const { t } = useTranslation();
  const format = useFormat();
  const shown = rows.filter((r) => r.keepRate !== null).slice(0, 12);
  if (!shown.length) return <p className="muted">{t('review.stats.noneReviewed')}</p>;
  const barHeight = 22;
  const labelWidth = 180;
  const width = 560;
  const chartWidth = width - labelWidth - 60;
  return (
    <svg className="keep-chart" width={width} height={shown.length * barHeight + 8} role="img" aria-label={t('review.stats.chartLabel')}>
      {shown.map((row, i) => {
        const y = 4 + i * barHeight;
        const label = row.label ?? t('review.stats.none');
        return (
          <g key={`${row.value}`} className={row.reviewed < FEW ? 'few' : undefined}>
            <text x={labelWidth - 8} y={y + 14} textAnchor="end" className="chart-label">
              {label.length > 26 ? `${label.slice(0, 25)}…` : label}
            </text>
            <rect x={labelWidth} y={y + 3} width={chartWidth} height={barHeight - 8} className="chart-track" rx="3" />
            <rect x={labelWidth} y={y + 3} width={chartWidth * (row.keepRate ?? 0)} height={barHeight - 8} className="chart-rate" rx="3" />
            <rect x={labelWidth} y={y + 3} width={chartWidth * (row.keepRateLow ?? 0)} height={barHeight - 8} className="chart-low" rx="3" />
            <text x={labelWidth + chartWidth + 8} y={y + 14} className="chart-value">
              {format.percent(row.keepRate ?? 0)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/**
 * "What works": keep rate (picks ÷ reviewed) and stars per template, model, LoRA, scheduler, steps, …,
 * over the outputs the current filter selects, best first by the lower bound of the rate (so two lucky
 * picks do not beat forty good ones). A row narrows the grid to it.
 */
export function StatsView({ filter, onNarrow }: { filter: OutputFilter; onNarrow: (change: Partial<OutputFilter>) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const [by, setBy] = useState<StatsDimension>('template');
  // Flag, stars and label filters (and "likely keepers", which are unflagged) would make every keep rate 100 % or
  // 0 %, and a likeness floor would hide what likeness predicts: statistics ignore them.
  const { flag: _flag, minStars: _stars, label: _label, keepers: _keepers, minLikeness: _minLikeness, ...scope } = filter;
  const stats = useQuery({ queryKey: reviewKeys.stats(by, scope), queryFn: () => studio.api.review.stats({ by, filter: scope }) });
  // Likeness bands come as codes (same, unsure, different): said in the user's language.
  const rows = (stats.data?.rows ?? []).map((r) => (by === 'likeness' && r.value ? { ...r, label: t(`review.likeness.bands.${r.value}`) } : r));
  const prediction = stats.data?.likeness;
  const key = filterKey[by];
  return (
    <div className="stats-view" data-testid="stats-view">
      <div className="stats-head">
        <h2>{t('review.stats.title')}</h2>
        <p className="muted">{t('review.stats.intro')}</p>
      </div>
      <div className="segmented text" role="tablist" aria-label={t('review.stats.by')}>
        {dimensions.map((d) => (
          <button key={d} type="button" role="tab" className="segment" aria-selected={by === d} aria-pressed={by === d} onClick={() => setBy(d)}>
            {t(`review.stats.dimensions.${d}`)}
          </button>
        ))}
      </div>
      {prediction && prediction.picks > 0 && (
        <p className="stats-likeness" data-testid="likeness-prediction">
          {t('review.stats.likenessTopQuarter', {
            share: format.percent(prediction.topQuarterShare ?? 0),
            inTop: format.number(prediction.picksInTopQuarter),
            count: prediction.picks,
          })}{' '}
          {prediction.auc !== null &&
            t('review.stats.likenessAuc', {
              auc: prediction.auc.toFixed(2),
              picks: format.number(prediction.picks),
              rejects: format.number(prediction.rejects),
            })}
        </p>
      )}
      {stats.isPending && <Spinner label={t('common.loading')} />}
      <ErrorNotice error={stats.error} />
      {stats.data && (
        <div className="stats-body">
          <KeepRateChart rows={rows} />
          <table className="table stats-table">
            <thead>
              <tr>
                <th>{t(`review.stats.dimensions.${by}`)}</th>
                <th className="num">{t('review.stats.outputs')}</th>
                <th className="num">{t('review.stats.reviewed')}</th>
                <th className="num">{t('review.stats.picks')}</th>
                <th className="num">{t('review.stats.keepRate')}</th>
                <th className="num">{t('review.stats.avgStars')}</th>
                <th className="num">{t('review.stats.excellent')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr key={`${row.value}`} className={row.reviewed < FEW ? 'few' : undefined} data-testid="stats-row">
                  <td>
                    {key && row.value !== null ? (
                      <button
                        type="button"
                        className="text-button"
                        title={t('review.stats.narrow')}
                        onClick={() => onNarrow({ [key]: key === 'personId' ? Number(row.value) : row.value })}
                      >
                        {row.label}
                      </button>
                    ) : (
                      (row.label ?? <span className="muted">{t('review.stats.none')}</span>)
                    )}
                  </td>
                  <td className="num">{format.number(row.outputs)}</td>
                  <td className="num">{format.number(row.reviewed)}</td>
                  <td className="num">{format.number(row.picks)}</td>
                  <td
                    className="num"
                    title={row.keepRateLow !== null ? t('review.stats.atLeast', { rate: format.percent(row.keepRateLow) }) : undefined}
                  >
                    {row.keepRate === null ? '—' : format.percent(row.keepRate)}
                  </td>
                  <td className="num">{row.avgStars === null ? '—' : row.avgStars.toFixed(1)}</td>
                  <td className="num">{format.number(row.excellent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 && <p className="muted">{t('review.stats.empty')}</p>}
        </div>
      )}
    </div>
  );
}
