import { homedir } from 'node:os';
import { resolve, sep } from 'node:path';

/**
 * An absolute path from what a user typed: `~` and `~/…` are their home folder (a shell expands them on the
 * command line, but nothing does for a path typed into the browser UI), the rest resolves as usual.
 */
export function resolveUserPath(path: string): string {
  const trimmed = path.trim();
  if (trimmed === '~') return homedir();
  if (trimmed.startsWith('~/') || trimmed.startsWith(`~${sep}`)) return resolve(homedir(), trimmed.slice(2));
  return resolve(trimmed);
}
