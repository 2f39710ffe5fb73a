import { StudioError, type Envelope } from './errors';
import { channels, type Channel, type StudioApi } from './contract';

export type EnvelopeCall = (channel: Channel, input: unknown) => Promise<Envelope<unknown>>;

/**
 * Builds a StudioApi object over any transport that returns envelopes
 * (Electron IPC through the preload bridge, HTTP in the browser, in-process in tests).
 */
export function createStudioClient(call: EnvelopeCall): StudioApi {
  const api: Record<string, Record<string, (input?: unknown) => Promise<unknown>>> = {};
  for (const { channel, namespace, method } of channels) {
    (api[namespace] ??= {})[method] = async (input?: unknown) => {
      const envelope = await call(channel, input ?? {});
      if (envelope.ok) return envelope.value;
      throw StudioError.fromShape(envelope.error);
    };
  }
  return api as unknown as StudioApi;
}
