import { StudioError, type StudioErrorShape } from '../api/errors';

/** Maps anything thrown into a StudioError with a message and hint a user can act on. */
export function toStudioError(error: unknown): StudioError {
  if (error instanceof StudioError) return error;
  if (isAbort(error)) return new StudioError('CANCELLED', 'Cancelled.');
  const err = error as NodeJS.ErrnoException | undefined;
  const message = err?.message ?? String(error);
  switch (err?.code) {
    case 'ENOSPC':
      return new StudioError('DISK_FULL', 'The disk is full.', 'Free some space on the library disk, then try again; nothing was lost.');
    case 'EDQUOT':
      return new StudioError('DISK_FULL', 'The disk quota is exhausted.', 'Free some space, then try again; nothing was lost.');
    case 'ENOENT':
      return new StudioError('NOT_FOUND', message, 'Check that the path exists.');
    case 'EACCES':
    case 'EPERM':
      return new StudioError('IO_ERROR', message, 'Check the file permissions.');
    case 'EROFS':
      return new StudioError('IO_ERROR', message, 'The disk is read-only; choose a library on a writable disk.');
    default:
      return fromSqliteCode(err?.code, message) ?? new StudioError('INTERNAL', message, 'This is a bug in Likeness; the log has the details.');
  }
}

/**
 * better-sqlite3 reports the catalogue's own failures with SQLite's codes (a full disk is SQLITE_FULL, not
 * ENOSPC): they are the user's disk or library, not a bug, and each says what to do.
 */
function fromSqliteCode(code: string | undefined, message: string): StudioError | undefined {
  if (!code?.startsWith('SQLITE_')) return undefined;
  if (code === 'SQLITE_FULL')
    return new StudioError('DISK_FULL', 'The disk is full.', 'Free some space on the library disk, then try again; nothing was lost.');
  if (code.startsWith('SQLITE_READONLY'))
    return new StudioError(
      'IO_ERROR',
      `The library cannot be written (${message}).`,
      'Make the library folder writable, or choose a library on a writable disk.',
    );
  if (code === 'SQLITE_BUSY_SNAPSHOT')
    return new StudioError(
      'CONFLICT',
      'Another write changed the library at the same moment (a job or another Likeness), so this one was not made.',
      'Try again: nothing was lost.',
    );
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return new StudioError(
      'CONFLICT',
      'The library stayed busy for more than 10 seconds: a long job (an import, an export, emptying the trash) or another Likeness kept writing to it.',
      'Try again in a moment; if it keeps happening, close the other Likeness that uses this library.',
    );
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN'))
    return new StudioError(
      'IO_ERROR',
      `The library could not be read or written (${message}).`,
      'Check the disk the library is on (is it still connected?), then try again.',
    );
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')
    return new StudioError(
      'LIBRARY_ERROR',
      `The catalogue is damaged (${message}).`,
      'Run `likeness doctor` to check it; restore catalog.sqlite from a backup if it reports damage.',
    );
  return undefined;
}

export function errorShape(error: unknown): StudioErrorShape {
  return toStudioError(error).toJSON();
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}
