import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { appRoot } from '../core/entry-points';

/** The folder of shared, read-only test data: LIKENESS_SHARED, else ../shared beside the checkout. */
export function sharedRoot(): string {
  return resolve(process.env.LIKENESS_SHARED ?? join(appRoot(), '..', 'shared'));
}

export interface SharedFile {
  path: string;
  /** Set when the file is absent: the reason tests skip. */
  missing: string | undefined;
}

/**
 * Finds a shared file. Absent files make tests skip with the reason, except under CI=true,
 * where a missing file is an error (CI must never pass by skipping).
 */
export function sharedFile(relativePath: string): SharedFile {
  const path = join(sharedRoot(), relativePath);
  if (existsSync(path)) return { path, missing: undefined };
  const reason = `shared test data ${path} is missing (set LIKENESS_SHARED to the shared folder)`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`${reason}; CI requires it`);
  return { path, missing: reason };
}

export const fixturePhotos = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png'] as const;
