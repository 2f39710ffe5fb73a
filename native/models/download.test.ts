import { randomBytes, createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadProblems } from '../api/namespaces/models';
import { downloadFile, partialPath } from './download';

const dir = mkdtempSync(join(tmpdir(), 'likeness-download-'));
const body = randomBytes(600_000);
const sha = createHash('sha256').update(body).digest('hex');
const ranges: (string | undefined)[] = [];
let mode: 'drop-first' | 'ignore-range' | 'normal' | 'slow' = 'normal';
let requests = 0;
let server: Server;
let base = '';

function handle(request: IncomingMessage, response: ServerResponse) {
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

  it('names the problem of a failed download, so the UI can say it in the user’s language', async () => {
    const problem = (promise: Promise<unknown>) =>
      promise.then(
        () => undefined,
        (error: { details?: { problem?: string } }) => error.details?.problem,
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
    expect(seen).toEqual(['unreachable', 'refused', 'http', 'stopped', 'changed', 'damaged']);
    expect(new Set(seen)).toEqual(new Set(downloadProblems));
  });
});
