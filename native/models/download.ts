import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
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
}

/** The name a download is written under until it is complete and verified. */
export const partialPath = (target: string) => `${target}.partial`;

async function hashExisting(path: string, hash: Hash): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.size) return 0;
  await pipeline(createReadStream(path), new Transform({ transform: (chunk: Buffer, _e, done) => (hash.update(chunk), done()) }));
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
  const hash = createHash('sha256');
  let received = await hashExisting(partial, hash);
  if (options.size !== undefined && received > options.size) {
    await rm(partial, { force: true });
    return downloadFile(url, target, options);
  }
  const resumedFrom = received;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: received > 0 ? { Range: `bytes=${received}-` } : {},
      redirect: 'follow',
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new StudioError(
      'IO_ERROR',
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
      'IO_ERROR',
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
    if (!response.body) throw new StudioError('IO_ERROR', `${url} sent no data.`, 'Try again.');
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
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
  const sha256 = hash.digest('hex');
  if (options.size !== undefined && size !== options.size) {
    if (size < options.size)
      throw new StudioError(
        'IO_ERROR',
        `The download of ${url} stopped at ${size} of ${options.size} bytes.`,
        'Try again; it resumes where it stopped.',
        { problem: 'stopped' },
      );
    await rm(partial, { force: true });
    throw new StudioError(
      'CORRUPT_FILE',
      `${url} is ${size} bytes, expected ${options.size}.`,
      'The file on the server changed: the download was deleted; check for a newer Likeness.',
      { problem: 'changed' },
    );
  }
  if (options.sha256 && sha256 !== options.sha256) {
    await rm(partial, { force: true });
    throw new StudioError(
      'CORRUPT_FILE',
      `The download of ${url} is damaged: its sha256 is ${sha256}, expected ${options.sha256}.`,
      'It was deleted; download it again.',
      { problem: 'damaged' },
    );
  }
  await rename(partial, target);
  return { path: target, size, sha256, resumedFrom };
}
