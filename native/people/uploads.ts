import { existsSync } from 'node:fs';
import { appendFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { StudioError } from '../api/errors';
import { MAX_UPLOAD_BYTES } from '../api/namespaces/people';

/**
 * Files dropped into the browser reach the studio as base64 chunks through the API (so the server's token,
 * Host and Origin checks apply, and Electron and the CLI take the same path). Each upload is one file in
 * <library>/uploads/<uploadId>/<name> until an import takes it.
 */
const STALE_MS = 24 * 60 * 60 * 1000;

export function uploadsDir(libraryRoot: string): string {
  return join(libraryRoot, 'uploads');
}

/** A file name without folders or control characters (the browser's File.name is untrusted). */
export function safeFileName(name: string): string {
  const cleaned = basename(name.replace(/\\/g, '/'))
    // eslint-disable-next-line no-control-regex -- stripping control characters is the point
    .replace(/[\u0000-\u001f<>:"|?*]/g, '_')
    .trim();
  return !cleaned || cleaned === '.' || cleaned === '..' ? 'upload' : cleaned.slice(0, 200);
}

/** Appends one chunk at `offset`; a chunk sent again after a lost reply is accepted without writing it twice. */
export async function stageChunk(libraryRoot: string, chunk: { uploadId: string; name: string; offset: number; data: string }): Promise<number> {
  const dir = join(uploadsDir(libraryRoot), chunk.uploadId);
  const name = safeFileName(chunk.name);
  const bytes = Buffer.from(chunk.data, 'base64');
  if (chunk.offset === 0 && !existsSync(dir)) await removeStaleUploads(libraryRoot);
  await mkdir(dir, { recursive: true });
  const existing = (await readdir(dir)).filter((n) => n !== name);
  if (existing.length) {
    throw new StudioError('CONFLICT', `Upload ${chunk.uploadId} already holds another file (${existing[0]}).`, 'Start a new upload for each file.');
  }
  const file = join(dir, name);
  const found = await stat(file).catch(() => undefined);
  // An empty file is one chunk of nothing: it is staged too, so the import can say "empty" about it alone.
  if (!found && chunk.offset === 0 && bytes.length === 0) {
    await writeFile(file, bytes);
    return 0;
  }
  const size = found?.size ?? 0;
  if (chunk.offset + bytes.length <= size) return size;
  if (chunk.offset !== size) {
    throw new StudioError(
      'CONFLICT',
      `Chunk at byte ${chunk.offset} of ${name} does not follow the ${size} bytes received.`,
      'Send the file again from the start.',
    );
  }
  if (size + bytes.length > MAX_UPLOAD_BYTES) {
    await rm(dir, { recursive: true, force: true });
    throw new StudioError(
      'INVALID_INPUT',
      `${name} is larger than ${MAX_UPLOAD_BYTES / 2 ** 20} MB, the most a dropped file may be.`,
      'Import it from its folder instead (Import folder…), or export a smaller copy.',
    );
  }
  await appendFile(file, bytes);
  return size + bytes.length;
}

/** The staged files of the uploads, and the uploads that are not (or no longer) on the studio. */
export async function stagedUploads(
  libraryRoot: string,
  uploadIds: readonly string[],
): Promise<{ files: { uploadId: string; path: string; name: string }[]; missing: string[] }> {
  const files = [];
  const missing: string[] = [];
  for (const uploadId of uploadIds) {
    const names = await readdir(join(uploadsDir(libraryRoot), uploadId)).catch(() => []);
    if (names[0]) files.push({ uploadId, path: join(uploadsDir(libraryRoot), uploadId, names[0]), name: names[0] });
    else missing.push(uploadId);
  }
  return { files, missing };
}

/** The staged file of each upload, or a NOT_FOUND naming the missing one. */
export async function stagedFiles(libraryRoot: string, uploadIds: readonly string[]): Promise<{ uploadId: string; path: string; name: string }[]> {
  const files = [];
  for (const uploadId of uploadIds) {
    const dir = join(uploadsDir(libraryRoot), uploadId);
    const names = await readdir(dir).catch(() => []);
    if (!names[0]) throw new StudioError('NOT_FOUND', `Upload ${uploadId} is not on the studio (it may have expired).`, 'Drop the file again.');
    files.push({ uploadId, path: join(dir, names[0]), name: names[0] });
  }
  return files;
}

export async function discardUploads(libraryRoot: string, uploadIds: readonly string[]): Promise<void> {
  await Promise.all(uploadIds.map((id) => rm(join(uploadsDir(libraryRoot), id), { recursive: true, force: true })));
}

/** Uploads nobody imported within a day (a closed tab, a failed drop) are removed. */
export async function removeStaleUploads(libraryRoot: string, now = Date.now()): Promise<number> {
  const root = uploadsDir(libraryRoot);
  let removed = 0;
  for (const id of await readdir(root).catch(() => [] as string[])) {
    const info = await stat(join(root, id)).catch(() => undefined);
    if (info && now - info.mtimeMs > STALE_MS) {
      await rm(join(root, id), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
