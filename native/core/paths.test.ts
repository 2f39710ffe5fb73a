import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browseDirectory } from '../studio/browse';
import { resolveUserPath } from './paths';

describe('paths typed by the user', () => {
  it('take ~ as the home folder, as a shell would (the browser UI has no shell)', () => {
    expect(resolveUserPath('~')).toBe(homedir());
    expect(resolveUserPath('~/Pictures/old photos')).toBe(join(homedir(), 'Pictures', 'old photos'));
    expect(resolveUserPath('  /tmp/x ')).toBe('/tmp/x');
    expect(resolveUserPath('~other/x')).toBe(resolve('~other/x'));
  });

  it('lets the folder browser open ~/…', async () => {
    const dir = mkdtempSync(join(homedir(), '.likeness-paths-'));
    try {
      mkdirSync(join(dir, 'inside'));
      const listing = await browseDirectory(`~/${dir.slice(homedir().length + 1)}`);
      expect(listing.path).toBe(dir);
      expect(listing.entries.map((e) => e.name)).toEqual(['inside']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
