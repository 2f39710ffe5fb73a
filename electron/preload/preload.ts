// The window's only door to the engine: a bridge that can call contract channels and receive events.
// Runs sandboxed with context isolation; the channel list is derived from the contract, never typed by hand.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channels } from '../../native/api/contract';
import { EVENT_CHANNEL, type StudioEvent } from '../../native/api/events';
import type { DesktopBridge } from '../../native/api/bridge';

const known = new Set<string>(channels.map((c) => c.channel));

const bridge: DesktopBridge = {
  host: 'electron',
  call(channel, input) {
    if (!known.has(channel)) return Promise.resolve({ ok: false, error: { code: 'NOT_FOUND', message: `Unknown API method “${channel}”.` } });
    return ipcRenderer.invoke(channel, input);
  },
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, studioEvent: StudioEvent) => listener(studioEvent);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
  pickFolder: () => ipcRenderer.invoke('desktop:pickFolder'),
  mediaUrl: (hash) => `likeness://media/${hash}`,
};

contextBridge.exposeInMainWorld('likeness', bridge);
