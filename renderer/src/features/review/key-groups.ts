/** Key legends are key caps only (no words), so they read the same in every language. */
export const keyGroups: { title: string; keys: [string, string][] }[] = [
  {
    title: 'decide',
    keys: [
      ['P', 'pick'],
      ['X', 'reject'],
      ['U', 'unflag'],
      ['0 – 5', 'stars'],
      ['6 7 8 9 V', 'labels'],
      ['⇧ + P X U V 0–9', 'advanceOnce'],
      ['A / Caps Lock', 'autoAdvance'],
      ['Ctrl/⌘ Z', 'undo'],
      ['Ctrl/⌘ ⇧ Z', 'redo'],
      ['Delete', 'trash'],
    ],
  },
  {
    title: 'move',
    keys: [
      ['← → ↑ ↓', 'arrows'],
      ['⇧ + ← → ↑ ↓', 'extend'],
      ['Space / Enter', 'loupe'],
      ['G', 'grid'],
      ['C', 'compare'],
      ['Z', 'zoom'],
      ['F', 'face'],
      ['I', 'info'],
      ['Ctrl/⌘ A', 'selectAll'],
      ['/', 'search'],
      ['Esc', 'escape'],
    ],
  },
];
