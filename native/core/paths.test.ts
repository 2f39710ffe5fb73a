import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browseDirectory } from '../studio/browse';
import { isInside, realLocation, resolveUserPath } from './paths';

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

describe('real locations', () => {
  it('resolves symlinks of the nearest existing folder, so a link into a folder counts as inside it', () => {
    const root = mkdtempSync(join(tmpdir(), 'likeness-paths-'));
    try {
      const library = join(root, 'library');
      mkdirSync(join(library, 'objects'), { recursive: true });
      symlinkSync(library, join(root, 'looks-outside'));
      // Neither exists yet below the link; the link itself leads into the library.
      expect(isInside(join(root, 'looks-outside', 'export', '2026'), library)).toBe(true);
      expect(isInside(join(root, 'elsewhere', 'export'), library)).toBe(false);
      expect(isInside(join(library, '..', 'library', 'x'), library)).toBe(true);
      expect(realLocation(join(root, 'looks-outside', 'new'))).toBe(join(realpathSync(library), 'new'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
