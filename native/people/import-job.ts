import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import pLimit from 'p-limit';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { PeopleImportRequest, type PeopleImportResult, type RejectedFile } from '../api/namespaces/people';
import type { Catalog } from '../catalog/catalog';
import { THUMBNAIL_SIZE, readImageFile } from '../catalog/image-input';
import { listImageFiles } from '../catalog/import-job';
import { sha256 } from '../catalog/store';
import { StudioError } from '../api/errors';
import { toStudioError } from '../core/errors';
import { defineJob } from '../jobs/define';
import type { FaceDetector } from '../inference/face-landmarks';
import { ANALYSIS_MAX_SIDE, measureDecoded, previewOf } from './analyse';
import { splitCaption } from './captions';
import { decodePhoto, fromRgb, inspectPhoto } from './decode';
import { PhotosRepository } from './photos-repo';
import { rejectedFileKind } from './rejected-files';
import { discardUploads, stagedUploads } from './uploads';
import type { FaceEmbedder } from '../inference/face-embedder';
import { embedPhotoFaces } from '../likeness/faces';
import { ensureCrop, loadDetector, openPhotoEmbedder, vetPerson } from './vetting';
import { progressText } from '../api/progress-keys';

interface Candidate {
  path: string;
  name: string;
  /** A caption found beside it (kohya `<name>.txt` / `.caption`, diffusers `metadata.jsonl`). */
  caption?: string | undefined;
  /** Given by hand (a file, a drop): anything unreadable is reported; files found in folders that are not images are skipped. */
  explicit: boolean;
}

/** Captions of a diffusers/HF image folder: `metadata.jsonl` lines ({file_name, text}), by file name. */
function parseJsonlCaptions(text: string): Map<string, string> {
  const captions = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { file_name?: unknown; text?: unknown; caption?: unknown };
      const caption = typeof entry.text === 'string' ? entry.text : typeof entry.caption === 'string' ? entry.caption : undefined;
      if (typeof entry.file_name === 'string' && caption !== undefined) captions.set(entry.file_name, caption);
    } catch {
      // a broken line loses its caption only
    }
  }
  return captions;
}

async function jsonlCaptions(dir: string): Promise<Map<string, string>> {
  const byName = parseJsonlCaptions(await readFile(join(dir, 'metadata.jsonl'), 'utf8').catch(() => ''));
  return new Map([...byName].map(([name, caption]) => [resolve(dir, name), caption]));
}

const captionExtensions = new Set(['.txt', '.caption']);
const stemOf = (name: string) => name.slice(0, name.length - extname(name).length);

/**
 * Dropped files arrive one upload each: caption files dropped with their images (a kohya folder, a diffusers
 * folder) are matched to them by name instead of being reported as "not an image".
 */
async function stagedCandidates(staged: { path: string; name: string }[]): Promise<{ candidates: Candidate[]; skipped: number }> {
  const isSidecar = (name: string) => captionExtensions.has(extname(name).toLowerCase()) || name === 'metadata.jsonl';
  const sidecars = staged.filter((f) => isSidecar(f.name));
  const byStem = new Map<string, string>();
  const byName = new Map<string, string>();
  for (const file of sidecars) {
    const text = await readFile(file.path, 'utf8');
    if (file.name === 'metadata.jsonl') for (const [name, caption] of parseJsonlCaptions(text)) byName.set(basename(name), caption);
    else byStem.set(stemOf(file.name), text.trim());
  }
  const candidates = staged
    .filter((f) => !isSidecar(f.name))
    .map((f) => ({ path: f.path, name: f.name, explicit: true, caption: byName.get(f.name) ?? byStem.get(stemOf(f.name)) }));
  return { candidates, skipped: sidecars.length };
}

/** kohya/sd-scripts captions: `photo.txt` (or `.caption`) beside `photo.png`. */
async function sidecarCaption(path: string): Promise<string | undefined> {
  const stem = stemOf(path);
  for (const ext of captionExtensions) {
    const text = await readFile(stem + ext, 'utf8').catch(() => undefined);
    if (text !== undefined) return text.trim();
  }
  return undefined;
}

async function collect(
  paths: readonly string[],
  recursive: boolean,
  libraryRoot: string,
  signal: AbortSignal,
): Promise<{ candidates: Candidate[]; rejected: RejectedFile[]; skipped: number }> {
  const candidates: Candidate[] = [];
  const rejected: RejectedFile[] = [];
  let skipped = 0;
  const jsonl = new Map<string, Map<string, string>>();
  const captionsIn = async (dir: string) => {
    if (!jsonl.has(dir)) jsonl.set(dir, await jsonlCaptions(dir));
    return jsonl.get(dir)!;
  };
  // An image folder's metadata.jsonl names files in its folder and below (`images/0001.png`, as Likeness's
  // diffusers export writes it): the image's own folder first, then the one above.
  const captionFor = async (file: string) =>
    (await captionsIn(dirname(file))).get(file) ?? (await captionsIn(dirname(dirname(file)))).get(file) ?? (await sidecarCaption(file));
  for (const raw of paths) {
    const path = resolve(raw);
    const info = await stat(path).catch(() => undefined);
    if (!info) {
      rejected.push({ path, name: basename(path), code: 'NOT_FOUND', reason: `${path} does not exist.`, hint: 'Check the path.', kind: 'missing' });
      continue;
    }
    if (info.isDirectory()) {
      const found = await listImageFiles(path, recursive, signal);
      // A folder that contains the library must not import the library's own objects.
      const images = found.images.filter((file) => relative(libraryRoot, file).startsWith('..'));
      skipped += found.skipped;
      for (const file of images) candidates.push({ path: file, name: basename(file), caption: await captionFor(file), explicit: false });
    } else {
      candidates.push({ path, name: basename(path), caption: await captionFor(path), explicit: true });
    }
  }
  return { candidates, rejected, skipped };
}

type Outcome = { status: 'imported'; photoId: number; caption: boolean; measured: boolean } | { status: 'duplicate'; photoId: number };

/**
 * Imports one photo for a person: read (size guard), hash, recognise a file the person already has,
 * decode once (EXIF orientation, CMYK, 16-bit, alpha, first GIF frame; damage shows here), store the
 * original and a thumbnail, then measure and crop it when the detector is there.
 */
async function importOne(
  catalog: Catalog,
  personId: number,
  candidate: Candidate,
  detector: FaceDetector | null,
  sourcePath: string | null,
  embedder: FaceEmbedder | null,
  inFlight: Map<string, Promise<Outcome>>,
  turn: HashTurn,
): Promise<Outcome> {
  let hash: string;
  let data: Buffer;
  try {
    data = await readImageFile(candidate.path, candidate.name);
    hash = sha256(data);
    // Photos are imported side by side, but the same file twice in one drop is one photo under the name listed first
    // and a duplicate: each file claims its hash only after every file before it has (a copy read faster under load
    // took the name otherwise).
    await turn.earlier;
  } finally {
    turn.claimed();
  }
  const earlier = inFlight.get(hash);
  if (earlier) {
    const outcome = await earlier.catch(() => undefined);
    if (outcome) return { status: 'duplicate', photoId: outcome.photoId };
  }
  const outcome = importData(catalog, personId, candidate, data, hash, detector, sourcePath, embedder);
  inFlight.set(hash, outcome);
  return outcome;
}

/** A file's place in the order hashes are claimed: what it waits for, and what it says when its own is claimed. */
interface HashTurn {
  earlier: Promise<unknown>;
  claimed: () => void;
}

/** One turn a file, in the order given: each waits for the turns of the files before it. */
function hashTurns(count: number): HashTurn[] {
  const done: (() => void)[] = [];
  const claims = Array.from({ length: count }, (_, i) => new Promise<void>((resolve) => (done[i] = resolve)));
  return claims.map((_, i) => ({ earlier: Promise.all(claims.slice(0, i)), claimed: done[i]! }));
}

async function importData(
  catalog: Catalog,
  personId: number,
  candidate: Candidate,
  data: Buffer,
  hash: string,
  detector: FaceDetector | null,
  sourcePath: string | null,
  embedder: FaceEmbedder | null,
): Promise<Outcome> {
  const photos = new PhotosRepository(catalog);
  const known = photos.findByHash(personId, hash);
  if (known && !known.removed) return { status: 'duplicate', photoId: known.id };
  if (known) {
    photos.restore(known.id);
    return { status: 'imported', photoId: known.id, caption: false, measured: false };
  }

  const image = await inspectPhoto(data, candidate.name);
  const started = performance.now();
  const decoded = await decodePhoto(data, candidate.name, image, ANALYSIS_MAX_SIDE);
  // The thumbnail from the preview the detector sees (640 px, more than the thumbnail's 512): half the cost of
  // scaling the full decode down again.
  const preview = await previewOf(decoded);
  const decodeMs = performance.now() - started;
  const longest = (image: { width: number; height: number }) => Math.max(image.width, image.height);
  const thumbnailSource = longest(preview) >= Math.min(THUMBNAIL_SIZE, longest(decoded.rgb)) ? preview : decoded.rgb;
  const thumbnail = await fromRgb(thumbnailSource)
    .resize({ width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 80, effort: 2 })
    .toBuffer();
  const stored = await catalog.store.putBuffer(data);
  const thumb = await catalog.store.putBuffer(thumbnail);
  const person = catalog.people.get(personId);
  const caption = candidate.caption ? splitCaption(person, candidate.caption) : { custom: null, extra: '' };
  const photoId = catalog.db.transaction(() => {
    catalog.addObject({ hash: stored.hash, size: stored.size, mime: image.mime, width: image.width, height: image.height });
    catalog.addObject({ hash: thumb.hash, size: thumb.size, mime: 'image/webp' });
    return photos.insert({
      personId,
      objectHash: stored.hash,
      thumbHash: thumb.hash,
      originalName: candidate.name,
      format: image.format,
      width: image.width,
      height: image.height,
      sourcePath,
      caption: caption.custom,
      captionExtra: caption.extra,
    });
  })();

  let measured = false;
  if (detector) {
    try {
      const measures = await measureDecoded(decoded, image, detector, { decodeMs, preview });
      photos.setMeasures(photoId, measures);
      if (embedder) await embedPhotoFaces(catalog, { hash: stored.hash, name: candidate.name, measures }, embedder, decoded);
      measured = true;
      await ensureCrop(catalog, photoId, { person, decoded, data });
    } catch (error) {
      const shape = toStudioError(error).toJSON();
      if (shape.code === 'DISK_FULL') throw error;
      photos.setVetError(photoId, shape);
    }
  }
  return { status: 'imported', photoId, caption: Boolean(candidate.caption), measured };
}

const ImportJobInput = PeopleImportRequest.extend({ personName: z.string().default('') });

/** `people import NAME PATH…` and drops in the UI: photos for one person, each vetted as it arrives. */
export const peopleImportJob = defineJob({
  kind: 'people.import',
  resource: 'cpu',
  // Idempotent: files the person already has are recognised by hash.
  resumable: true,
  input: ImportJobInput,
  title: (input: z.output<typeof ImportJobInput>) => {
    const who = input.personName || `person ${input.personId}`;
    const count = input.paths.length + input.uploads.length;
    const what = count === 1 && input.paths[0] ? basename(input.paths[0]) : input.uploads.length === count ? `${count} photos` : `${count} items`;
    return `Import ${what} for ${who}`;
  },
  async run(input, { catalog, signal, progress, emit }): Promise<PeopleImportResult> {
    const person = catalog.people.get(input.personId);
    progress({ fraction: 0, ...progressText('people.lookingForPhotos') });
    // Each dropped file is judged alone: one that did not arrive is listed with the reason, the rest go on.
    const { files: uploads, missing } = await stagedUploads(catalog.paths.root, input.uploads);
    const dropped = await stagedCandidates(uploads);
    const found = await collect(input.paths, input.recursive, catalog.paths.root, signal);
    const candidates: Candidate[] = [...dropped.candidates, ...found.candidates];
    const result: PeopleImportResult = {
      scanned: candidates.length,
      imported: 0,
      duplicates: 0,
      captions: 0,
      skipped: found.skipped + dropped.skipped,
      rejected: [
        ...found.rejected,
        ...missing.map((uploadId) => {
          const error = new StudioError(
            'NOT_FOUND',
            'A dropped file did not reach the studio (the upload was interrupted or expired).',
            'Drop that file again.',
          );
          return { path: uploadId, name: uploadId, code: error.code, reason: error.message, hint: error.hint ?? null, kind: rejectedFileKind(error) };
        }),
      ],
      photoIds: [],
      vetting: { vetted: 0, status: 'done', error: null, counts: { accepted: 0, rejected: 0, review: 0, unvetted: 0 } },
    };
    const loaded = await loadDetector(catalog);
    const embedder = loaded.detector ? await openPhotoEmbedder(catalog) : null;
    let lastChange = 0;
    const changed = (force = false) => {
      if (force || Date.now() - lastChange > 1000) {
        lastChange = Date.now();
        emit('people:changed', { personId: person.id });
      }
    };
    progress({
      done: 0,
      total: candidates.length,
      ...(candidates.length ? progressText('people.photosFound', { count: candidates.length }) : progressText('people.noPhotosFound')),
    });
    let measured = 0;
    let finished = 0;
    const photoIds: (number | undefined)[] = [];
    const rejected: (RejectedFile | undefined)[] = [];
    const inFlight = new Map<string, Promise<Outcome>>();
    const turns = hashTurns(candidates.length);
    // Photos side by side, one a core and one more: libvips decodes and resizes off the JS thread while the
    // detector, the measures and the embedder run on it, so with one photo a core a core waited on the JS thread
    // (8.0–8.7 photos/s against 9.3–9.8 with one more, bench/vetting on 2 cores). A full disk stops the rest:
    // every next file would fail too.
    const limit = pLimit(availableParallelism() + 1);
    let diskFull: StudioError | undefined;
    // A photo that failed beside another is tried again alone: libvips keeps one error message for the
    // process, so two files failing at once could leave one of them with "Unknown error" instead of its reason.
    const failedBeside: number[] = [];
    const importAt = async (candidate: Candidate, index: number, alone: boolean) => {
      // A file skipped still gives up its turn, or the files after it would wait for it.
      if (signal.aborted || diskFull) return turns[index]!.claimed();
      try {
        const staged = uploads.some((u) => u.path === candidate.path);
        const outcome = await importOne(
          catalog,
          person.id,
          candidate,
          loaded.detector,
          staged ? null : candidate.path,
          embedder,
          inFlight,
          turns[index]!,
        );
        photoIds[index] = outcome.photoId;
        if (outcome.status === 'duplicate') result.duplicates++;
        else {
          result.imported++;
          if (outcome.caption) result.captions++;
          if (outcome.measured) measured++;
        }
      } catch (error) {
        const studioError = toStudioError(error);
        if (studioError.code === 'DISK_FULL') {
          diskFull ??= studioError;
          limit.clearQueue();
          return;
        }
        if (!alone) {
          failedBeside.push(index);
          return;
        }
        rejected[index] = {
          path: candidate.path,
          name: candidate.name,
          code: studioError.code,
          reason: studioError.message,
          hint: studioError.hint ?? null,
          kind: rejectedFileKind(studioError),
        };
      }
      progress({ done: ++finished, total: candidates.length, message: candidate.name });
      changed();
    };
    try {
      await Promise.all(candidates.map((candidate, index) => limit(() => importAt(candidate, index, availableParallelism() === 1))));
      for (const index of failedBeside.sort((a, b) => a - b)) await importAt(candidates[index]!, index, true);
      if (diskFull) throw diskFull;
      signal.throwIfAborted();
      // In the order the photos were found, whichever finished first.
      result.photoIds.push(...photoIds.filter((id): id is number => id !== undefined));
      result.rejected.push(...rejected.filter((file): file is RejectedFile => file !== undefined));
      // Photos the detector could not see before (installed since), crops at the current size, then the verdicts;
      // without a detector this records on each photo how to install it.
      result.vetting = await vetPerson(catalog, person.id, { signal });
      result.vetting.vetted += measured;
    } finally {
      // Staged drops are imported or reported: either way they are done with (a crash keeps them for the resume).
      await discardUploads(catalog.paths.root, input.uploads);
      changed(true);
    }
    return result;
  },
});
