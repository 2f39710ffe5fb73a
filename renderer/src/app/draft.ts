import { useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import { readStorage, writeStorage } from './i18n';

const PREFIX = 'likeness.draft.';

/**
 * State that outlives the page: kept in this browser's storage under `key`, so a half-made restoration or reel
 * — photo, steps, settings, the recorded voice (uploaded, kept by its hash), the job it started — is still there
 * after visiting the Models page or reloading. Only plain JSON belongs here (no object URLs, no files).
 */
export function useDraft<T>(key: string, initial: T | (() => T)): [T, Dispatch<SetStateAction<T>>] {
  const storageKey = PREFIX + key;
  const [value, setValue] = useState<T>(() => {
    const stored = readStorage(storageKey);
    if (stored !== null) {
      try {
        return JSON.parse(stored) as T;
      } catch {
        // written by another version: start afresh
      }
    }
    return typeof initial === 'function' ? (initial as () => T)() : initial;
  });
  useEffect(() => writeStorage(storageKey, JSON.stringify(value)), [storageKey, value]);
  return [value, setValue];
}
