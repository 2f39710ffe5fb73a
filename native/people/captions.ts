/** The caption every accepted photo gets unless the user writes its own: `photo of ohwx woman`. */
export function defaultCaption(person: { trigger: string; classWord: string }): string {
  return `photo of ${person.trigger} ${person.classWord}`;
}

/** The caption written next to the image: the custom one or the default, then the extra words after a comma. */
export function effectiveCaption(person: { trigger: string; classWord: string }, custom: string | null, extra: string): string {
  const base = custom?.trim() || defaultCaption(person);
  const words = extra.trim();
  return words ? `${base}, ${words}` : base;
}

/**
 * Reads a caption found beside an imported photo back into custom + extra words: a caption that starts with
 * the person's default keeps only what follows as extra words, so a later trigger change still applies.
 */
export function splitCaption(person: { trigger: string; classWord: string }, caption: string): { custom: string | null; extra: string } {
  const text = caption.replace(/\s+/g, ' ').trim();
  const base = defaultCaption(person);
  if (text === base) return { custom: null, extra: '' };
  if (text.startsWith(`${base}, `)) return { custom: null, extra: text.slice(base.length + 2).trim() };
  return { custom: text, extra: '' };
}
