import { useTranslation } from 'react-i18next';
import type { DirectoryListing } from '../../api/types';
import { useFormat } from '../../app/format';
import { Icon } from '../../app/icons';

function folderName(path: string): string {
  return (
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() || path
  );
}

/** Folders on the machine that runs the studio (the browser cannot see them itself). */
export function FolderBrowser({ listing, onOpen }: { listing: DirectoryListing; onOpen: (path: string) => void }) {
  const { t } = useTranslation();
  const format = useFormat();
  const folders = listing.entries.filter((e) => e.isDirectory);
  return (
    <div className="folder-browser">
      <div className="folder-bar">
        <button
          type="button"
          className="button small"
          disabled={listing.parent === null}
          onClick={() => listing.parent !== null && onOpen(listing.parent)}
          aria-label={t('import.up')}
          title={t('import.up')}
        >
          <Icon name="up" size={14} />
          <span>{t('import.upShort')}</span>
        </button>
        <span className="folder-current" title={listing.path}>
          <Icon name="folder" size={15} />
          <span>{folderName(listing.path)}</span>
        </span>
        <span className="folder-count" data-testid="folder-image-count">
          {t('import.imageCount', { count: listing.imageCount, formatted: format.number(listing.imageCount) })}
        </span>
      </div>
      {folders.length ? (
        <ul className="folder-list" aria-label={t('import.subfolders')}>
          {folders.map((entry) => (
            <li key={entry.path}>
              <button type="button" className="folder-entry" onClick={() => onOpen(entry.path)}>
                <Icon name="folder" size={16} />
                <span>{entry.name}</span>
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="folder-empty muted">{t('import.noSubfolders')}</p>
      )}
    </div>
  );
}
