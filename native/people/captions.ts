/** The caption every accepted photo gets unless the user writes its own: `photo of ohwx woman`. */
export function defaultCaption(person: { trigger: string; classWord: string }): string {
  return `photo of ${person.trigger} ${person.classWord}`;
}

/** Line breaks and runs of spaces become one space: kohya sd-scripts reads only a caption file's first line. */
export const singleLineCaption = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * The caption written next to the image: the custom one or the default, then the extra words after a comma;
 * always one line (sd-scripts `library/train_util.py` read_caption keeps `lines[0]` unless wildcards are on).
 */
export function effectiveCaption(person: { trigger: string; classWord: string }, custom: string | null, extra: string): string {
  const base = singleLineCaption(custom ?? '') || defaultCaption(person);
  const words = singleLineCaption(extra);
  return words ? `${base}, ${words}` : base;
}

/**
 * Reads a caption found beside an imported photo back into custom + extra words: a caption that starts with
 * the person's default keeps only what follows as extra words, so a later trigger change still applies.
 */
export function splitCaption(person: { trigger: string; classWord: string }, caption: string): { custom: string | null; extra: string } {
  const text = singleLineCaption(caption);
  const base = defaultCaption(person);
  if (text === base) return { custom: null, extra: '' };
  if (text.startsWith(`${base}, `)) return { custom: null, extra: text.slice(base.length + 2).trim() };
  return { custom: text, extra: '' };
}
