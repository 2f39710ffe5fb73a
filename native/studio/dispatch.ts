import { StudioError, type Envelope } from '../api/errors';
import { findChannel, type StudioHandlers } from '../api/contract';
import type { StudioEvent } from '../api/events';
import { errorShape } from '../core/errors';
import { eventsFor } from './change-events';

/**
 * Validates input, runs the handler, validates output, and tells every window what changed (change-events.ts): the
 * one place every host call goes through.
 */
export function createDispatcher(
  handlers: StudioHandlers,
  onError?: (channel: string, error: unknown) => void,
  emit: (event: StudioEvent) => void = () => {},
) {
  return async function dispatch(channel: string, rawInput: unknown): Promise<Envelope<unknown>> {
    const info = findChannel(channel);
    if (!info) {
      return {
        ok: false,
        error: new StudioError(
          'NOT_FOUND',
          `Unknown API method “${channel}”.`,
          'The UI and the engine are from different versions; reload.',
        ).toJSON(),
      };
    }
    const parsed = info.spec.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      return { ok: false, error: new StudioError('INVALID_INPUT', message, 'Correct the value named before the colon and try again.').toJSON() };
    }
    try {
      const namespace = handlers[info.namespace] as Record<string, (input: unknown) => Promise<unknown>>;
      const value = info.spec.output.parse(await namespace[info.method]!(parsed.data));
      for (const event of eventsFor(info.namespace, info.method, parsed.data, value)) emit(event);
      return { ok: true, value };
    } catch (error) {
      const shape = errorShape(error);
      if (shape.code === 'INTERNAL') onError?.(channel, error);
      return { ok: false, error: shape };
    }
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;
