import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';

export interface LocalRegistry {
  /** The registry file to point LIKENESS_MODELS_JSON at. */
  file: string;
  base: string;
  /** Requests served, and the Range headers among them (`/path bytes=N-`). */
  requests: number;
  ranges: string[];
  /** Sends 1 KiB every 15 ms while true (slow enough to cancel a download midway). */
  slow: boolean;
  close(): Promise<void>;
}

/**
 * A model registry on 127.0.0.1 serving one model folder file by file (with Range requests, as Hugging Face does),
 * each file listed with its size and sha256, as assets/models.json lists a real model.
 */
export async function serveModelFolder(
  source: string,
  registryFile: string,
  model: { id: string; name: string; family: string },
  extraFiles: { path: string; optional: true }[] = [],
): Promise<LocalRegistry> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }))
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else files.push(relative(source, join(dir, entry.name)));
  };
  walk(source);
  const state = { requests: 0, ranges: [] as string[], slow: false };
  const server = createServer((request, response) => {
    state.requests++;
    const file = join(source, decodeURIComponent(request.url!.slice(1)));
    if (!existsSync(file)) return void response.writeHead(404).end();
    const body = readFileSync(file);
    const start = Number(/bytes=(\d+)-/.exec(request.headers.range ?? '')?.[1] ?? 0);
    if (request.headers.range) state.ranges.push(`${request.url} ${request.headers.range}`);
    const rest = body.subarray(start);
    response.writeHead(start ? 206 : 200, { 'content-length': rest.length });
    if (!state.slow) return void response.end(rest);
    let offset = 0;
    const tick = () => {
      if (response.destroyed) return;
      if (offset >= rest.length) return void response.end();
      response.write(rest.subarray(offset, offset + 1024));
      offset += 1024;
      setTimeout(tick, 15);
    };
    tick();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const entry = {
    ...model,
    kind: 'diffusion',
    license: { name: 'test', commercialUse: true },
    files: [
      ...files.map((path) => ({
        path,
        url: `${base}/${path}`,
        size: statSync(join(source, path)).size,
        sha256: createHash('sha256')
          .update(readFileSync(join(source, path)))
          .digest('hex'),
      })),
      ...extraFiles.map((f) => ({ ...f, url: `${base}/${f.path}` })),
    ],
  };
  writeFileSync(registryFile, JSON.stringify({ version: 1, models: [entry] }));
  return Object.assign(state, {
    file: registryFile,
    base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
