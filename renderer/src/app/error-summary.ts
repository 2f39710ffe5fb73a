/**
 * The engine writes its messages in English (with paths, names and numbers in them). In another language the
 * notice leads with what kind of problem it is, translated, so the user is not left with English only.
 */
export function errorSummaryKey(error: unknown, language: string | undefined): string | undefined {
  if (!language || language === 'en' || !error || typeof error !== 'object') return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z_]+$/.test(code) ? `errors.codes.${code}` : undefined;
}
