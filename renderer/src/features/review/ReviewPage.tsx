import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../app/format';
import { Icon } from '../../app/icons';
import { EmptyState, ErrorNotice, PageHeader, Spinner } from '../../app/ui';
import { ImportDialog } from './ImportDialog';
import { OutputDetailPanel } from './OutputDetailPanel';
import { OutputGrid } from './OutputGrid';
import { useOutputPages } from './output-pages';

const filters = { sort: 'newest' } as const;

export function ReviewPage() {
  const { t } = useTranslation();
  const format = useFormat();
  const [range, setRange] = useState<[number, number]>([0, -1]);
  const [selectedId, setSelectedId] = useState<number | null>(null);
  const [importing, setImporting] = useState(false);
  const outputs = useOutputPages(filters, range[0], range[1]);
  const onRangeChange = useCallback((first: number, last: number) => {
    setRange((current) => (current[0] === first && current[1] === last ? current : [first, last]));
  }, []);
  const closeDetail = useCallback(() => setSelectedId(null), []);

  const importButton = (
    <button type="button" className="button primary" onClick={() => setImporting(true)}>
      <Icon name="import" size={16} />
      <span>{t('review.import')}</span>
    </button>
  );

  return (
    <div className="page page-fill">
      <PageHeader
        title={t('nav.review')}
        subtitle={outputs.total !== undefined ? t('review.count', { count: outputs.total, formatted: format.number(outputs.total) }) : undefined}
      >
        {importButton}
      </PageHeader>
      <ErrorNotice error={outputs.error} />
      {outputs.isPending && <Spinner label={t('common.loading')} />}
      {outputs.total === 0 && (
        <EmptyState icon="review" title={t('review.emptyTitle')} action={importButton}>
          <p>{t('review.emptyBody')}</p>
        </EmptyState>
      )}
      {outputs.total !== undefined && outputs.total > 0 && (
        <div className="review-body">
          <OutputGrid total={outputs.total} itemAt={outputs.itemAt} selectedId={selectedId} onSelect={setSelectedId} onRangeChange={onRangeChange} />
          {selectedId !== null && <OutputDetailPanel id={selectedId} onClose={closeDetail} />}
        </div>
      )}
      {importing && <ImportDialog onClose={() => setImporting(false)} />}
    </div>
  );
}
