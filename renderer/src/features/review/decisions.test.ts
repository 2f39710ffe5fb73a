import { describe, expect, it } from 'vitest';
import type { OutputSummary, ReviewPatch, ReviewState, ReviewWrite } from '../../api/types';
import { Decisions, type ReviewWriter } from './decisions';
import { actionForKey, isTypingTarget, moveIndex, type KeyInput } from './keyboard';
import { SummaryStore } from './summaries';

/** An engine double that keeps review states the way the catalogue does and records every write. */
function fakeEngine(ids: number[]) {
  const states = new Map<number, Required<Omit<ReviewState, 'note' | 'tags'>>>(ids.map((id) => [id, { id, flag: null, stars: 0, label: null }]));
  const log: string[] = [];
  let failNext = false;
  const pick = (id: number, fields: string[]): ReviewState => {
    const s = states.get(id)!;
    return Object.fromEntries([['id', id], ...fields.map((f) => [f, s[f as keyof typeof s]])]) as ReviewState;
  };
  const write = async (changes: ReviewState[]): Promise<ReviewWrite> => {
    await new Promise((r) => setTimeout(r, 1));
    if (failNext) {
      failNext = false;
      throw new Error('Cannot reach the Likeness server.');
    }
    const fieldsOf = (c: ReviewState) => ['flag', 'stars', 'label'].filter((f) => c[f as keyof ReviewState] !== undefined);
    const before = changes.map((c) => pick(c.id, fieldsOf(c)));
    for (const c of changes) Object.assign(states.get(c.id)!, Object.fromEntries(fieldsOf(c).map((f) => [f, c[f as keyof ReviewState]])));
    return { updated: changes.length, before, after: changes.map((c) => pick(c.id, fieldsOf(c))), savedAt: Date.now() };
  };
  const writer: ReviewWriter = {
    set: (patch: ReviewPatch) => {
      log.push(`set ${patch.ids.join(',')} ${JSON.stringify({ flag: patch.flag, stars: patch.stars, label: patch.label })}`);
      return write(patch.ids.map((id) => ({ id, flag: patch.flag, stars: patch.stars, label: patch.label })));
    },
    put: ({ states: s }) => {
      log.push(`put ${JSON.stringify(s)}`);
      return write(s);
    },
  };
  const summaries = new SummaryStore(async (wanted) =>
    wanted.map((id) => ({ id, review: { ...states.get(id)!, note: '', updatedAt: null } }) as unknown as OutputSummary),
  );
  return { states, log, writer, summaries, failOnce: () => (failNext = true) };
}

describe('review decisions', () => {
  it('write in order, show "saved" only once confirmed, and undo/redo by writing states back', async () => {
    const engine = fakeEngine([1, 2]);
    await engine.summaries.load([1, 2]);
    const decisions = new Decisions(engine.writer, engine.summaries);
    void decisions.apply({ ids: [1], flag: 'pick' }, 'Pick');
    // Optimistic: shown at once, not yet saved.
    expect(engine.summaries.get(1)!.review.flag).toBe('pick');
    expect(decisions.getStatus()).toMatchObject({ state: 'saving', pending: 1 });
    void decisions.apply({ ids: [1], stars: 3 }, '3 stars');
    const last = decisions.apply({ ids: [1, 2], stars: 5 }, '5 stars');
    // Undo before the last write has even been confirmed: it waits for it and undoes exactly that.
    const undone = decisions.undo();
    await last;
    await undone;
    expect(engine.states.get(1)).toMatchObject({ flag: 'pick', stars: 3 });
    expect(engine.states.get(2)).toMatchObject({ stars: 0 });
    expect(engine.summaries.get(2)!.review.stars).toBe(0);
    expect(decisions.getStatus()).toMatchObject({
      state: 'saved',
      pending: 0,
      saved: 4,
      canUndo: true,
      canRedo: true,
      undoLabel: '3 stars',
      redoLabel: '5 stars',
    });
    await decisions.redo();
    expect(engine.states.get(2)).toMatchObject({ stars: 5 });
    expect(engine.log).toEqual([
      'set 1 {"flag":"pick"}',
      'set 1 {"stars":3}',
      'set 1,2 {"stars":5}',
      'put [{"id":1,"stars":3},{"id":2,"stars":0}]',
      'put [{"id":1,"stars":5},{"id":2,"stars":5}]',
    ]);
    // A new decision clears the redo stack.
    await decisions.apply({ ids: [2], flag: 'reject' }, 'Reject');
    expect(decisions.getStatus().canRedo).toBe(false);
  });

  it('show a failed write as an error, put the engine state back, and never offer to undo it', async () => {
    const engine = fakeEngine([1]);
    await engine.summaries.load([1]);
    const decisions = new Decisions(engine.writer, engine.summaries);
    engine.failOnce();
    await expect(decisions.apply({ ids: [1], flag: 'reject' }, 'Reject')).rejects.toThrow(/Cannot reach/);
    expect(decisions.getStatus()).toMatchObject({ state: 'error', canUndo: false });
    await engine.summaries.load([1]);
    expect(engine.summaries.get(1)!.review.flag).toBeNull();
    await decisions.apply({ ids: [1], flag: 'pick' }, 'Pick');
    // The earlier failure stays visible until dismissed: that decision was not saved.
    expect(decisions.getStatus().state).toBe('error');
    decisions.dismissError();
    expect(decisions.getStatus().state).toBe('saved');
  });
});

const key = (key: string, extra: Partial<KeyInput> = {}): KeyInput => ({
  key,
  code: /^\d$/.test(key) ? `Digit${key}` : /^[a-z]$/i.test(key) ? `Key${key.toUpperCase()}` : key,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  altKey: false,
  ...extra,
});

describe('culling keys', () => {
  it('map Lightroom keys to actions, advancing with Shift, Caps Lock or auto-advance', () => {
    expect(actionForKey(key('p'), false)).toEqual({ type: 'flag', flag: 'pick', advance: false });
    expect(actionForKey(key('P', { shiftKey: true }), false)).toEqual({ type: 'flag', flag: 'pick', advance: true });
    expect(actionForKey(key('X', { capsLock: true }), false)).toEqual({ type: 'flag', flag: 'reject', advance: true });
    expect(actionForKey(key('u'), true)).toEqual({ type: 'flag', flag: null, advance: true });
    expect(actionForKey(key('4'), false)).toEqual({ type: 'stars', stars: 4, advance: false });
    expect(actionForKey(key('0'), false)).toEqual({ type: 'stars', stars: 0, advance: false });
    // Shift+3 types "#" on a US keyboard: the digit comes from the key's position.
    expect(actionForKey({ ...key('#'), code: 'Digit3', shiftKey: true }, false)).toEqual({ type: 'stars', stars: 3, advance: true });
    expect(actionForKey({ ...key('5'), code: 'Numpad5' }, false)).toEqual({ type: 'stars', stars: 5, advance: false });
    expect(actionForKey(key('6'), false)).toEqual({ type: 'label', label: 'red', advance: false });
    expect(actionForKey(key('9'), false)).toEqual({ type: 'label', label: 'blue', advance: false });
    expect(actionForKey(key('z', { ctrlKey: true }), false)).toEqual({ type: 'undo' });
    expect(actionForKey(key('z', { metaKey: true, shiftKey: true }), false)).toEqual({ type: 'redo' });
    expect(actionForKey(key('y', { ctrlKey: true }), false)).toEqual({ type: 'redo' });
    expect(actionForKey(key(' '), false)).toEqual({ type: 'toggleLoupe' });
    expect(actionForKey(key('ArrowRight'), false)).toEqual({ type: 'move', direction: 'right', extend: false });
    expect(actionForKey(key('ArrowDown', { shiftKey: true }), false)).toEqual({ type: 'move', direction: 'down', extend: true });
    // A Cyrillic layout: the physical P key.
    expect(actionForKey({ ...key('з'), code: 'KeyP' }, false)).toEqual({ type: 'flag', flag: 'pick', advance: false });
    expect(actionForKey(key('p', { altKey: true }), false)).toBeNull();
    expect(actionForKey(key('q'), false)).toBeNull();
  });

  it('move within bounds in a grid of columns', () => {
    expect(moveIndex(0, 'left', 10, 4)).toBe(0);
    expect(moveIndex(0, 'down', 10, 4)).toBe(4);
    expect(moveIndex(8, 'down', 10, 4)).toBe(9);
    expect(moveIndex(5, 'end', 10, 4)).toBe(9);
    expect(moveIndex(5, 'home', 10, 4)).toBe(0);
    expect(moveIndex(0, 'right', 0, 4)).toBe(-1);
  });

  it('leave keys typed into fields alone', () => {
    expect(isTypingTarget({ tagName: 'INPUT', type: 'text' } as unknown as EventTarget)).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'checkbox' } as unknown as EventTarget)).toBe(false);
    expect(isTypingTarget({ tagName: 'TEXTAREA' } as unknown as EventTarget)).toBe(true);
    expect(isTypingTarget({ tagName: 'BUTTON' } as unknown as EventTarget)).toBe(false);
  });
});
