import { describe, expect, it } from 'vitest';
import { actionForKey, type KeyInput } from './keyboard';

function key(k: string, extra: Partial<KeyInput> = {}): KeyInput {
  const code = /^[a-z]$/i.test(k) ? `Key${k.toUpperCase()}` : /^\d$/.test(k) ? `Digit${k}` : k;
  return { key: k, code, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra };
}

describe('actionForKey', () => {
  it('moves with arrows and paging keys, extending with Shift', () => {
    expect(actionForKey(key('ArrowLeft'), false)).toEqual({ type: 'move', direction: 'left', extend: false });
    expect(actionForKey(key('ArrowDown', { shiftKey: true }), false)).toEqual({ type: 'move', direction: 'down', extend: true });
    expect(actionForKey(key('Home'), false)).toEqual({ type: 'move', direction: 'home', extend: false });
    expect(actionForKey(key('PageDown'), false)).toEqual({ type: 'move', direction: 'pageDown', extend: false });
  });

  it('flags with P, X and U, advancing with Shift, Caps Lock or auto-advance', () => {
    expect(actionForKey(key('p'), false)).toEqual({ type: 'flag', flag: 'pick', advance: false });
    expect(actionForKey(key('X', { shiftKey: true }), false)).toEqual({ type: 'flag', flag: 'reject', advance: true });
    expect(actionForKey(key('u'), true)).toEqual({ type: 'flag', flag: null, advance: true });
    expect(actionForKey(key('p', { capsLock: true }), false)).toEqual({ type: 'flag', flag: 'pick', advance: true });
  });

  it('reads letters by their physical key on other layouts', () => {
    expect(actionForKey({ ...key('з'), code: 'KeyP' }, false)).toEqual({ type: 'flag', flag: 'pick', advance: false });
    expect(actionForKey({ ...key('с'), code: 'KeyC' }, false)).toEqual({ type: 'compare' });
  });

  it('switches views and modes with letters', () => {
    const letters: [string, string][] = [
      ['g', 'grid'],
      ['e', 'loupe'],
      ['c', 'compare'],
      ['z', 'zoom'],
      ['f', 'zoomFace'],
      ['a', 'toggleAutoAdvance'],
      ['i', 'toggleInfo'],
    ];
    for (const [k, type] of letters) expect(actionForKey(key(k), false)).toEqual({ type });
    expect(actionForKey(key('q'), false)).toBeNull();
  });

  it('rates with 0–5 and labels with 6–9 by position', () => {
    expect(actionForKey(key('3'), false)).toEqual({ type: 'stars', stars: 3, advance: false });
    expect(actionForKey({ ...key('!'), code: 'Digit1', shiftKey: true }, false)).toEqual({ type: 'stars', stars: 1, advance: true });
    expect(actionForKey(key('6'), false)).toEqual({ type: 'label', label: 'red', advance: false });
    // Purple, which Lightroom leaves without a key: V (violet), by position on other layouts too.
    expect(actionForKey(key('v'), false)).toEqual({ type: 'label', label: 'purple', advance: false });
    expect(actionForKey({ ...key('м'), code: 'KeyV', shiftKey: true }, false)).toEqual({ type: 'label', label: 'purple', advance: true });
  });

  it('keeps command keys apart from the plain ones', () => {
    expect(actionForKey(key('z', { ctrlKey: true }), false)).toEqual({ type: 'undo' });
    expect(actionForKey(key('z', { metaKey: true, shiftKey: true }), false)).toEqual({ type: 'redo' });
    expect(actionForKey(key('p', { ctrlKey: true }), false)).toBeNull();
    expect(actionForKey(key('p', { altKey: true }), false)).toBeNull();
    expect(actionForKey(key(' '), false)).toEqual({ type: 'toggleLoupe' });
    expect(actionForKey(key('Backspace'), false)).toEqual({ type: 'trash' });
  });
});
