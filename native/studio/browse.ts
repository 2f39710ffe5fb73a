import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join } from 'node:path';
import { StudioError } from '../api/errors';
import type { DirectoryListing } from '../api/schemas';
import { imageExtensions } from '../catalog/image-input';
import { resolveUserPath } from '../core/paths';

const MAX_ENTRIES = 2000;

/** Lists a folder on the machine that runs the studio, so a browser UI can pick folders to import. */
export async function browseDirectory(path?: string): Promise<DirectoryListing> {
  const dir = path?.trim() ? resolveUserPath(path) : homedir();
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new StudioError('NOT_FOUND', `${dir} is not a folder.`, 'Type the path of an existing folder.');
  let names;
  try {
    names = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new StudioError('IO_ERROR', `Cannot open ${dir}: ${(error as Error).message}`, 'Check the folder permissions.');
  }
  const entries = names
    .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isFile()))
    .map((e) => ({
      name: e.name,
      path: join(dir, e.name),
      isDirectory: e.isDirectory(),
      isImage: e.isFile() && imageExtensions.has(extname(e.name).toLowerCase()),
    }))
    .sort((a, b) => Number(b.isDirectory) - Number(a.isDirectory) || a.name.localeCompare(b.name));
  const parent = dirname(dir);
  return {
    path: dir,
    parent: parent === dir ? null : parent,
    entries: entries.filter((e) => e.isDirectory || e.isImage).slice(0, MAX_ENTRIES),
    imageCount: entries.filter((e) => e.isImage).length,
  };
}
