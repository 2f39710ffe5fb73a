import type { StudioEvent } from '../api/events';

export type EventListener = (event: StudioEvent) => void;

/** Fan-out of studio events to every host connection (IPC window, SSE clients, CLI progress). */
export class EventBus {
  private readonly listeners = new Set<EventListener>();

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit = (event: StudioEvent): void => {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken connection must not stop the others.
      }
    }
  };
}
