// The review page's stroke icons (24-unit grid, currentColor), in the style of app/icons.tsx.
import type { ReactNode } from 'react';
import { iconPaths, StrokeIcon } from '../../app/icons';

const paths = {
  pick: <path d="M6 21V4h10l-1.5 3.5L16 11H6" />,
  reject: (
    <>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M8.5 8.5l7 7M15.5 8.5l-7 7" />
    </>
  ),
  unflag: (
    <>
      <path d="M6 21V4h10l-1.5 3.5L16 11H6" opacity="0.45" />
      <path d="M3 3l18 18" />
    </>
  ),
  star: <path d="M12 3.2l2.7 5.6 6.1.8-4.5 4.2 1.1 6-5.4-2.9-5.4 2.9 1.1-6-4.5-4.2 6.1-.8z" />,
  grid: (
    <>
      <rect x="3.5" y="3.5" width="7" height="7" rx="1" />
      <rect x="13.5" y="3.5" width="7" height="7" rx="1" />
      <rect x="3.5" y="13.5" width="7" height="7" rx="1" />
      <rect x="13.5" y="13.5" width="7" height="7" rx="1" />
    </>
  ),
  loupe: (
    <>
      <rect x="3" y="4" width="18" height="16" rx="1.5" />
      <path d="M7 16l3.5-4 2.5 3 2-2 2 3" />
    </>
  ),
  compare: (
    <>
      <rect x="2.5" y="5" width="8.5" height="14" rx="1.2" />
      <rect x="13" y="5" width="8.5" height="14" rx="1.2" />
    </>
  ),
  chart: <path d="M4 20V10M10 20V4M16 20v-7M22 20H2" />,
  undo: <path d="M9 14L4 9l5-5M4 9h10.5a5.5 5.5 0 0 1 0 11H11" />,
  redo: <path d="M15 14l5-5-5-5M20 9H9.5a5.5 5.5 0 0 0 0 11H13" />,
  trash: <path d="M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3" />,
  restore: (
    <>
      <path d="M4 12a8 8 0 1 0 2.4-5.7" />
      <path d="M4 4v4.5h4.5" />
    </>
  ),
  tag: (
    <>
      <path d="M3.5 12.5V4h8.5l8.5 8.5-8.5 8.5z" />
      <circle cx="8" cy="8.5" r="1.3" />
    </>
  ),
  collection: (
    <>
      <rect x="3" y="8" width="18" height="12" rx="1.5" />
      <path d="M5.5 5h13M8 2.5h8" />
    </>
  ),
  search: (
    <>
      <circle cx="10.5" cy="10.5" r="6" />
      <path d="M15 15l5.5 5.5" />
    </>
  ),
  filter: <path d="M3.5 5h17l-6.5 8v6l-4 1.5V13z" />,
  fit: <path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" />,
  zoom: (
    <>
      <circle cx="10.5" cy="10.5" r="6" />
      <path d="M15 15l5.5 5.5M8 10.5h5M10.5 8v5" />
    </>
  ),
  face: (
    <>
      <path d="M4 8V5a1 1 0 0 1 1-1h3M16 4h3a1 1 0 0 1 1 1v3M20 16v3a1 1 0 0 1-1 1h-3M8 20H5a1 1 0 0 1-1-1v-3" />
      <circle cx="12" cy="11" r="3" />
      <path d="M7.5 17.5c1-1.8 2.6-2.7 4.5-2.7s3.5.9 4.5 2.7" />
    </>
  ),
  play: <path d="M8 5.5v13l10-6.5z" />,
  export: (
    <>
      <path d="M12 15V3M7 8l5-5 5 5" />
      <path d="M4 14v5.5A1.5 1.5 0 0 0 5.5 21h13a1.5 1.5 0 0 0 1.5-1.5V14" />
    </>
  ),
  check: <path d="M5 12.5l4.5 4.5L19 7.5" />,
  alert: (
    <>
      <path d="M12 3.5l9.5 16.5h-19z" />
      <path d="M12 10v4.5M12 17.5v.5" />
    </>
  ),
  info: (
    <>
      <circle cx="12" cy="12" r="9" />
      <path d="M12 11v6M12 7.5v.5" />
    </>
  ),
  advance: <path d="M5 5l7 7-7 7M13 5l7 7-7 7" />,
  copy: (
    <>
      <rect x="8" y="8" width="12" height="12" rx="1.5" />
      <path d="M16 8V5.5A1.5 1.5 0 0 0 14.5 4h-9A1.5 1.5 0 0 0 4 5.5v9A1.5 1.5 0 0 0 5.5 16H8" />
    </>
  ),
  keyboard: (
    <>
      <rect x="2.5" y="6" width="19" height="12" rx="1.5" />
      <path d="M6 10h.5M9.5 10h.5M13 10h.5M16.5 10h1M6 14h12" />
    </>
  ),
  reuse: (
    <>
      <path d="M12 3l1.8 4.7 4.7 1.8-4.7 1.8L12 16l-1.8-4.7-4.7-1.8 4.7-1.8z" />
      <path d="M4 20l4-4" />
    </>
  ),
  refresh: (
    <>
      <path d="M20 12a8 8 0 1 1-2.4-5.7" />
      <path d="M20 4v4.5h-4.5" />
    </>
  ),
  rail: (
    <>
      <rect x="3" y="4" width="18" height="16" rx="1.5" />
      <path d="M9 4v16" />
    </>
  ),
  plus: iconPaths.plus,
  close: iconPaths.close,
  chevronDown: <path d="M6 9l6 6 6-6" />,
} satisfies Record<string, ReactNode>;

export type ReviewIconName = keyof typeof paths;

export function RIcon({ name, size = 16, filled = false }: { name: ReviewIconName; size?: number; filled?: boolean }) {
  return (
    <StrokeIcon size={size} filled={filled}>
      {paths[name]}
    </StrokeIcon>
  );
}
