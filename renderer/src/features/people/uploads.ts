import { studio } from '../../api';
import { MAX_UPLOAD_BYTES } from './types';

/** Chunks of 2 MiB: small enough for steady progress, well under the 4 MiB the API takes. */
const CHUNK = 2 * 1024 * 1024;

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export interface UploadProgress {
  file: number;
  files: number;
  bytes: number;
  totalBytes: number;
}

/**
 * Sends dropped or picked files to the studio in chunks (people.upload); returns the upload ids for
 * people.import. Files over the limit are returned as skipped, for the page to say so.
 */
export async function uploadFiles(
  files: readonly File[],
  onProgress: (progress: UploadProgress) => void,
  signal?: AbortSignal,
): Promise<{ uploads: string[]; tooLarge: string[] }> {
  const uploads: string[] = [];
  const tooLarge: string[] = [];
  const accepted = files.filter((file) => (file.size > MAX_UPLOAD_BYTES ? (tooLarge.push(file.name), false) : true));
  const totalBytes = accepted.reduce((sum, f) => sum + f.size, 0);
  let sent = 0;
  for (const [index, file] of accepted.entries()) {
    const uploadId = crypto.randomUUID();
    for (let offset = 0; offset < file.size || offset === 0; offset += CHUNK) {
      signal?.throwIfAborted();
      const bytes = new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer());
      await studio.api.people.upload({ uploadId, name: file.name, offset, data: toBase64(bytes) });
      sent += bytes.length;
      onProgress({ file: index + 1, files: accepted.length, bytes: sent, totalBytes });
      if (file.size === 0) break;
    }
    uploads.push(uploadId);
  }
  return { uploads, tooLarge };
}

async function filesOf(entry: FileSystemEntry): Promise<File[]> {
  if (entry.isFile) return [await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))];
  if (!entry.isDirectory) return [];
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  const files: File[] = [];
  // readEntries returns the folder in batches until an empty one.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const child of batch) if (!child.name.startsWith('.')) files.push(...(await filesOf(child)));
  }
  return files;
}

/** The files of a drop, with the contents of dropped folders. */
export async function droppedFiles(data: DataTransfer): Promise<File[]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return [...data.files];
  return (await Promise.all(entries.map(filesOf))).flat();
}
