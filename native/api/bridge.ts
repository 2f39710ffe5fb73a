import type { Envelope } from './errors';
import type { Channel } from './contract';
import type { StudioEvent } from './events';

/** What the Electron preload exposes as `window.likeness`: envelopes over IPC, events, a native folder picker. */
export interface DesktopBridge {
  host: 'electron';
  call(channel: Channel, input: unknown): Promise<Envelope<unknown>>;
  subscribe(listener: (event: StudioEvent) => void): () => void;
  pickFolder(): Promise<string | null>;
  mediaUrl(hash: string): string;
}
