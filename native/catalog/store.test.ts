import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectStore, sha256 } from './store';

let dir: string;
let store: ObjectStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-store-'));
  store = new ObjectStore(join(dir, 'objects'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ObjectStore', () => {
  it('stores content under objects/ab/cdef… by sha256 and leaves no temp file', async () => {
    const data = Buffer.from('hello likeness');
    const stored = await store.putBuffer(data);
    expect(stored).toEqual({ hash: sha256(data), size: data.length, written: true });
    expect(store.pathOf(stored.hash)).toBe(join(dir, 'objects', stored.hash.slice(0, 2), stored.hash.slice(2)));
    expect(readFileSync(store.pathOf(stored.hash), 'utf8')).toBe('hello likeness');
    expect(await readdir(store.tmpDir)).toEqual([]);
  });

  it('writes identical content once', async () => {
    await store.putBuffer(Buffer.from('same'));
    expect((await store.putBuffer(Buffer.from('same'))).written).toBe(false);
  });

  it('streams a file in while hashing it', async () => {
    const source = join(dir, 'big.bin');
    const data = Buffer.alloc(3 * 2 ** 20, 7);
    writeFileSync(source, data);
    const stored = await store.putFile(source);
    expect(stored.hash).toBe(sha256(data));
    expect(stored.size).toBe(data.length);
    expect(store.has(stored.hash)).toBe(true);
  });

  it('rejects anything but a sha256 as an object name (no path tricks)', () => {
    expect(() => store.pathOf('../../etc/passwd')).toThrow(/not an object hash/);
    expect(() => store.pathOf('A'.repeat(64))).toThrow();
  });

  it('clears only temp files older than the grace period', async () => {
    mkdirSync(store.tmpDir, { recursive: true });
    const old = join(store.tmpDir, 'old');
    const fresh = join(store.tmpDir, 'fresh');
    writeFileSync(old, 'x');
    writeFileSync(fresh, 'y');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(old, hourAgo, hourAgo);
    expect(await store.clearTemp(60_000)).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
  });
});
