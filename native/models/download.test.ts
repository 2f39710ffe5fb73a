import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadProblems } from '../api/namespaces/models';
import { crc32 } from 'node:zlib';
import { downloadFile, partialPath, publishedCrc32Url } from './download';

const dir = mkdtempSync(join(tmpdir(), 'likeness-download-'));
const body = randomBytes(600_000);
const sha = createHash('sha256').update(body).digest('hex');
const ranges: (string | undefined)[] = [];
let mode: 'drop-first' | 'ignore-range' | 'normal' | 'slow' = 'normal';
let requests = 0;
let server: Server;
let base = '';

const bodyCrc = crc32(body).toString(16).padStart(8, '0');

function handle(request: IncomingMessage, response: ServerResponse) {
  // Hugging Face's answer for an LFS file: a redirect to the CDN carrying the sha256 and size
  // (huggingface_hub file_download.py: X-Linked-Etag, X-Linked-Size; the value is quoted).
  const hub = /^\/hub\/(good|bad)$/.exec(request.url ?? '');
  if (hub) {
    const linked = hub[1] === 'good' ? sha : 'f'.repeat(64);
    response.writeHead(302, { location: '/file', 'x-linked-etag': `"${linked}"`, 'x-linked-size': String(body.length), etag: '"0123abcd"' }).end();
    return;
  }
  // FaceFusion's `<name>.hash`: the CRC32 of the whole file, 8 lowercase hex digits, no newline.
  if (request.url === '/assets/good.hash') return void response.writeHead(200).end(bodyCrc);
  if (request.url === '/assets/bad.hash') return void response.writeHead(200).end('deadbeef');
  if (request.url === '/assets/none.hash') return void response.writeHead(404).end();
  requests++;
  if (request.url === '/missing') {
    response.writeHead(404).end();
    return;
  }
  if (request.url === '/private') {
    response.writeHead(403).end();
    return;
  }
  const range = request.headers.range;
  ranges.push(range);
  const start = mode !== 'ignore-range' && range ? Number(/bytes=(\d+)-/.exec(range)![1]) : 0;
  const rest = body.subarray(start);
  response.writeHead(start ? 206 : 200, {
    'content-length': rest.length,
    'accept-ranges': 'bytes',
    ...(start ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
  });
  if (mode === 'drop-first' && requests === 1) {
    // Send a third, then cut the connection: an interrupted download.
    response.write(rest.subarray(0, 200_000), () => setTimeout(() => request.socket.destroy(), 50));
    return;
  }
  if (mode === 'slow') {
    let offset = 0;
    const tick = () => {
      if (response.destroyed) return;
      if (offset >= rest.length) return void response.end();
      response.write(rest.subarray(offset, offset + 50_000));
      offset += 50_000;
      setTimeout(tick, 20);
    };
    tick();
    return;
  }
  response.end(rest);
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe('downloading a model file (a local HTTP server on 127.0.0.1)', () => {
  it('resumes an interrupted download with a Range request and verifies size and sha256', async () => {
    mode = 'drop-first';
    requests = 0;
    ranges.length = 0;
    const target = join(dir, 'a', 'model.onnx');
    await expect(downloadFile(`${base}/file`, target, { size: body.length, sha256: sha })).rejects.toThrow();
    const kept = statSync(partialPath(target)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);
    const progress: number[] = [];
    const result = await downloadFile(`${base}/file`, target, { size: body.length, sha256: sha, onProgress: (p) => progress.push(p.received) });
    expect(ranges).toEqual([undefined, `bytes=${kept}-`]);
    expect(result).toMatchObject({ size: body.length, sha256: sha, resumedFrom: kept });
    expect(progress[0]).toBe(kept);
    expect(progress.at(-1)).toBe(body.length);
    expect(readFileSync(target).equals(body)).toBe(true);
    expect(existsSync(partialPath(target))).toBe(false);
  });

  it('starts over when the server ignores the Range header', async () => {
    mode = 'drop-first';
    requests = 0;
    const target = join(dir, 'b', 'model.onnx');
    await expect(downloadFile(`${base}/file`, target)).rejects.toThrow();
    mode = 'ignore-range';
    const result = await downloadFile(`${base}/file`, target, { sha256: sha });
    expect(result.sha256).toBe(sha);
    expect(readFileSync(target).equals(body)).toBe(true);
  });

  it('refuses a file whose sha256 differs, and deletes it', async () => {
    mode = 'normal';
    const target = join(dir, 'c', 'model.onnx');
    await expect(downloadFile(`${base}/file`, target, { sha256: '0'.repeat(64) })).rejects.toMatchObject({ code: 'CORRUPT_FILE' });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(partialPath(target))).toBe(false);
  });

  it('can be cancelled, keeping what it got for the next try', async () => {
    mode = 'slow';
    const target = join(dir, 'd', 'model.onnx');
    const controller = new AbortController();
    const run = downloadFile(`${base}/file`, target, { signal: controller.signal, onProgress: (p) => p.received > 100_000 && controller.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(statSync(partialPath(target)).size).toBeGreaterThanOrEqual(50_000);
    mode = 'normal';
    expect((await downloadFile(`${base}/file`, target, { sha256: sha })).resumedFrom).toBeGreaterThanOrEqual(50_000);
  });

  it('says when an optional file does not exist upstream, and fails clearly for a required one', async () => {
    expect(await downloadFile(`${base}/missing`, join(dir, 'e', 'x'), { optional: true })).toMatchObject({ absent: true });
    await expect(downloadFile(`${base}/missing`, join(dir, 'e', 'y'))).rejects.toThrow(/HTTP 404/);
  });

  it('checks the sha256 Hugging Face states (X-Linked-Etag) on every download and resume, without a pinned hash', async () => {
    mode = 'drop-first';
    requests = 0;
    const target = join(dir, 'hub', 'model.onnx');
    await expect(downloadFile(`${base}/hub/good`, target)).rejects.toThrow();
    const resumed = await downloadFile(`${base}/hub/good`, target);
    expect(resumed).toMatchObject({ sha256: sha, verified: ['hub-sha256'] });
    expect(resumed.resumedFrom).toBeGreaterThan(0);
    mode = 'normal';
    await expect(downloadFile(`${base}/hub/bad`, join(dir, 'hub', 'bad.onnx'))).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringMatching(/the server says f{64}/),
    });
    expect(existsSync(partialPath(join(dir, 'hub', 'bad.onnx')))).toBe(false);
  });

  it('checks the CRC32 a publisher keeps beside the file (FaceFusion’s .hash), and refuses a mismatch', async () => {
    mode = 'normal';
    const good = await downloadFile(`${base}/file`, join(dir, 'crc', 'good.onnx'), { crc32Url: `${base}/assets/good.hash`, sha256: sha });
    expect(good.verified).toEqual(['registry-sha256', 'crc32']);
    await expect(downloadFile(`${base}/file`, join(dir, 'crc', 'bad.onnx'), { crc32Url: `${base}/assets/bad.hash` })).rejects.toMatchObject({
      code: 'CORRUPT_FILE',
      message: expect.stringMatching(new RegExp(`CRC32 is ${bodyCrc}, the publisher's .hash says deadbeef`)),
    });
    expect((await downloadFile(`${base}/file`, join(dir, 'crc', 'none.onnx'), { crc32Url: `${base}/assets/none.hash` })).verified).toEqual([]);
    // Where FaceFusion keeps them (facefusion/download.py): beside each asset, the extension replaced by .hash.
    expect(publishedCrc32Url('https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/gfpgan_1.4.onnx')).toBe(
      'https://github.com/facefusion/facefusion-assets/releases/download/models-3.0.0/gfpgan_1.4.hash',
    );
    expect(publishedCrc32Url('https://huggingface.co/facefusion/models-3.0.0/resolve/main/arcface_w600k_r50.onnx')).toBe(
      'https://huggingface.co/facefusion/models-3.0.0/resolve/main/arcface_w600k_r50.hash',
    );
    expect(publishedCrc32Url('https://huggingface.co/onnx-community/stable-diffusion-v1-5-ONNX/resolve/main/unet/model.onnx')).toBeNull();
  });

  it('names the problem of a failed download, so the UI can say it in the user’s language', async () => {
    // The problem, and the code its heading comes from: a server out of reach is a network error, not a file error.
    const problem = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: { code: string; details?: { problem?: string } }) => `${error.details?.problem} ${error.code}`,
      );
    // A port nothing listens on: the server cannot be reached (as offline).
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const seen = [
      await problem(downloadFile(`http://127.0.0.1:${closedPort}/file`, join(dir, 'p', 'a'))),
      await problem(downloadFile(`${base}/private`, join(dir, 'p', 'b'))),
      await problem(downloadFile(`${base}/missing`, join(dir, 'p', 'c'))),
      await problem(downloadFile(`${base}/file`, join(dir, 'p', 'd'), { size: body.length + 10 })),
      await problem(downloadFile(`${base}/file`, join(dir, 'p', 'e'), { size: body.length - 10 })),
      await problem(downloadFile(`${base}/file`, join(dir, 'p', 'f'), { sha256: '0'.repeat(64) })),
    ];
    expect(seen).toEqual([
      'unreachable NETWORK_ERROR',
      'refused NETWORK_ERROR',
      'http NETWORK_ERROR',
      'stopped NETWORK_ERROR',
      'changed CORRUPT_FILE',
      'damaged CORRUPT_FILE',
    ]);
    expect(new Set(seen.map((s) => s?.split(' ')[0]))).toEqual(new Set(downloadProblems));
  });
});
