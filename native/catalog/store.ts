import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { sniffMediaType, SNIFF_BYTES } from '../core/media-type';
import { Sha256 } from '../api/schemas';

export interface StoredObject {
  hash: string;
  size: number;
  /** False when an identical object was already in the store. */
  written: boolean;
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function isObjectHash(value: string): boolean {
  return Sha256.safeParse(value).success;
}

/**
 * Content-addressed files: objects/ab/cdef… named by sha256. Every write goes to objects/.tmp,
 * is flushed to disk, then renamed into place, so a reader (or a crash) never sees half a file.
 */
export class ObjectStore {
  constructor(
    readonly root: string,
    readonly tmpDir: string = join(root, '.tmp'),
  ) {}

  pathOf(hash: string): string {
    if (!isObjectHash(hash)) throw new Error(`not an object hash: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash.slice(2));
  }

  has(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  private readonly types = new Map<string, string>();

  /**
   * The media type an object is served with, from its first bytes (never what an upload claimed), remembered
   * because an object's bytes never change. Undefined when the file is gone. Both hosts (HTTP, desktop) use it.
   */
  async mediaType(hash: string): Promise<string | undefined> {
    const known = this.types.get(hash);
    if (known) return known;
    const file = await open(this.pathOf(hash), 'r').catch(() => undefined);
    if (!file) return undefined;
    try {
      const head = new Uint8Array(SNIFF_BYTES);
      const { bytesRead } = await file.read(head, 0, SNIFF_BYTES, 0);
      const type = sniffMediaType(head.subarray(0, bytesRead));
      if (this.types.size >= 10_000) this.types.delete(this.types.keys().next().value!);
      this.types.set(hash, type);
      return type;
    } finally {
      await file.close();
    }
  }

  async putBuffer(data: Uint8Array): Promise<StoredObject> {
    const hash = sha256(data);
    const target = this.pathOf(hash);
    if (existsSync(target)) return { hash, size: data.byteLength, written: false };
    const tmp = await this.tempPath();
    try {
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.moveIntoPlace(tmp, target);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
    return { hash, size: data.byteLength, written: true };
  }

  /** Copies a file into the store while hashing it (for files too large to hold in memory, e.g. videos). */
  async putFile(source: string): Promise<StoredObject> {
    const tmp = await this.tempPath();
    const hasher = createHash('sha256');
    let size = 0;
    try {
      const out = createWriteStream(tmp, { flags: 'wx' });
      await pipeline(
        createReadStream(source),
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hasher.update(chunk);
            size += chunk.byteLength;
            yield chunk;
          }
        },
        out,
      );
      const handle = await open(tmp, 'r+');
      await handle.sync();
      await handle.close();
      const hash = hasher.digest('hex');
      const target = this.pathOf(hash);
      if (existsSync(target)) {
        await unlink(tmp);
        return { hash, size, written: false };
      }
      await this.moveIntoPlace(tmp, target);
      return { hash, size, written: true };
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }

  /** Every object file on disk (hash → size), for reconciliation. */
  async *listFiles(): AsyncGenerator<{ hash: string; path: string }> {
    if (!existsSync(this.root)) return;
    for (const shard of await readdir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const rest of await readdir(join(this.root, shard))) {
        const hash = shard + rest;
        if (isObjectHash(hash)) yield { hash, path: join(this.root, shard, rest) };
      }
    }
  }

  /** Removes temp files older than `olderThanMs` (left by a crash mid-write); returns how many. */
  async clearTemp(olderThanMs = 0): Promise<number> {
    if (!existsSync(this.tmpDir)) return 0;
    let removed = 0;
    for (const name of await readdir(this.tmpDir)) {
      const file = join(this.tmpDir, name);
      const info = await stat(file).catch(() => undefined);
      if (!info || Date.now() - info.mtimeMs < olderThanMs) continue;
      await rm(file, { force: true });
      removed++;
    }
    return removed;
  }

  async size(hash: string): Promise<number> {
    return (await stat(this.pathOf(hash))).size;
  }

  private async tempPath(): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true });
    return join(this.tmpDir, randomUUID());
  }

  private async moveIntoPlace(tmp: string, target: string): Promise<void> {
    await mkdir(join(target, '..'), { recursive: true });
    await rename(tmp, target);
  }
}
