/** A short, file-name- and id-safe form of a name: lower-case ASCII letters, digits and dashes (at most 40). */
export function slug(text: string, fallback: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || fallback
  );
}
