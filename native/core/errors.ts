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
      return new StudioError('INTERNAL', message, 'This is a bug in Likeness; the log has the details.');
  }
}

export function errorShape(error: unknown): StudioErrorShape {
  return toStudioError(error).toJSON();
}

export function isAbort(error: unknown): boolean {
  return (error as { name?: string } | undefined)?.name === 'AbortError';
}
