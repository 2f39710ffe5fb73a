import { useEffect, useSyncExternalStore } from 'react';
import { readStorage, writeStorage } from './i18n';

export const themes = ['light', 'dark', 'system'] as const;
export type ThemePreference = (typeof themes)[number];

const STORAGE_KEY = 'likeness.theme';
const darkQuery = window.matchMedia('(prefers-color-scheme: dark)');
const listeners = new Set<() => void>();

function stored(): ThemePreference {
  const value = readStorage(STORAGE_KEY);
  return themes.includes(value as ThemePreference) ? (value as ThemePreference) : 'system';
}

let preference: ThemePreference = stored();

/** Writes the resolved theme to <html data-theme>, where the CSS variables switch. */
export function applyTheme(): void {
  const resolved = preference === 'system' ? (darkQuery.matches ? 'dark' : 'light') : preference;
  document.documentElement.dataset.theme = resolved;
  document.documentElement.style.colorScheme = resolved;
}

export function setTheme(next: ThemePreference): void {
  preference = next;
  writeStorage(STORAGE_KEY, next);
  applyTheme();
  for (const listener of listeners) listener();
}

darkQuery.addEventListener('change', applyTheme);

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useThemePreference(): ThemePreference {
  const value = useSyncExternalStore(subscribe, () => preference);
  useEffect(applyTheme, [value]);
  return value;
}
