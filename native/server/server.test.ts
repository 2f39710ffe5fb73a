import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../studio/studio';
import { createApp, startServer, type RunningServer } from './server';

let root: string;
let studio: Studio;
let app: ReturnType<typeof createApp>;
const token = 'test-token-123';
const port = 5555;
const base = `http://127.0.0.1:${port}`;
const auth = { authorization: `Bearer ${token}` };

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'likeness-server-'));
  const rendererDir = join(root, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Likeness</title>');
  studio = await createStudio({ library: join(root, 'library') });
  app = createApp({ studio, rendererDir, token, port: () => port });
});
afterAll(async () => {
  await studio.close();
  rmSync(root, { recursive: true, force: true });
});

/** In-process requests, with the Host header a browser on the loopback address sends. */
const request = (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) =>
  app.request(`${base}${path}`, { ...init, headers: { host: `127.0.0.1:${port}`, ...init.headers } });
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  request(path, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body: JSON.stringify(body) });

describe('HTTP host', () => {
  it('refuses a request without the token', async () => {
    const response = await request(`/api/people/list`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(401);
    expect((await request(`/`)).status).toBe(401);
    expect((await post('/api/people/list', {}, { authorization: 'Bearer wrong-token-123' })).status).toBe(401);
  });

  it('refuses a foreign Host (DNS rebinding) even with the token', async () => {
    const response = await post('/api/people/list', {}, { host: `evil.example:${port}` });
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/loopback/);
  });

  it('refuses a foreign Origin and cross-site fetches even with the token', async () => {
    expect((await post('/api/people/list', {}, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('/api/people/list', {}, { origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await post('/api/people/list', {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post('/api/people/list', {}, { origin: `http://localhost:${port}` })).status).toBe(200);
  });

  it('exchanges the link once for an HttpOnly, SameSite=Strict session cookie of this server that then authorises', async () => {
    const rendererDir = join(root, 'renderer');
    const linked = createApp({ studio, rendererDir, token, linkToken: 'link-token-456', port: () => port });
    const get = (path: string, headers: Record<string, string> = {}) =>
      linked.request(`http://127.0.0.1:${port}${path}`, { headers: { host: `127.0.0.1:${port}`, ...headers } });
    // The API's bearer token is not the link: it signs no browser in.
    expect((await get(`/?token=${token}`)).status).toBe(401);
    const response = await get('/?token=link-token-456');
    expect(response.status).toBe(303);
    const cookie = response.headers.get('set-cookie')!;
    const [name, value] = cookie.split(';')[0]!.split('=');
    expect(name).toMatch(new RegExp(`^likeness_${port}_[0-9a-f]{12}$`));
    expect(value).not.toBe('link-token-456');
    expect(value).not.toBe(token);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const page = await get('/', { cookie: cookie.split(';')[0]! });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    // The same link again, from another browser: refused, saying why.
    const again = await get('/?token=link-token-456');
    expect(again.status).toBe(401);
    expect(await again.text()).toMatch(/used already/);
    // The signed-in browser may open it again; another instance of the server does not know its cookie.
    expect((await get('/?token=link-token-456', { cookie: cookie.split(';')[0]! })).status).toBe(303);
    const other = createApp({ studio, rendererDir, token, linkToken: 'other', port: () => port });
    expect((await other.request(`http://127.0.0.1:${port}/`, { headers: { host: `127.0.0.1:${port}`, cookie: cookie.split(';')[0]! } })).status).toBe(
      401,
    );
  });

  it('serves the contract as POST /api/<ns>/<method> with envelopes and typed errors', async () => {
    const created = await post('/api/people/create', { name: 'Grace', classWord: 'woman' });
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({ ok: true, value: { name: 'Grace', classWord: 'woman' } });
    const invalid = await post('/api/people/create', { name: '' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/name/) } });
    const missing = await post('/api/people/get', { id: 999 });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', hint: expect.any(String) } });
    expect((await post('/api/nothing/here', {})).status).toBe(404);
  });

  it('refuses a body that is not JSON (no form posts)', async () => {
    const response = await request(`/api/people/list`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(response.status).toBe(415);
  });

  it('serves media only for known object hashes, with the type of their content and byte ranges', async () => {
    const mp4 = Buffer.from('\0\0\0\x18ftypisom0123456789');
    const stored = await studio.catalog.store.putBuffer(mp4);
    studio.catalog.addObject({ hash: stored.hash, size: stored.size, mime: 'video/mp4' });
    const whole = await request(`/media/${stored.hash}`, { headers: auth });
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(mp4);
    const part = await request(`/media/${stored.hash}`, { headers: { ...auth, range: 'bytes=12-14' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('012');
    expect((await request(`/media/${'0'.repeat(64)}`, { headers: auth })).status).toBe(404);
    expect((await request(`/media/..%2F..%2Fcatalog.sqlite`, { headers: auth })).status).toBe(404);
  });

  it('never serves an upload as a page of the app: the type comes from the content, with a sandbox', async () => {
    // An "audio" upload that is really HTML, recorded with the type its sender claimed.
    const page = Buffer.from('<!doctype html><script>fetch("/api/catalog/listOutputs")</script>');
    const stored = await studio.catalog.store.putBuffer(page);
    studio.catalog.addObject({ hash: stored.hash, size: stored.size, mime: 'text/html' });
    const response = await request(`/media/${stored.hash}`, { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  });

  it('listens on 127.0.0.1 only and streams events over SSE', async () => {
    const server: RunningServer = await startServer({ studio, rendererDir: join(root, 'renderer'), port: 0 });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const controller = new AbortController();
      const response = await fetch(`${server.url}api/events`, { headers: { authorization: `Bearer ${server.token}` }, signal: controller.signal });
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = response.body!.getReader();
      let text = '';
      const read = async (until: RegExp) => {
        while (!until.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      };
      await read(/event: ready/);
      await studio.api.people.create({ name: 'Event Person' });
      await read(/people:changed/);
      controller.abort();
    } finally {
      await server.close();
    }
  });
});
