import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { ImportRequest, type ImportResult } from '../api/schemas';
import { toStudioError } from '../core/errors';
import { appVersion } from '../core/version';
import { defineJob } from '../jobs/define';
import { addOutput } from './add-output';
import type { Catalog } from './catalog';
import { imageExtensions, inspectImage, makeThumbnail, readImageFile } from './image-input';
import { extractProvenance } from './provenance';
import { sha256 } from './store';
import { progressText } from '../api/progress-keys';
import { resolveUserPath } from '../core/paths';

/** Lists the image files under `root` (sorted, so a resumed import walks the same order). */
export async function listImageFiles(root: string, recursive: boolean, signal?: AbortSignal): Promise<{ images: string[]; skipped: number }> {
  const info = await stat(root).catch(() => undefined);
  if (!info) throw new StudioError('NOT_FOUND', `The folder ${root} does not exist.`, 'Check the path, or pick the folder again.');
  if (!info.isDirectory()) {
    if (imageExtensions.has(extname(root).toLowerCase())) return { images: [root], skipped: 0 };
    throw new StudioError('INVALID_INPUT', `${root} is not a folder or an image.`, 'Choose a folder of images.');
  }
  const images: string[] = [];
  let skipped = 0;
  const walk = async (dir: string): Promise<void> => {
    signal?.throwIfAborted();
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      skipped++;
      return;
    }
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (recursive) await walk(path);
      } else if (entry.isFile() && imageExtensions.has(extname(entry.name).toLowerCase())) {
        images.push(path);
      } else {
        skipped++;
      }
    }
  };
  await walk(root);
  return { images, skipped };
}

export type ImportOutcome =
  | { status: 'imported'; outputId: number }
  | { status: 'duplicate'; outputId: number }
  /** Imported by this same job before it was interrupted (a resumed import counts it as imported). */
  | { status: 'resumed'; outputId: number };

/**
 * Imports one image: hash (a file already in the catalogue is skipped before any decoding), store the
 * original and its WebP thumbnail, then the rows (see addOutput).
 */
export async function importImage(
  catalog: Catalog,
  path: string,
  options: { jobId?: number | null; batchId?: string | null } = {},
): Promise<ImportOutcome> {
  const name = basename(path);
  const data = await readImageFile(path, name);
  const hash = sha256(data);
  const existing = catalog.outputs.idByHash(hash);
  if (existing !== undefined) {
    const sameJob = options.jobId != null && catalog.outputs.jobIdOf(existing) === options.jobId;
    return { status: sameJob ? 'resumed' : 'duplicate', outputId: existing };
  }

  const image = await inspectImage(data, name);
  const thumbnail = await makeThumbnail(data, name);
  const stored = await catalog.store.putBuffer(data);
  const { provenance, raw } = extractProvenance({ texts: image.metadata.comments ?? [], exif: image.metadata.exif });

  const fileInfo = await stat(path);
  const { outputId } = await addOutput(
    catalog,
    { stored, mime: image.mime, width: image.width, height: image.height, thumbnail },
    {
      source: 'import',
      generator: provenance?.generator ?? null,
      jobId: options.jobId ?? null,
      batchId: options.batchId ?? null,
      model: provenance?.model ?? null,
      modelHash: provenance?.modelHash ?? null,
      loras: provenance?.loras ?? [],
      prompt: provenance?.prompt ?? null,
      negativePrompt: provenance?.negativePrompt ?? null,
      seed: provenance?.seed !== null && provenance?.seed !== undefined && Number.isSafeInteger(provenance.seed) ? provenance.seed : null,
      steps: provenance?.steps ?? null,
      scheduler: provenance?.scheduler ?? null,
      guidance: provenance?.guidance ?? null,
      appVersion: appVersion(),
      provenance: {
        importedFrom: resolve(path),
        format: image.format,
        fileModifiedAt: Math.round(fileInfo.mtimeMs),
        ...(provenance ? { parsed: provenance } : {}),
        ...(Object.keys(raw).length ? { embedded: raw } : {}),
      },
      originalName: name,
      originalPath: resolve(path),
      createdAt: Math.round(fileInfo.mtimeMs) || Date.now(),
    },
  );
  return { status: 'imported', outputId };
}

/** `catalog import DIR`: brings a folder of images (e.g. another tool's outputs) into the catalogue. */
export const catalogImportJob = defineJob({
  kind: 'catalog.import',
  resource: 'cpu',
  // Idempotent: files already imported are recognised by hash and skipped.
  resumable: true,
  input: ImportRequest,
  title: (input: z.output<typeof ImportRequest>) => `Import ${basename(input.path) || input.path}`,
  async run(input, { catalog, signal, progress, emit, jobId }): Promise<ImportResult> {
    const root = resolveUserPath(input.path);
    progress({ fraction: 0, ...progressText('catalog.lookingForImages') });
    const { images, skipped } = await listImageFiles(root, input.recursive, signal);
    // Importing a folder that contains the library itself must not import the library's own objects.
    const files = images.filter((file) => relative(catalog.paths.root, file).startsWith('..'));
    // What this import added is one batch, so "Open result" shows exactly the new photos in Review.
    const batchId = `import-${jobId}`;
    const result: ImportResult = { scanned: files.length, imported: 0, duplicates: 0, failed: [], skipped, batchId };
    progress({
      done: 0,
      total: files.length,
      ...(files.length ? progressText('catalog.imagesFound', { count: files.length }) : progressText('catalog.noImagesFound')),
    });
    // Outputs this run added: the same picture twice in the folder is a duplicate, not two imports ("resumed"
    // is only what a crashed run of this job added before).
    const added = new Set<number>();
    for (const [index, file] of files.entries()) {
      signal.throwIfAborted();
      try {
        const outcome = await importImage(catalog, file, { jobId, batchId });
        if (outcome.status === 'imported') {
          result.imported++;
          added.add(outcome.outputId);
          emit('output:added', catalog.outputs.summary(outcome.outputId));
        } else if (outcome.status === 'resumed' && !added.has(outcome.outputId)) {
          result.imported++;
          added.add(outcome.outputId);
        } else result.duplicates++;
      } catch (error) {
        const studioError = toStudioError(error);
        // A full disk stops the import (every next file would fail too); anything else is per file.
        if (studioError.code === 'DISK_FULL') throw studioError;
        result.failed.push({ path: file, reason: studioError.hint ? `${studioError.message} ${studioError.hint}` : studioError.message });
      }
      progress({ done: index + 1, total: files.length, message: basename(file) });
    }
    return result;
  },
});

const ImportFileInput = z.object({ path: z.string().min(1), name: z.string().default('') });

/**
 * One file dropped in the browser (Restore's photo): read, decoded and its metadata parsed in a job worker,
 * never on the thread that serves the API (a crafted file must not stall every other request).
 */
export const catalogImportFileJob = defineJob({
  kind: 'catalog.importFile',
  resource: 'cpu',
  resumable: true,
  input: ImportFileInput,
  title: (input: z.output<typeof ImportFileInput>) => `Add ${input.name || basename(input.path)}`,
  async run(input, { catalog, emit, jobId }): Promise<ImportOutcome> {
    const outcome = await importImage(catalog, input.path, { jobId });
    if (outcome.status === 'imported') emit('output:added', catalog.outputs.summary(outcome.outputId));
    return outcome;
  },
});
