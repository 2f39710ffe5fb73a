// The culling keys, Lightroom's conventions: P pick, X reject, U unflag, 0–5 stars, 6–9 colour labels,
// arrows to move, Space for the loupe, Ctrl/Cmd+Z undo. Shift with a decision key (or Caps Lock, or the
// auto-advance switch) moves on to the next image after writing it.
import type { ColorLabel, Flag } from '../../api/types';

export type Direction = 'left' | 'right' | 'up' | 'down' | 'home' | 'end' | 'pageUp' | 'pageDown';

export type ReviewAction =
  | { type: 'flag'; flag: Flag | null; advance: boolean }
  | { type: 'stars'; stars: number; advance: boolean }
  | { type: 'label'; label: ColorLabel; advance: boolean }
  | { type: 'move'; direction: Direction; extend: boolean }
  | {
      type:
        | 'toggleLoupe'
        | 'grid'
        | 'loupe'
        | 'compare'
        | 'zoom'
        | 'zoomFace'
        | 'undo'
        | 'redo'
        | 'selectAll'
        | 'selectNone'
        | 'trash'
        | 'escape'
        | 'help'
        | 'toggleAutoAdvance'
        | 'toggleInfo'
        | 'search';
    };

/** The keyboard event fields the mapping reads (a DOM KeyboardEvent has them all). */
export interface KeyInput {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  capsLock?: boolean;
}

/** 6–9 as in Lightroom; Lightroom has no key for purple, so V (violet) is ours. */
export const labelKeys: Record<string, ColorLabel> = { '6': 'red', '7': 'yellow', '8': 'green', '9': 'blue' };
const letterLabels = new Map<string, ColorLabel>([['v', 'purple']]);

/** Arrows and paging keys move (Shift extends the selection). */
const moveKeys = new Map<string, Direction>([
  ['ArrowLeft', 'left'],
  ['ArrowRight', 'right'],
  ['ArrowUp', 'up'],
  ['ArrowDown', 'down'],
  ['Home', 'home'],
  ['End', 'end'],
  ['PageUp', 'pageUp'],
  ['PageDown', 'pageDown'],
]);

/** P pick, X reject, U unflag. */
const flagKeys = new Map<string, Flag | null>([
  ['p', 'pick'],
  ['x', 'reject'],
  ['u', null],
]);

/** The letters that switch views and modes. */
const letterKeys = new Map<string, 'grid' | 'loupe' | 'compare' | 'zoom' | 'zoomFace' | 'toggleAutoAdvance' | 'toggleInfo'>([
  ['g', 'grid'],
  ['e', 'loupe'],
  ['c', 'compare'],
  ['z', 'zoom'],
  ['f', 'zoomFace'],
  ['a', 'toggleAutoAdvance'],
  ['i', 'toggleInfo'],
]);

/** The letter a key stands for: its character on Latin layouts, its physical key elsewhere (e.g. Cyrillic). */
function letter(input: KeyInput): string | undefined {
  if (/^[a-z]$/i.test(input.key)) return input.key.toLowerCase();
  const match = /^Key([A-Z])$/.exec(input.code);
  return match ? match[1]!.toLowerCase() : undefined;
}

/** The digit of a key by its position (Shift+1 gives "!" as key, "Digit1" as code), number pad included. */
function digit(input: KeyInput): string | undefined {
  const match = /^(?:Digit|Numpad)(\d)$/.exec(input.code);
  if (match) return match[1];
  return /^\d$/.test(input.key) ? input.key : undefined;
}

export function actionForKey(input: KeyInput, autoAdvance: boolean): ReviewAction | null {
  const command = input.ctrlKey || input.metaKey;
  const l = letter(input);
  if (command && !input.altKey) {
    if (l === 'z') return { type: input.shiftKey ? 'redo' : 'undo' };
    if (l === 'y') return { type: 'redo' };
    if (l === 'a') return { type: input.shiftKey ? 'selectNone' : 'selectAll' };
    if (l === 'd') return { type: 'selectNone' };
    if (l === 'f') return { type: 'search' };
    return null;
  }
  if (input.altKey) return null;
  const advance = autoAdvance || Boolean(input.capsLock) || input.shiftKey;
  const direction = moveKeys.get(input.key);
  if (direction) return { type: 'move', direction, extend: input.shiftKey };
  switch (input.key) {
    case ' ':
    case 'Enter':
      return { type: 'toggleLoupe' };
    case 'Escape':
      return { type: 'escape' };
    case 'Delete':
    case 'Backspace':
      return { type: 'trash' };
    case '?':
      return { type: 'help' };
    case '/':
      return { type: 'search' };
  }
  const d = digit(input);
  if (d !== undefined) {
    if (labelKeys[d]) return { type: 'label', label: labelKeys[d], advance };
    return { type: 'stars', stars: Number(d), advance };
  }
  if (l === undefined) return null;
  const flag = flagKeys.get(l);
  if (flag !== undefined) return { type: 'flag', flag, advance };
  const label = letterLabels.get(l);
  if (label) return { type: 'label', label, advance };
  const type = letterKeys.get(l);
  if (type) return { type };
  return null;
}

/** Where a move lands in a list of `count` items laid out `columns` wide (the loupe and compare use 1). */
export function moveIndex(index: number, direction: Direction, count: number, columns: number, pageRows = 4): number {
  if (count === 0) return -1;
  const step: Record<Direction, number> = {
    left: -1,
    right: 1,
    up: -columns,
    down: columns,
    home: -Infinity,
    end: Infinity,
    pageUp: -columns * pageRows,
    pageDown: columns * pageRows,
  };
  const target = index + step[direction];
  if (target === -Infinity) return 0;
  if (target === Infinity) return count - 1;
  return Math.max(0, Math.min(count - 1, target));
}

/** Keys typed into a field are the field's, not culling decisions. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; isContentEditable?: boolean; type?: string } | null;
  if (!element?.tagName) return false;
  if (element.isContentEditable) return true;
  if (element.tagName === 'TEXTAREA' || element.tagName === 'SELECT') return true;
  return element.tagName === 'INPUT' && !['checkbox', 'radio', 'range', 'button'].includes(element.type ?? 'text');
}
