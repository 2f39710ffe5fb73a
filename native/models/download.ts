import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { StudioError } from '../api/errors';

export interface DownloadProgress {
  /** Bytes of this file on disk so far (a resumed download starts above 0). */
  received: number;
  /** Total bytes when the server or the registry says. */
  total: number | undefined;
}

export interface DownloadOptions {
  /** Expected size and sha256 (from the registry); the file is refused if either differs. */
  size?: number | undefined;
  sha256?: string | undefined;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** A missing file (HTTP 404) is not an error: the export may not have it. */
  optional?: boolean;
  /**
   * Where the publisher keeps the file's CRC32 (FaceFusion: `<name>.hash` beside each asset, 8 hex digits,
   * facefusion/hash_helper.py). Defaults to that place for FaceFusion's asset URLs; a 404 there means none.
   */
  crc32Url?: string | null;
  fetch?: typeof fetch;
}

export interface DownloadResult {
  path: string;
  size: number;
  sha256: string;
  /** Bytes that were already there from an interrupted download. */
  resumedFrom: number;
  /** The file does not exist upstream (optional files only). */
  absent?: boolean;
  /** What the publisher's own checksums confirmed: Hugging Face's X-Linked-Etag (sha256), FaceFusion's CRC32. */
  verified?: ('registry-sha256' | 'hub-sha256' | 'crc32')[];
}

/** FaceFusion publishes `<stem>.hash` beside every asset (GitHub releases and its Hugging Face mirror). */
export function publishedCrc32Url(url: string): string | null {
  const parsed = new URL(url);
  const facefusion =
    (parsed.host === 'github.com' && parsed.pathname.startsWith('/facefusion/facefusion-assets/releases/download/')) ||
    (parsed.host === 'huggingface.co' && parsed.pathname.startsWith('/facefusion/'));
  if (!facefusion || !/\.[a-z0-9]+$/i.test(parsed.pathname)) return null;
  parsed.pathname = parsed.pathname.replace(/\.[a-z0-9]+$/i, '.hash');
  return parsed.href;
}

/** Reads the publisher's CRC32 (8 hex digits; FaceFusion writes no newline, older files had one). */
async function fetchCrc32(url: string, fetchImpl: typeof fetch, signal: AbortSignal | undefined): Promise<number | null> {
  const response = await fetchImpl(url, { redirect: 'follow', ...(signal ? { signal } : {}) }).catch((error: Error) => {
    if (signal?.aborted) throw error;
    throw new StudioError(
      'NETWORK_ERROR',
      `Could not reach ${new URL(url).host}: ${error.message}`,
      'Check the internet connection, then try again; the download resumes.',
      {
        problem: 'unreachable',
        host: new URL(url).host,
      },
    );
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  const text = response.ok ? (await response.text()).trim() : (await response.body?.cancel(), '');
  return /^[0-9a-f]{8}$/i.test(text) ? parseInt(text, 16) : null;
}

/**
 * Fetches with redirects followed by hand, to read what Hugging Face says on its own answer before it sends the
 * client to the CDN: X-Linked-Etag is an LFS file's sha256, X-Linked-Size its size (huggingface_hub
 * file_download.py, get_hf_file_metadata). Plain ETags (git blob ids, CDN tags) are not content hashes.
 */
async function fetchFollowing(
  url: string,
  init: RequestInit,
  fetchImpl: typeof fetch,
): Promise<{ response: Response; linkedSha256: string | undefined; linkedSize: number | undefined }> {
  let linkedSha256: string | undefined;
  let linkedSize: number | undefined;
  let at = url;
  for (let hop = 0; hop < 10; hop++) {
    const response = await fetchImpl(at, { ...init, redirect: 'manual' });
    const etag = response.headers.get('x-linked-etag')?.replace(/^W\//, '').replace(/"/g, '').trim().toLowerCase();
    if (etag && /^[0-9a-f]{64}$/.test(etag)) linkedSha256 = etag;
    const size = Number(response.headers.get('x-linked-size'));
    if (Number.isSafeInteger(size) && size > 0) linkedSize = size;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      at = new URL(location, at).href;
      continue;
    }
    return { response, linkedSha256, linkedSize };
  }
  throw new StudioError('NETWORK_ERROR', `${url} redirects too many times.`, 'Try again later.', { problem: 'http', status: 310 });
}

/** The name a download is written under until it is complete and verified. */
export const partialPath = (target: string) => `${target}.partial`;

/** sha256 and CRC32 of the bytes, fed chunk by chunk (a resumed download hashes what it already has first). */
class Checksums {
  readonly sha256: Hash = createHash('sha256');
  crc32 = 0;
  update(chunk: Buffer): void {
    this.sha256.update(chunk);
    this.crc32 = crc32(chunk, this.crc32);
  }
}

async function hashExisting(path: string, sums: Checksums): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.size) return 0;
  await pipeline(createReadStream(path), new Transform({ transform: (chunk: Buffer, _e, done) => (sums.update(chunk), done()) }));
  return info.size;
}

/**
 * Downloads `url` to `target`: into `target.partial` first, resuming an interrupted download with an HTTP Range
 * request (starting over when the server ignores it), hashing as it goes, then checking size and sha256 and
 * renaming into place. Cancelling (the signal) keeps the partial file for the next try.
 */
export async function downloadFile(url: string, target: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const fetchImpl = options.fetch ?? fetch;
  const partial = partialPath(target);
  await mkdir(dirname(target), { recursive: true });
  const sums = new Checksums();
  let received = await hashExisting(partial, sums);
  if (options.size !== undefined && received > options.size) {
    await rm(partial, { force: true });
    return downloadFile(url, target, options);
  }
  const resumedFrom = received;
  let response: Response;
  let linkedSha256: string | undefined;
  let linkedSize: number | undefined;
  try {
    ({ response, linkedSha256, linkedSize } = await fetchFollowing(
      url,
      { headers: received > 0 ? { Range: `bytes=${received}-` } : {}, ...(options.signal ? { signal: options.signal } : {}) },
      fetchImpl,
    ));
  } catch (error) {
    if (error instanceof StudioError) throw error;
    if (options.signal?.aborted) throw error;
    throw new StudioError(
      'NETWORK_ERROR',
      `Could not reach ${new URL(url).host}: ${(error as Error).message}`,
      'Check the internet connection, then try again; the download resumes.',
      { problem: 'unreachable', host: new URL(url).host },
    );
  }
  if (response.status === 404 && options.optional) {
    await response.body?.cancel();
    return { path: target, size: 0, sha256: '', resumedFrom: 0, absent: true };
  }
  if (response.status === 416 && received > 0) {
    // Nothing left to send: the partial file is already complete.
    await response.body?.cancel();
  } else if (!response.ok) {
    await response.body?.cancel();
    throw new StudioError(
      'NETWORK_ERROR',
      `${url} answered HTTP ${response.status} ${response.statusText}.`,
      response.status === 401 || response.status === 403
        ? 'The server refused the download; the model may need a login on its website.'
        : 'Try again later.',
      { problem: response.status === 401 || response.status === 403 ? 'refused' : 'http', status: response.status },
    );
  } else {
    if (response.status !== 206 && received > 0) {
      // The server sent the whole file: start over.
      await response.body?.cancel();
      await rm(partial, { force: true });
      return downloadFile(url, target, options);
    }
    const length = Number(response.headers.get('content-length') ?? NaN);
    const total = options.size ?? (Number.isFinite(length) ? received + length : undefined);
    options.onProgress?.({ received, total });
    if (!response.body) throw new StudioError('NETWORK_ERROR', `${url} sent no data.`, 'Try again.');
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sums.update(chunk);
        received += chunk.length;
        options.onProgress?.({ received, total });
        done(null, chunk);
      },
    });
    await pipeline(
      Readable.fromWeb(response.body as Parameters<typeof Readable.fromWeb>[0]),
      counter,
      createWriteStream(partial, { flags: received > 0 ? 'a' : 'w' }),
      ...(options.signal ? [{ signal: options.signal }] : []),
    );
  }
  const size = (await stat(partial)).size;
  const sha256 = sums.sha256.digest('hex');
  const expectedSize = options.size ?? linkedSize;
  if (options.size !== undefined && linkedSize !== undefined && linkedSize !== options.size) {
    await rm(partial, { force: true });
    throw new StudioError(
      'CORRUPT_FILE',
      `${url} is now ${linkedSize} bytes upstream; Likeness expects ${options.size}.`,
      'The file on the server changed: the download was deleted; check for a newer Likeness.',
      { problem: 'changed' },
    );
  }
  if (expectedSize !== undefined && size !== expectedSize) {
    if (size < expectedSize)
      throw new StudioError(
        'NETWORK_ERROR',
        `The download of ${url} stopped at ${size} of ${expectedSize} bytes.`,
        'Try again; it resumes where it stopped.',
        { problem: 'stopped' },
      );
    await rm(partial, { force: true });
    throw new StudioError(
      'CORRUPT_FILE',
      `${url} is ${size} bytes, expected ${expectedSize}.`,
      'The file on the server changed: the download was deleted; check for a newer Likeness.',
      { problem: 'changed' },
    );
  }
  const damaged = async (detail: string) => {
    await rm(partial, { force: true });
    return new StudioError('CORRUPT_FILE', `The download of ${url} is damaged: ${detail}.`, 'It was deleted; download it again.', {
      problem: 'damaged',
    });
  };
  const verified: NonNullable<DownloadResult['verified']> = [];
  if (options.sha256) {
    if (sha256 !== options.sha256) throw await damaged(`its sha256 is ${sha256}, expected ${options.sha256}`);
    verified.push('registry-sha256');
  }
  if (linkedSha256) {
    if (sha256 !== linkedSha256) throw await damaged(`its sha256 is ${sha256}, the server says ${linkedSha256}`);
    verified.push('hub-sha256');
  }
  const crc32Url = options.crc32Url === undefined ? publishedCrc32Url(url) : options.crc32Url;
  const published = crc32Url ? await fetchCrc32(crc32Url, fetchImpl, options.signal) : null;
  if (published !== null) {
    const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
    if (sums.crc32 >>> 0 !== published >>> 0) throw await damaged(`its CRC32 is ${hex(sums.crc32)}, the publisher's .hash says ${hex(published)}`);
    verified.push('crc32');
  }
  await rename(partial, target);
  return { path: target, size, sha256, resumedFrom, verified };
}
