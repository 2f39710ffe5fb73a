// The renderer's only way to the engine. Desktop: the preload bridge (IPC). Browser: HTTP + SSE
// against `likeness serve` (same origin; the access cookie rides along).
import { createStudioClient, httpPathOf, type DesktopBridge, type Envelope, type StudioApi, type StudioEvent } from '../../../native/api';

declare global {
  interface Window {
    likeness?: DesktopBridge;
  }
}

export type HostKind = 'electron' | 'browser';

export interface StudioClient {
  api: StudioApi;
  host: HostKind;
  subscribe(listener: (event: StudioEvent) => void): () => void;
  /**
   * Called each time the event stream (re)connects. Events sent while it was down are lost, so the UI
   * refetches what it shows. Desktop IPC never drops events: there it is never called.
   */
  onReady(listener: () => void): () => void;
  mediaUrl(hash: string): string;
  /** A native folder dialog on the desktop; undefined in the browser (the UI offers a folder browser). */
  pickFolder: (() => Promise<string | null>) | undefined;
}

function desktopClient(bridge: DesktopBridge): StudioClient {
  return {
    api: createStudioClient((channel, input) => bridge.call(channel, input)),
    host: 'electron',
    subscribe: (listener) => bridge.subscribe(listener),
    onReady: () => () => {},
    mediaUrl: (hash) => bridge.mediaUrl(hash),
    pickFolder: () => bridge.pickFolder(),
  };
}

/** How long a first request waits for the event stream to be live (it is local: milliseconds, more under load). */
const STREAM_WAIT_MS = 3_000;

function browserClient(): StudioClient {
  const listeners = new Set<(event: StudioEvent) => void>();
  const readyListeners = new Set<() => void>();
  let source: EventSource | undefined;
  // Requests wait for the stream's first `ready`, so no answer can predate an event the page has not heard:
  // that first `ready` then needs no refetch (which would cancel and repeat every first load, e.g. the grid's
  // 100,000 ids). A request that had to go out without it (no stream within the wait) makes it refetch as before.
  let streamLive = false;
  let sentBeforeStream = false;
  let firstReady: Promise<void> = Promise.resolve();
  const connect = () => {
    let resolveFirst!: () => void;
    firstReady = new Promise((resolve) => (resolveFirst = resolve));
    source = new EventSource('api/events');
    // The server sends `ready` first on every (re)connection; EventSource reconnects by itself.
    source.addEventListener('ready', () => {
      const first = !streamLive;
      streamLive = true;
      resolveFirst();
      if (first && !sentBeforeStream) return;
      for (const listener of readyListeners) listener();
    });
    source.onmessage = (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as StudioEvent;
      for (const listener of listeners) listener(event);
    };
  };
  return {
    api: createStudioClient(async (channel, input) => {
      if (!source) connect();
      if (!streamLive) await Promise.race([firstReady, new Promise((resolve) => setTimeout(resolve, STREAM_WAIT_MS))]);
      if (!streamLive) sentBeforeStream = true;
      let response: Response;
      try {
        response = await fetch(httpPathOf(channel).slice(1), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        return {
          ok: false,
          error: {
            code: 'IO_ERROR',
            message: 'Cannot reach the Likeness server.',
            hint: 'Check that `likeness serve` is still running, then reload.',
          },
        };
      }
      if (response.status === 401) {
        return {
          ok: false,
          error: {
            code: 'UNAUTHORIZED',
            message: 'This page lost its access to the server.',
            hint: 'Open the link printed by `likeness serve` again.',
          },
        };
      }
      return (await response.json()) as Envelope<unknown>;
    }),
    host: 'browser',
    subscribe(listener) {
      listeners.add(listener);
      if (!source) connect();
      return () => listeners.delete(listener);
    },
    onReady(listener) {
      readyListeners.add(listener);
      return () => readyListeners.delete(listener);
    },
    mediaUrl: (hash) => `media/${hash}`,
    pickFolder: undefined,
  };
}

export const studio: StudioClient = window.likeness ? desktopClient(window.likeness) : browserClient();
