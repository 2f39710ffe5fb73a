import { useEffect, useLayoutEffect, useRef } from 'react';
import { actionForKey, isTypingTarget, type ReviewAction } from './keyboard';

/**
 * Review's keys, on the whole window while the page is open (not while the user types or a dialog is open).
 * The listener is registered once and calls the latest `run`, updated right after each commit (layout
 * effect), so a key pressed just after another acts on the image the previous one moved to.
 */
export function useReviewKeys(run: (action: ReviewAction) => void, autoAdvance: boolean): void {
  const latest = useRef({ run, autoAdvance });
  useLayoutEffect(() => {
    latest.current = { run, autoAdvance };
  }, [run, autoAdvance]);
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing || isTypingTarget(event.target) || document.querySelector('dialog[open]')) return;
      const action = actionForKey({ ...pickKeyFields(event), capsLock: event.getModifierState?.('CapsLock') ?? false }, latest.current.autoAdvance);
      if (!action) return;
      event.preventDefault();
      latest.current.run(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function pickKeyFields(event: KeyboardEvent) {
  return { key: event.key, code: event.code, ctrlKey: event.ctrlKey, metaKey: event.metaKey, shiftKey: event.shiftKey, altKey: event.altKey };
}
