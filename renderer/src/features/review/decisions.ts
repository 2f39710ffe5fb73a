import { useSyncExternalStore } from 'react';
import type { ReviewPatch, ReviewState, ReviewWrite } from '../../api/types';
import type { SummaryStore } from './summaries';

/** What the engine offers for review writes (studio.api.review in the app, a fake in tests). */
export interface ReviewWriter {
  set(patch: ReviewPatch): Promise<ReviewWrite>;
  put(input: { states: ReviewState[]; expected?: ReviewState[] }): Promise<ReviewWrite>;
}

export interface TrashWriter {
  trash(input: { ids: number[] }): Promise<{ ids: number[] }>;
  restore(input: { ids: number[] }): Promise<{ ids: number[] }>;
}

/** The save state the UI shows: "saved" only once the engine has confirmed every write sent so far. */
export interface SaveStatus {
  state: 'idle' | 'saving' | 'saved' | 'error';
  /** Writes sent and not yet confirmed. */
  pending: number;
  /** When the engine confirmed the last write (its clock). */
  savedAt: number | null;
  /** Confirmed writes so far in this session (tests and the bench wait for a count). */
  saved: number;
  error: unknown;
  canUndo: boolean;
  canRedo: boolean;
  /** What undo / redo would do, for their tooltips. */
  undoLabel: string | null;
  redoLabel: string | null;
  /** An undo or redo refused because the image was changed elsewhere since (another tab or window): the newer decision stays. */
  conflict: { label: string; way: 'undo' | 'redo'; outputIds: readonly number[] } | null;
}

/** The engine's answer when a review changed since the caller last saw it (review.put with `expected`). */
function changedElsewhere(error: unknown): number[] | null {
  const { code, details } = (error ?? {}) as { code?: string; details?: { changed?: unknown } };
  return code === 'CONFLICT' && Array.isArray(details?.changed) ? (details.changed as number[]) : null;
}

type Entry =
  | { kind: 'review'; label: string; write: Promise<ReviewWrite>; outputIds: readonly number[] }
  | { kind: 'trash'; label: string; ids: Promise<number[]> }
  | { kind: 'restore'; label: string; ids: Promise<number[]> };

/**
 * Every decision goes to the engine at once, one write after the other (so they land in the order they
 * were made), and is shown optimistically meanwhile. Undo and redo are writes too: they put back the
 * states the engine reported before (or after) the change. The stacks live for this session.
 */
export class Decisions {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly undoStack: Entry[] = [];
  private readonly redoStack: Entry[] = [];
  private readonly listeners = new Set<() => void>();
  private status: SaveStatus = {
    state: 'idle',
    pending: 0,
    savedAt: null,
    saved: 0,
    error: null,
    canUndo: false,
    canRedo: false,
    undoLabel: null,
    redoLabel: null,
    conflict: null,
  };
  private readonly listListeners = new Set<() => void>();

  constructor(
    private readonly writer: ReviewWriter,
    private readonly store: SummaryStore,
    private readonly trashWriter?: TrashWriter,
  ) {}

  /** Writes a change for some outputs; undoable. Returns the engine's answer. */
  apply(patch: ReviewPatch, label: string): Promise<ReviewWrite> {
    if (this.status.conflict) this.update({ conflict: null });
    this.optimistic(patch);
    const write = this.enqueue(() => this.writer.set(patch));
    // Not written: show the engine's state again instead of the guess.
    write.catch(() => this.store.invalidate(patch.ids));
    this.push({ kind: 'review', label, write, outputIds: patch.ids });
    return write;
  }

  trash(ids: number[], label: string): Promise<number[]> {
    const done = this.enqueue(() => this.trashWriter!.trash({ ids }).then((r) => r.ids));
    this.push({ kind: 'trash', label, ids: done });
    void done.then(() => this.listChanged());
    return done;
  }

  restore(ids: number[], label: string): Promise<number[]> {
    const done = this.enqueue(() => this.trashWriter!.restore({ ids }).then((r) => r.ids));
    this.push({ kind: 'restore', label, ids: done });
    void done.then(() => this.listChanged());
    return done;
  }

  /** What the next undo changes back, and for which images (a review decision's): to name it and show them. */
  nextUndo(): { label: string; outputIds: readonly number[] } | null {
    const entry = this.undoStack.at(-1);
    return entry ? { label: entry.label, outputIds: entry.kind === 'review' ? entry.outputIds : [] } : null;
  }

  undo(): Promise<unknown> | undefined {
    const entry = this.undoStack.pop();
    if (!entry) return undefined;
    this.redoStack.push(entry);
    this.update({});
    return this.replay(entry, 'back');
  }

  redo(): Promise<unknown> | undefined {
    const entry = this.redoStack.pop();
    if (!entry) return undefined;
    this.undoStack.push(entry);
    this.update({});
    return this.replay(entry, 'forward');
  }

  private replay(entry: Entry, way: 'back' | 'forward'): Promise<unknown> {
    if (entry.kind === 'review') {
      return this.enqueue(async () => {
        const original = await entry.write;
        const states = way === 'back' ? original.before : original.after;
        // What this window last wrote: if the engine holds something else now, another window decided since.
        const expected = way === 'back' ? original.after : original.before;
        this.store.applyReview(states);
        try {
          return await this.writer.put({ states, expected });
        } catch (error) {
          const changed = changedElsewhere(error);
          if (!changed) throw error;
          // Nothing was written: show the engine's state again, and drop the step (it can no longer be replayed).
          this.store.invalidate(entry.outputIds);
          for (const stack of [this.undoStack, this.redoStack]) {
            const at = stack.indexOf(entry);
            if (at >= 0) stack.splice(at, 1);
          }
          this.update({ conflict: { label: entry.label, way: way === 'back' ? 'undo' : 'redo', outputIds: changed } });
          return undefined;
        }
      });
    }
    const toTrash = (entry.kind === 'trash') === (way === 'forward');
    const done = this.enqueue(async () => {
      const ids = await entry.ids;
      if (!ids.length) return [];
      return (await (toTrash ? this.trashWriter!.trash({ ids }) : this.trashWriter!.restore({ ids }))).ids;
    });
    void done.then(() => this.listChanged());
    return done;
  }

  private push(entry: Entry): void {
    this.undoStack.push(entry);
    this.redoStack.length = 0;
    // A failed write is not undoable: it never happened.
    const settled = entry.kind === 'review' ? entry.write : entry.ids;
    settled.catch(() => {
      const at = this.undoStack.indexOf(entry);
      if (at >= 0) this.undoStack.splice(at, 1);
      this.update({});
    });
    this.update({});
  }

  /** Shows a patch at once, before the engine confirms (the tile marks it as saving). */
  private optimistic(patch: ReviewPatch): void {
    const { flag, stars, label, note } = patch;
    this.store.applyReview(patch.ids.map((id) => ({ id, flag, stars, label, note })));
  }

  private enqueue<T>(write: () => Promise<T>): Promise<T> {
    this.update({ pending: this.status.pending + 1, state: 'saving' });
    const result = this.tail.then(write);
    this.tail = result.catch(() => undefined);
    result.then(
      (value) => {
        const answer = value as Partial<ReviewWrite> | undefined;
        if (answer && Array.isArray(answer.after)) this.store.applyReview(answer.after);
        const pending = this.status.pending - 1;
        this.update({
          pending,
          saved: this.status.saved + 1,
          savedAt: answer?.savedAt ?? Date.now(),
          state: pending ? 'saving' : this.status.error ? 'error' : 'saved',
        });
      },
      (error: unknown) => {
        this.update({ pending: this.status.pending - 1, state: 'error', error });
      },
    );
    return result;
  }

  /** Called after a trash or restore is confirmed: the grid's list has changed. */
  subscribeList(listener: () => void): () => void {
    this.listListeners.add(listener);
    return () => this.listListeners.delete(listener);
  }

  private listChanged(): void {
    for (const listener of this.listListeners) listener();
  }

  /** Clears a shown error (after the user read it or retried). */
  dismissError(): void {
    this.update({ error: null, state: this.status.pending ? 'saving' : this.status.saved ? 'saved' : 'idle' });
  }

  private update(change: Partial<SaveStatus>): void {
    this.status = {
      ...this.status,
      ...change,
      canUndo: this.undoStack.length > 0,
      canRedo: this.redoStack.length > 0,
      undoLabel: this.undoStack.at(-1)?.label ?? null,
      redoLabel: this.redoStack.at(-1)?.label ?? null,
    };
    for (const listener of this.listeners) listener();
  }

  getStatus = (): SaveStatus => this.status;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

export function useSaveStatus(decisions: Decisions): SaveStatus {
  return useSyncExternalStore(decisions.subscribe, decisions.getStatus);
}
