import { readFileSync } from 'node:fs';
import { appRoot } from './entry-points';

let cached: string | undefined;

/** The app version from package.json (stored with every output as provenance). */
export function appVersion(): string {
  if (cached) return cached;
  try {
    cached = (JSON.parse(readFileSync(`${appRoot()}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
