/**
 * The Content Security Policy of the UI, the same in the browser host and the desktop window:
 * only the app's own scripts, no remote anything; `mediaOrigins` adds where images and videos come from.
 */
export function contentSecurityPolicy(mediaOrigins: readonly string[] = []): string {
  const media = ["'self'", ...mediaOrigins, 'data:', 'blob:'].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    `img-src ${media}`,
    `media-src ${media}`,
    "connect-src 'self'",
    "font-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
