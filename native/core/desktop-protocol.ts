import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join, normalize, relative } from 'node:path';
import { Readable } from 'node:stream';
import { isObjectHash } from '../catalog/store';
import { contentSecurityPolicy } from './csp';

/**
 * What the desktop window's `likeness://` scheme serves, as plain request → response code (electron/main only
 * registers it): likeness://app/… the built UI from its folder, likeness://media/<hash> a catalogued object with
 * the type of its content. Tested without the Electron binary (desktop-protocol.test.ts).
 */
export const DESKTOP_SCHEME = 'likeness';
export const APP_ORIGIN = `${DESKTOP_SCHEME}://app`;
export const MEDIA_ORIGIN = `${DESKTOP_SCHEME}://media`;

/** The catalogue as the media route needs it: is a hash a catalogued object, what its content is, where it lies. */
export interface MediaSource {
  objectMime(hash: string): string | undefined;
  store: { mediaType(hash: string): Promise<string | undefined>; pathOf(hash: string): string };
}

const mimeByExtension: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};

const notFound = () => new Response('Not found', { status: 404 });

export async function answerDesktopRequest(request: Request, context: { media: MediaSource | undefined; rendererDir: string }): Promise<Response> {
  const url = new URL(request.url);
  if (url.protocol !== `${DESKTOP_SCHEME}:`) return notFound();
  if (url.host === 'media') {
    const hash = url.pathname.slice(1);
    // As the HTTP host serves it: only catalogued objects, typed by their content (never an upload's claim), never a page.
    const type = isObjectHash(hash) && context.media?.objectMime(hash) ? await context.media.store.mediaType(hash) : undefined;
    if (!type) return notFound();
    return fileResponse(context.media!.store.pathOf(hash), request, {
      'Content-Type': type,
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'private, max-age=31536000, immutable',
    });
  }
  if (url.host === 'app') {
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    } catch {
      return notFound();
    }
    const path = normalize(join(context.rendererDir, decoded));
    if (relative(context.rendererDir, path).startsWith('..') || !existsSync(path)) return notFound();
    if (!(await stat(path)).isFile()) return notFound();
    const ext = path.slice(path.lastIndexOf('.'));
    return fileResponse(path, request, {
      'Content-Type': mimeByExtension[ext] ?? 'application/octet-stream',
      'Content-Security-Policy': contentSecurityPolicy([MEDIA_ORIGIN]),
    });
  }
  return notFound();
}

/**
 * Answers a GET for a local file with Range support (video elements seek with byte ranges), since
 * protocol.handle responses get no range handling of their own: 206 for a satisfiable range, 416 otherwise.
 */
export async function fileResponse(path: string, request: Request, headers: Record<string, string>): Promise<Response> {
  const { size } = await stat(path);
  const range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get('range') ?? '');
  const base = { ...headers, 'Accept-Ranges': 'bytes' };
  if (!range || (range[1] === '' && range[2] === '')) {
    return new Response(Readable.toWeb(createReadStream(path)) as ReadableStream, {
      status: 200,
      headers: { ...base, 'Content-Length': String(size) },
    });
  }
  let start = range[1] === '' ? size - Number(range[2]) : Number(range[1]);
  let end = range[1] === '' || range[2] === '' ? size - 1 : Number(range[2]);
  start = Math.max(0, start);
  end = Math.min(size - 1, end);
  if (start > end) return new Response(null, { status: 416, headers: { ...base, 'Content-Range': `bytes */${size}` } });
  return new Response(Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream, {
    status: 206,
    headers: { ...base, 'Content-Length': String(end - start + 1), 'Content-Range': `bytes ${start}-${end}/${size}` },
  });
}
