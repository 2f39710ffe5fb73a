import { homedir } from 'node:os';
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

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

/**
 * The real location of a path that may not exist yet: symlinks of its nearest existing folder resolved, the
 * rest appended (an export folder about to be made, a symlink pointing into the library).
 */
export function realLocation(path: string): string {
  const absolute = resolve(path);
  let existing = absolute;
  const rest: string[] = [];
  for (;;) {
    try {
      return resolve(realpathSync(existing), ...rest.reverse());
    } catch {
      const parent = dirname(existing);
      if (parent === existing) return absolute;
      rest.push(existing.slice(parent.length).replace(/^[\\/]+/, ''));
      existing = parent;
    }
  }
}

/** Whether `path` lies inside `folder` (or is it), after resolving symlinks of both. */
export function isInside(path: string, folder: string): boolean {
  const inside = relative(realLocation(folder), realLocation(path));
  return !inside.startsWith('..') && !isAbsolute(inside);
}
