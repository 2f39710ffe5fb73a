import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import type { z } from 'zod';
import { StudioError } from '../api/errors';
import { OutputExportRequest, type OutputExportResult } from '../api/namespaces/review';
import { OutputFilter, type OutputDetail } from '../api/schemas';
import { toStudioError } from '../core/errors';
import { appVersion } from '../core/version';
import { defineJob } from '../jobs/define';
import type { Catalog } from './catalog';
import { sharpInput } from './image-input';
import { filterSql, sortSql } from './output-filter';
import { formatA1111Parameters } from './provenance/a1111-write';
import { isA1111Text } from './provenance/a1111';
import { readCaptureDate } from './provenance/exif';
import { buildExif, hasJpegApp1, insertJpegApp1, removeJpegApp1, XMP_JPEG_PREFIX } from './provenance/exif-write';
import { addPngText, pngTextKeywords, removePngText } from './provenance/png-text';
import { buildXmp } from './provenance/xmp';
import { progressText, type ProgressText } from '../api/progress-keys';
import { resolveUserPath } from '../core/paths';

const extensionOf: Record<string, string> = {
  'image/jpeg': '.jpg',
  'image/png': '.png',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'image/tiff': '.tif',
  'image/avif': '.avif',
  'image/heic': '.heic',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'video/quicktime': '.mov',
};

/** A file name stem that is safe on Windows, macOS and Linux. */
export function safeStem(name: string | null, id: number): string {
  const stem = (name ? basename(name, extname(name)) : '')
    // Control characters are not allowed in Windows file names (and confuse shells elsewhere).
    // eslint-disable-next-line no-control-regex
    .replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 120);
  return stem && !/^(con|prn|aux|nul|com\d|lpt\d)$/i.test(stem) ? stem : `likeness-${id}`;
}

/** Which outputs an export takes: the ids as given, or the filter's in the grid's default order. */
export function exportIds(catalog: Catalog, request: z.output<typeof OutputExportRequest>): number[] {
  if (request.ids) return request.ids;
  const filter = OutputFilter.parse(request.filter ?? { flag: 'pick' });
  const { where, params } = filterSql(filter);
  return catalog.db
    .prepare(`SELECT o.id FROM outputs o WHERE ${where.join(' AND ')} ORDER BY ${sortSql.newest}`)
    .pluck()
    .all(params) as number[];
}

interface Encoded {
  data: Buffer;
  extension: string;
}

/** The file to write for one output: converted or as stored, carrying its generation settings and XMP. */
async function encode(
  original: Buffer,
  mime: string,
  output: OutputDetail,
  request: z.output<typeof OutputExportRequest>,
  xmp: string | null,
): Promise<Encoded> {
  const parameters = generationText(output);
  const embedded = (output.provenance.embedded ?? {}) as Record<string, string>;
  const target =
    request.format !== 'original'
      ? request.format
      : request.size && ['image/jpeg', 'image/png', 'image/webp'].includes(mime)
        ? mime.slice(6)
        : 'as-is';
  if (output.kind === 'video' || target === 'as-is' || (target === 'webp' && !request.size)) {
    return { data: withMetadata(original, mime, parameters, embedded, xmp), extension: extensionOf[mime] ?? '.bin' };
  }
  let pipeline = sharpInput(original).rotate();
  if (request.size) pipeline = pipeline.resize({ width: request.size, height: request.size, fit: 'inside', withoutEnlargement: true });
  if (xmp) pipeline = pipeline.withXmp(xmp);
  if (target === 'jpeg') {
    const jpeg = await pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: request.quality, mozjpeg: true }).toBuffer();
    return { data: parameters ? insertJpegApp1(jpeg, exif(parameters)) : jpeg, extension: '.jpg' };
  }
  if (target === 'webp') return { data: await pipeline.webp({ quality: request.quality }).toBuffer(), extension: '.webp' };
  const png = await pipeline.png({ compressionLevel: 6 }).toBuffer();
  return { data: addPngText(png, pngTexts(parameters, embedded)), extension: '.png' };
}

/**
 * The A1111 text an exported file carries. The original, verbatim, when there is one — ours as generated, or
 * the A1111/Forge file's own — since a text rebuilt from catalogue columns loses what they do not hold (Clip
 * skip, hires fix, denoising, VAE, ADetailer …); rebuilt only for other tools' generations; none for photos.
 */
function generationText(output: OutputDetail): string | null {
  const provenance = output.provenance as { parameters?: unknown; embedded?: Record<string, unknown> };
  if (typeof provenance.parameters === 'string' && isA1111Text(provenance.parameters)) return provenance.parameters;
  for (const key of ['parameters', 'exif_user_comment']) {
    const text = provenance.embedded?.[key];
    if (typeof text === 'string' && isA1111Text(text)) return text;
  }
  return formatA1111Parameters(output);
}

/** The capture date for xmp:CreateDate: the photo's EXIF DateTimeOriginal, else when the output was made. */
async function captureDate(original: Buffer, mime: string): Promise<string | null> {
  if (!mime.startsWith('image/')) return null;
  const { exif } = await sharpInput(original)
    .metadata()
    .catch(() => ({ exif: undefined }));
  return exif ? readCaptureDate(exif) : null;
}

function exif(parameters: string): Buffer {
  return buildExif({ userComment: parameters, software: `Likeness ${appVersion()}` });
}

/** The PNG texts to carry: A1111 `parameters`, plus the other tool's own chunks (ComfyUI's workflow reloads in ComfyUI). */
function pngTexts(parameters: string | null, embedded: Record<string, string>): { keyword: string; text: string }[] {
  const texts = Object.entries(embedded)
    .filter(([keyword]) => /^[\x20-\x7e]{1,79}$/.test(keyword) && keyword !== 'XML:com.adobe.xmp' && keyword !== 'exif_user_comment')
    .map(([keyword, text]) => ({ keyword, text }));
  if (parameters && !texts.some((t) => t.keyword === 'parameters')) texts.unshift({ keyword: 'parameters', text: parameters });
  return texts;
}

/** An unconverted file with what it lacks added losslessly: PNG text chunks, a JPEG EXIF comment, embedded XMP. */
function withMetadata(data: Buffer, mime: string, parameters: string | null, embedded: Record<string, string>, xmp: string | null): Buffer {
  if (mime === 'image/png') {
    // A packet the original already has is replaced: Lightroom reads embedded XMP only, and would show the old rating.
    const png = xmp ? removePngText(data, 'XML:com.adobe.xmp') : data;
    const present = new Set(pngTextKeywords(png));
    const add: { keyword: string; text: string; international?: boolean }[] = pngTexts(parameters, embedded).filter((t) => !present.has(t.keyword));
    if (xmp) add.push({ keyword: 'XML:com.adobe.xmp', text: xmp, international: true });
    return add.length ? addPngText(png, add) : png;
  }
  if (mime === 'image/jpeg') {
    let out = data;
    if (parameters && !hasJpegApp1(out, 'Exif\0\0')) out = insertJpegApp1(out, exif(parameters));
    if (xmp && Buffer.byteLength(xmp) < 60_000) {
      out = insertJpegApp1(removeJpegApp1(out, XMP_JPEG_PREFIX), Buffer.concat([Buffer.from(XMP_JPEG_PREFIX, 'latin1'), Buffer.from(xmp, 'utf8')]));
    }
    return out;
  }
  return data;
}

/** Writes a file atomically (temp name, then rename), so a cancelled or crashed export leaves no half file. */
async function writeAtomically(path: string, data: Buffer | string): Promise<void> {
  const tmp = `${path}.likeness-partial`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/**
 * What earlier exports wrote into a folder, one JSON line per file, appended *before* the file's sidecars and
 * then the file itself are written: a crash at any point leaves a line naming a stem that is ours. Running an
 * export again into the same folder — after an interruption, or after more culling — keeps a file that is there,
 * finishes one that is not under the name its line gave it (not a second name beside our own sidecars), and
 * still never overwrites anything it did not write.
 */
export const EXPORT_MANIFEST = '.likeness-export.jsonl';

type ManifestLine = { id: number; file: string; format: string; size: number | null } | { sheet: string };

async function readManifest(dir: string): Promise<ManifestLine[]> {
  const text = await readFile(join(dir, EXPORT_MANIFEST), 'utf8').catch(() => '');
  return text.split('\n').flatMap((line) => {
    try {
      return line.trim() ? [JSON.parse(line) as ManifestLine] : [];
    } catch {
      return []; // the last line of a crashed export may be cut short
    }
  });
}

const manifestKey = (id: number, format: string, size: number | null) => `${id}:${format}:${size ?? ''}`;

/** Picks a stem no other exported file (or file already in the folder) uses, whatever its extension. */
function uniqueStem(dir: string, stem: string, id: number, extension: string, taken: Set<string>): string {
  const free = (candidate: string) =>
    !taken.has(candidate.toLowerCase()) &&
    !existsSync(join(dir, candidate + extension)) &&
    !existsSync(join(dir, `${candidate}.xmp`)) &&
    !existsSync(join(dir, `${candidate}${extension}.xmp`));
  let candidate = stem;
  if (!free(candidate)) candidate = `${stem}-${id}`;
  for (let n = 2; !free(candidate); n++) candidate = `${stem}-${id}-${n}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

const SHEET_COLUMNS = 8;
const SHEET_ROWS = 6;
const CELL = 240;
const CAPTION = 44;
const labelColour: Record<string, string> = { red: '#e5484d', yellow: '#f5d90a', green: '#46a758', blue: '#0090ff', purple: '#8e4ec6' };

function starPath(cx: number, cy: number, r: number): string {
  const points = Array.from({ length: 10 }, (_, i) => {
    const angle = (Math.PI / 5) * i - Math.PI / 2;
    const radius = i % 2 ? r * 0.45 : r;
    return `${(cx + radius * Math.cos(angle)).toFixed(1)},${(cy + radius * Math.sin(angle)).toFixed(1)}`;
  });
  return `<polygon points="${points.join(' ')}"/>`;
}

/** Contact sheets: thumbnails 8 × 6 a page with name, stars, flag and colour label. Returns the files written. */
export async function writeContactSheets(
  catalog: Catalog,
  outputs: readonly OutputDetail[],
  dir: string,
  names: ReadonlyMap<number, string>,
  /** Sheets an earlier export wrote here: replaced by this one's instead of getting a second name. */
  ownSheets: ReadonlySet<string> = new Set(),
): Promise<string[]> {
  const files: string[] = [];
  const perPage = SHEET_COLUMNS * SHEET_ROWS;
  const pages = Math.ceil(outputs.length / perPage);
  const escape = (t: string) => t.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
  for (let page = 0; page < pages; page++) {
    const items = outputs.slice(page * perPage, (page + 1) * perPage);
    const columns = Math.min(SHEET_COLUMNS, items.length);
    const rows = Math.ceil(items.length / columns);
    const width = columns * CELL;
    const height = rows * (CELL + CAPTION);
    const composites: OverlayOptions[] = [];
    const captions: string[] = [];
    for (const [i, output] of items.entries()) {
      const x = (i % columns) * CELL;
      const y = Math.floor(i / columns) * (CELL + CAPTION);
      const source = output.thumbHash ?? output.hash;
      try {
        const tile = await sharpInput(await readFile(catalog.store.pathOf(source)))
          .rotate()
          .resize({ width: CELL - 12, height: CELL - 12, fit: 'inside' })
          .toBuffer({ resolveWithObject: true });
        composites.push({ input: tile.data, left: x + Math.round((CELL - tile.info.width) / 2), top: y + Math.round((CELL - tile.info.height) / 2) });
      } catch {
        // A missing or unreadable thumbnail leaves its cell blank; the caption still names the file.
      }
      const name = names.get(output.id) ?? `#${output.id}`;
      captions.push(`<text x="${x + 8}" y="${y + CELL + 16}" class="name">${escape(name.length > 34 ? `${name.slice(0, 33)}…` : name)}</text>`);
      for (let s = 0; s < 5; s++)
        captions.push(`<g class="${s < output.review.stars ? 'star on' : 'star'}">${starPath(x + 14 + s * 16, y + CELL + 32, 6)}</g>`);
      if (output.review.flag)
        captions.push(`<text x="${x + 98}" y="${y + CELL + 36}" class="flag">${output.review.flag === 'pick' ? 'PICK' : 'REJECT'}</text>`);
      if (output.review.label)
        captions.push(`<circle cx="${x + CELL - 16}" cy="${y + CELL + 30}" r="6" fill="${labelColour[output.review.label]}"/>`);
    }
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><style>
      .name{font:12px sans-serif;fill:#222}.flag{font:bold 10px sans-serif;fill:#555}.star{fill:#ccc}.on{fill:#e0a100}</style>${captions.join('')}</svg>`;
    composites.push({ input: Buffer.from(svg), left: 0, top: 0 });
    const stem = pages > 1 ? `contact-sheet-${String(page + 1).padStart(2, '0')}` : 'contact-sheet';
    let file = join(dir, `${stem}.jpg`);
    for (let n = 2; existsSync(file) && !ownSheets.has(basename(file)); n++) file = join(dir, `${stem}-${n}.jpg`);
    const sheet = await sharp({ create: { width, height, channels: 3, background: '#f4f4f2' } })
      .composite(composites)
      .jpeg({ quality: 88 })
      .toBuffer();
    await writeAtomically(file, sheet);
    files.push(file);
  }
  return files;
}

/**
 * Exports outputs to a folder: each file carries its generation settings (PNG text chunks, EXIF UserComment
 * for JPEG) and, with `xmp`, its rating, label, tags and note in a `name.xmp` sidecar and embedded XMP.
 */
export async function exportOutputs(
  catalog: Catalog,
  request: z.output<typeof OutputExportRequest>,
  context: { signal?: AbortSignal; progress?: (done: number, total: number, message: string | ProgressText) => void } = {},
): Promise<OutputExportResult> {
  const outDir = resolveUserPath(request.outDir);
  try {
    await mkdir(outDir, { recursive: true });
  } catch (error) {
    const e = toStudioError(error);
    throw new StudioError(
      e.code === 'INTERNAL' ? 'IO_ERROR' : e.code,
      `Cannot create the folder ${outDir}: ${(error as Error).message}`,
      'Choose a folder you can write to.',
    );
  }
  if (!(await stat(outDir)).isDirectory())
    throw new StudioError('INVALID_INPUT', `${outDir} is a file, not a folder.`, 'Choose a folder to export to.');
  const ids = exportIds(catalog, request);
  const result: OutputExportResult = { outDir, exported: 0, alreadyThere: 0, files: [], sidecars: 0, contactSheets: [], failed: [] };
  const taken = new Set<string>();
  const manifest = await readManifest(outDir);
  const earlier = new Map<string, string>();
  const ownSheets = new Set<string>();
  for (const line of manifest) {
    if ('sheet' in line) ownSheets.add(line.sheet);
    else {
      earlier.set(manifestKey(line.id, line.format, line.size), line.file);
      // The stem of a file an interrupted export named but did not write is kept for that output (a finished
      // file keeps its stem by being there: uniqueStem checks the folder).
      if (!existsSync(join(outDir, line.file))) taken.add(basename(line.file, extname(line.file)).toLowerCase());
    }
  }
  const record = (line: ManifestLine) => appendFile(join(outDir, EXPORT_MANIFEST), `${JSON.stringify(line)}\n`);
  const size = request.size ?? null;
  const exported: OutputDetail[] = [];
  const names = new Map<number, string>();
  context.progress?.(0, ids.length, ids.length ? progressText('catalog.toExport', { count: ids.length }) : progressText('catalog.nothingToExport'));
  for (const [index, id] of ids.entries()) {
    context.signal?.throwIfAborted();
    try {
      const output = catalog.outputs.get(id);
      const before = earlier.get(manifestKey(id, request.format, size));
      if (before && existsSync(join(outDir, before))) {
        // Exported here before with the same settings: kept as it is (the user may have edited it since).
        taken.add(basename(before, extname(before)).toLowerCase());
        result.alreadyThere++;
        exported.push(output);
        names.set(id, before);
        context.progress?.(index + 1, ids.length, before);
        continue;
      }
      const mime = catalog.db.prepare('SELECT mime FROM objects WHERE hash = ?').pluck().get(output.hash) as string | undefined;
      const original = await readFile(catalog.store.pathOf(output.hash)).catch(() => {
        throw new StudioError(
          'NOT_FOUND',
          `The file of ${output.originalName ?? `output ${id}`} is missing from the library.`,
          'Run `likeness doctor` to check the library.',
        );
      });
      const parameters = generationText(output);
      const xmp = request.xmp
        ? buildXmp({
            stars: output.review.stars,
            flag: output.review.flag,
            label: output.review.label,
            tags: output.tags,
            note: output.review.note,
            parameters,
            createdAt: output.createdAt,
            captureDate: await captureDate(original, mime ?? ''),
            creatorTool: `Likeness ${appVersion()}`,
          })
        : null;
      const encoded = await encode(original, mime ?? 'application/octet-stream', output, request, xmp);
      // An earlier run that stopped part-way named this file already: finish it under that name.
      const stem =
        before && extname(before) === encoded.extension
          ? basename(before, encoded.extension)
          : uniqueStem(outDir, safeStem(output.originalName, id), id, encoded.extension, taken);
      const file = join(outDir, stem + encoded.extension);
      if (stem + encoded.extension !== before) await record({ id, file: stem + encoded.extension, format: request.format, size });
      if (xmp) {
        // Both sidecar names: `name.xmp` (Lightroom, Bridge, Capture One) and `name.ext.xmp` (darktable, digiKam's default).
        await writeAtomically(join(outDir, `${stem}.xmp`), xmp);
        await writeAtomically(join(outDir, `${stem}${encoded.extension}.xmp`), xmp);
        result.sidecars++;
      }
      // The file last: once it is there, the export of this output is whole.
      await writeAtomically(file, encoded.data);
      result.exported++;
      result.files.push(file);
      exported.push(output);
      names.set(id, stem + encoded.extension);
    } catch (error) {
      const e = toStudioError(error);
      if (e.code === 'DISK_FULL' || e.code === 'CANCELLED') throw e;
      result.failed.push({ id, reason: e.hint ? `${e.message} ${e.hint}` : e.message });
    }
    context.progress?.(index + 1, ids.length, names.get(id) ?? `#${id}`);
  }
  if (request.contactSheet && exported.length) {
    context.progress?.(ids.length, ids.length, progressText('catalog.contactSheet'));
    result.contactSheets = await writeContactSheets(catalog, exported, outDir, names, ownSheets);
    for (const sheet of result.contactSheets) if (!ownSheets.has(basename(sheet))) await record({ sheet: basename(sheet) });
  }
  return result;
}

export const exportJob = defineJob({
  kind: 'review.export',
  resource: 'cpu',
  // Resumable: a second run skips the files the first one finished (see EXPORT_MANIFEST).
  resumable: true,
  input: OutputExportRequest,
  title: (input) => `Export ${input.ids ? `${input.ids.length} images` : 'picks'} to ${basename(resolveUserPath(input.outDir))}`,
  run: (input, { catalog, signal, progress }) =>
    exportOutputs(catalog, input, {
      signal,
      progress: (done, total, message) => progress({ done, total, ...(typeof message === 'string' ? { message } : message) }),
    }),
});
