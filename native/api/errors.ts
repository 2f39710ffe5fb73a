import { z } from 'zod';

/** Every error that crosses a host boundary carries one of these codes. */
export const errorCodes = [
  'INVALID_INPUT',
  'NOT_FOUND',
  'CONFLICT',
  'UNSUPPORTED',
  'UNAUTHORIZED',
  'IO_ERROR',
  // A server could not be reached or broke off (downloads): not a problem with the user's files.
  'NETWORK_ERROR',
  'DISK_FULL',
  'CORRUPT_FILE',
  'CANCELLED',
  'INTERRUPTED',
  'LIBRARY_ERROR',
  'MODEL_ERROR',
  'FFMPEG_MISSING',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const StudioErrorShape = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  hint: z.string().optional(),
  details: z.unknown().optional(),
});
export type StudioErrorShape = z.infer<typeof StudioErrorShape>;

export class StudioError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, hint?: string, details?: unknown) {
    super(message);
    this.name = 'StudioError';
    this.code = code;
    this.hint = hint;
    this.details = details;
  }

  toJSON(): StudioErrorShape {
    const shape: StudioErrorShape = { code: this.code, message: this.message };
    if (this.hint !== undefined) shape.hint = this.hint;
    if (this.details !== undefined) shape.details = this.details;
    return shape;
  }

  static fromShape(shape: StudioErrorShape): StudioError {
    return new StudioError(shape.code, shape.message, shape.hint, shape.details);
  }
}

export function isStudioError(value: unknown): value is StudioError {
  return value instanceof StudioError;
}

/** The `{ok, value | error}` envelope every transport carries (errors survive IPC and HTTP intact). */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: StudioErrorShape };
