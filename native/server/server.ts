import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import type { ErrorCode } from '../api/errors';
import { contentSecurityPolicy } from '../core/csp';
import { isObjectHash } from '../catalog/store';
import type { Studio } from '../studio/studio';

export interface ServerOptions {
  studio: Studio;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token (tests); a random one per run otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  /** The URL to open: it carries the token once, then a cookie does. */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The largest API request body (a 4 MiB upload chunk in base64 is about 5.6 MB). */
export const MAX_API_BODY_BYTES = 8 * 1024 * 1024;

const httpStatusOf: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNSUPPORTED: 422,
  CANCELLED: 409,
  DISK_FULL: 507,
  INTERNAL: 500,
};

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The HTTP host of the StudioApi: POST /api/<ns>/<method>, SSE at /api/events, media at /media/<hash>,
 * and the built renderer. Loopback only; every request needs the per-run token (cookie or bearer),
 * a loopback Host (against DNS rebinding) and, when the browser sends one, a same-origin Origin.
 */
export function createApp(options: { studio: Studio; rendererDir: string; token: string; linkToken?: string; port: () => number }) {
  const { studio, rendererDir, token } = options;
  // The printed link's token works once: it is exchanged for a session secret of this server instance (the
  // cookie never carries a secret that also opens the API), under a name of this instance (cookies are not kept
  // apart by port, so another local server, or this one restarted, never sees or takes this one's).
  const linkToken = options.linkToken ?? token;
  let linkUsed = false;
  const instance = randomBytes(6).toString('hex');
  const session = randomBytes(24).toString('base64url');
  const cookieName = () => `likeness_${options.port()}_${instance}`;
  const allowedHosts = () => ['127.0.0.1', 'localhost', '[::1]'].map((h) => `${h}:${options.port()}`);
  const app = new Hono();

  app.use('*', async (c, next) => {
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cross-Origin-Opener-Policy', 'same-origin');
    const host = c.req.header('host') ?? '';
    if (!allowedHosts().includes(host)) return c.text('Forbidden: this server only answers on its loopback address.', 403);
    const origin = c.req.header('origin');
    if (origin && !allowedHosts().some((h) => origin === `http://${h}`)) return c.text('Forbidden: cross-origin request.', 403);
    if (c.req.header('sec-fetch-site') === 'cross-site') return c.text('Forbidden: cross-site request.', 403);

    const signedIn = sameToken(getCookie(c, cookieName()), session);
    if (c.req.method === 'GET' && c.req.path === '/' && c.req.query('token') !== undefined) {
      // A browser that is signed in already may open the link again; anyone else needs an unused link.
      if (!signedIn) {
        if (linkUsed || !sameToken(c.req.query('token'), linkToken)) return unauthorized(c, linkUsed);
        linkUsed = true;
        setCookie(c, cookieName(), session, { httpOnly: true, sameSite: 'Strict', path: '/' });
      }
      return c.redirect('/', 303);
    }
    const bearer = c.req.header('authorization')?.replace(/^Bearer\s+/i, '');
    if (!signedIn && !sameToken(bearer, token)) return unauthorized(c);
    await next();
  });

  // JSON calls are small; file drops arrive in chunks of at most 4 MiB (people.upload). A larger body is
  // refused before it is read into memory.
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_API_BODY_BYTES,
      onError: (c) =>
        c.json(
          {
            ok: false,
            error: {
              code: 'INVALID_INPUT',
              message: `The request is larger than ${MAX_API_BODY_BYTES / 2 ** 20} MB.`,
              hint: 'Send files in chunks of at most 4 MB (people.upload).',
            },
          },
          413,
        ),
    }),
  );

  app.post('/api/:namespace/:method', async (c) => {
    if (!(c.req.header('content-type') ?? '').startsWith('application/json')) {
      return c.json({ ok: false, error: { code: 'INVALID_INPUT', message: 'Send JSON (Content-Type: application/json).' } }, 415);
    }
    let input: unknown;
    try {
      input = await c.req.json();
    } catch {
      return c.json({ ok: false, error: { code: 'INVALID_INPUT', message: 'The request body is not valid JSON.' } }, 400);
    }
    const envelope = await studio.dispatch(`${c.req.param('namespace')}:${c.req.param('method')}`, input);
    c.header('Cache-Control', 'no-store');
    return c.json(envelope, envelope.ok ? 200 : ((httpStatusOf[envelope.error.code] ?? 500) as 400));
  });

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = studio.events.subscribe((event) => {
        queue.push(JSON.stringify(event));
        wake?.();
      });
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (!stream.aborted && !stream.closed) {
        while (queue.length) await stream.writeSSE({ data: queue.shift()! });
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, 15_000);
        });
        // Cleared at once so a closed connection never keeps the process alive for the keep-alive period.
        clearTimeout(timer);
        wake = undefined;
        if (!queue.length && !stream.aborted) await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    }),
  );

  // Content-addressed objects only: the hash is checked and must be known to the catalogue. The type comes
  // from the file's first bytes (not from what an upload claimed), and the response can never act as a page of
  // this origin: no scripts, no sniffing, not embeddable by other sites.
  app.on(['GET', 'HEAD'], '/media/:hash', async (c, next) => {
    const hash = c.req.param('hash');
    if (!isObjectHash(hash) || !studio.catalog.objectMime(hash)) return c.text('Not found', 404);
    const path = studio.catalog.store.pathOf(hash);
    const type = await studio.catalog.store.mediaType(hash);
    if (!type) return c.text('Not found', 404);
    const response = await serveStatic({ path })(c, next);
    if (!response) return c.text('Not found', 404);
    response.headers.set('Content-Type', type);
    response.headers.set('Content-Security-Policy', "default-src 'none'; sandbox");
    response.headers.set('X-Content-Type-Options', 'nosniff');
    response.headers.set('Cross-Origin-Resource-Policy', 'same-origin');
    response.headers.set('Cache-Control', 'private, max-age=31536000, immutable');
    return response;
  });

  app.use('/assets/*', serveStatic({ root: rendererDir }));
  app.get('*', async (c) => {
    const index = join(rendererDir, 'index.html');
    if (!existsSync(index)) return c.text('The UI is not built. Run `npm run build`, then start the server again.', 500);
    const response = await serveStatic({ path: index })(c, async () => {});
    if (!response) return c.text('Not found', 404);
    response.headers.set('Content-Security-Policy', contentSecurityPolicy());
    response.headers.set('Cache-Control', 'no-cache');
    return response;
  });

  return app;
}

function unauthorized(c: Context, linkUsed = false) {
  const why = linkUsed
    ? 'This link was used already: it opens Likeness in one browser only.'
    : 'This server needs the address printed by <code>likeness serve</code> (it carries a one-time access token).';
  return c.html(
    `<!doctype html><meta charset="utf-8"><title>Likeness</title><body style="font:16px system-ui;margin:3em">
     <h1>Open Likeness with its link</h1><p>${why} Start <code>likeness serve</code> again for a new link.</p></body>`,
    401,
  );
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  // The API's bearer token (for programs: tests, scripts) and the one-time token of the printed link differ.
  const token = options.token ?? randomBytes(24).toString('base64url');
  const linkToken = randomBytes(24).toString('base64url');
  let port = options.port ?? 0;
  const app = createApp({ studio: options.studio, rendererDir: options.rendererDir, token, linkToken, port: () => port });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;
  return {
    url,
    openUrl: `${url}?token=${linkToken}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
