import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from '../studio/studio';
import { answerDesktopRequest } from './desktop-protocol';

// The desktop window's likeness:// scheme, answered by the same code electron/main registers, against a real
// library: what it serves, how it types it, what it refuses.
describe('the desktop likeness:// scheme', () => {
  let root: string;
  let studio: Studio;
  let rendererDir: string;
  let hash: string;
  let png: Buffer;
  const get = (url: string, headers: Record<string, string> = {}) =>
    answerDesktopRequest(new Request(url, { headers }), { media: studio.catalog, rendererDir });

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-desktop-protocol-'));
    studio = await createStudio({ library: join(root, 'library') });
    rendererDir = join(root, 'renderer');
    mkdirSync(join(rendererDir, 'assets'), { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Likeness</title>');
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(root, 'secret.txt'), 'not for the page');
    // A PNG imported under a .jpg name: served as what it is.
    const photos = join(root, 'photos');
    mkdirSync(photos);
    png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#468' } })
      .png()
      .toBuffer();
    writeFileSync(join(photos, 'claims-to-be.jpg'), png);
    await studio.jobs.waitFor((await studio.api.catalog.import({ path: photos })).id);
    hash = (await studio.api.catalog.listOutputs({})).items[0]!.hash;
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves a catalogued object typed by its content, sandboxed, whole or by byte range', async () => {
    const whole = await get(`likeness://media/${hash}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('image/png');
    expect(whole.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(whole.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await whole.arrayBuffer()).equals(png)).toBe(true);

    const part = await get(`likeness://media/${hash}`, { range: 'bytes=8-15' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 8-15/${png.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(png.subarray(8, 16))).toBe(true);
    const tail = await get(`likeness://media/${hash}`, { range: 'bytes=-4' });
    expect(Buffer.from(await tail.arrayBuffer()).equals(png.subarray(png.length - 4))).toBe(true);

    const beyond = await get(`likeness://media/${hash}`, { range: `bytes=${png.length + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${png.length}`);
  });

  it('refuses what is not a catalogued object', async () => {
    expect((await get(`likeness://media/${'0'.repeat(64)}`)).status).toBe(404);
    // In the object store but not in the catalogue (a half-finished import's file, a stray): the catalogue decides.
    const stray = await studio.catalog.store.putBuffer(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#111' } })
        .png()
        .toBuffer(),
    );
    expect(studio.catalog.objectMime(stray.hash)).toBeUndefined();
    expect((await get(`likeness://media/${stray.hash}`)).status).toBe(404);
    expect((await get('likeness://media/../../library.sqlite')).status).toBe(404);
    expect((await get('likeness://media/not-a-hash')).status).toBe(404);
    expect((await get('likeness://elsewhere/index.html')).status).toBe(404);
  });

  it('serves the UI from its folder with the policy, and nothing outside it', async () => {
    const page = await get('likeness://app/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain('likeness://media');
    expect((await get('likeness://app/assets/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const url of [
      'likeness://app/%2e%2e/secret.txt',
      'likeness://app/..%2fsecret.txt',
      'likeness://app/assets',
      'likeness://app/missing.js',
      'likeness://app/%E0%A4%A',
    ])
      expect((await get(url)).status, url).toBe(404);
  });
});
