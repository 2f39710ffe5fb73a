import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { DatasetExportRequest, planRepeats, type DatasetExportResult, type SampleSetDetail } from '../api/namespaces/people';
import type { Catalog } from '../catalog/catalog';
import { appVersion } from '../core/version';
import { defineJob, type ProgressReport } from '../jobs/define';
import { PhotosRepository } from './photos-repo';
import { reasonText } from './reasons';
import { writeZip, type ZipEntry } from './zip';
import { slug } from '../core/slug';
import { defaultCaption, singleLineCaption } from './captions';

export type ExportOptions = z.output<typeof DatasetExportRequest>;

/** The export folder must be new or empty: exporting never mixes with (or overwrites) other files. */
async function prepareFolder(folder: string): Promise<void> {
  const info = await stat(folder).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new StudioError('CONFLICT', `${folder} is a file, not a folder.`, 'Choose a new or empty folder to export to.');
  }
  if (info && (await readdir(folder)).length > 0) {
    throw new StudioError('CONFLICT', `${folder} is not empty.`, 'Choose a new or empty folder: an export never mixes with other files.');
  }
  await mkdir(folder, { recursive: true });
}

function reportOf(set: SampleSetDetail, person: { name: string }, result: Omit<DatasetExportResult, 'report'>, layout: string): string {
  const lines = [
    `Likeness ${appVersion()} — ${result.format} dataset`,
    `Person: ${person.name} (trigger “${set.trigger}”, class “${set.classWord}”)`,
    `Version: ${set.version}, frozen ${new Date(set.createdAt).toISOString()}${set.note ? ` — ${set.note}` : ''}`,
    `Images: ${result.images} face crops, ${set.cropSize}×${set.cropSize} px`,
    `Training plan: ${result.images} images × ${result.repeats} repeats × ${result.epochs} epochs ÷ batch ${result.batchSize} = ${result.steps} steps`,
    '',
    layout,
  ];
  if (result.warnings.length) {
    lines.push('', 'Worth knowing:');
    for (const w of result.warnings) lines.push(`- ${w.name}: ${reasonText(w)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** sd-scripts (train_network.py): the folder above the `<repeats>_<trigger> <class>` one, captions in `.txt` (its default is `.caption`). */
function kohyaLayout(folder: string, imageDir: string, set: SampleSetDetail): string {
  return [
    `Layout: ${basename(imageDir)}/ holds each image with its caption (.txt).`,
    `Train with kohya sd-scripts: train_network.py --train_data_dir="${folder}" --caption_extension=.txt --resolution=${set.cropSize} --network_module=networks.lora`,
  ].join('\n');
}

/**
 * diffusers examples: train_dreambooth_lora.py has no caption column (every image gets --instance_prompt);
 * per-image captions go through train_text_to_image_lora.py's image folder (metadata.jsonl, column `text`).
 */
function diffusersLayout(folder: string, imageDir: string, set: SampleSetDetail): string {
  const prompt = defaultCaption(set);
  return [
    `Layout: ${basename(imageDir)}/ holds only the images; metadata.jsonl beside it gives each image's caption.`,
    `One prompt for every image (examples/dreambooth): train_dreambooth_lora.py --instance_data_dir="${imageDir}" --instance_prompt="${prompt}" --resolution=${set.cropSize}`,
    `Each image's own caption (examples/text_to_image): train_text_to_image_lora.py --train_data_dir="${folder}" --caption_column=text --resolution=${set.cropSize}`,
  ].join('\n');
}

/**
 * Writes a frozen version as a training dataset:
 * - kohya: `<out>/<repeats>_<trigger> <class>/NNNN-name.png` + `.txt` caption (out is the `--train_data_dir`);
 * - diffusers: `<out>/images/NNNN-name.png` and nothing else there (train_dreambooth_lora.py's DreamBoothDataset
 *   opens every entry of `--instance_data_dir` as an image), with `<out>/metadata.jsonl` ({file_name:
 *   "images/…", text}) making `<out>` a Hugging Face image folder with per-image captions for
 *   train_text_to_image_lora.py `--train_data_dir`.
 * Both get `likeness-report.txt` and `likeness-manifest.json` (hashes and captions) beside them, and a zip on request.
 * Captions are one line (kohya reads only the first).
 */
export async function exportVersion(
  catalog: Catalog,
  options: ExportOptions,
  hooks: { signal?: AbortSignal; progress?: (report: ProgressReport) => void } = {},
): Promise<DatasetExportResult> {
  const person = catalog.people.get(options.personId);
  const set = new PhotosRepository(catalog).version(options.personId, options.version);
  if (!set.items.length)
    throw new StudioError('CONFLICT', `Version ${set.version} of ${person.name} has no photos.`, 'Freeze a version with accepted photos.');
  const folder = resolve(options.out);
  await prepareFolder(folder);

  const { repeats, steps } = planRepeats(set.items.length, options);
  const imageDir = join(folder, options.format === 'kohya' ? `${repeats}_${set.trigger} ${set.classWord}` : 'images');
  await mkdir(imageDir, { recursive: true });

  const manifest: { file: string; caption: string; sha256: string; sourceSha256: string; photo: string }[] = [];
  const total = set.items.length + (options.zip ? 1 : 0);
  for (const [index, item] of set.items.entries()) {
    hooks.signal?.throwIfAborted();
    const name = `${String(item.position).padStart(4, '0')}-${slug(item.originalName.replace(/\.[^.]+$/, ''), 'photo')}.png`;
    await copyFile(catalog.store.pathOf(item.cropHash), join(imageDir, name));
    const caption = singleLineCaption(item.caption);
    if (options.format === 'kohya') await writeFile(join(imageDir, name.replace(/\.png$/, '.txt')), `${caption}\n`);
    manifest.push({ file: name, caption, sha256: item.cropHash, sourceSha256: item.sourceHash, photo: item.originalName });
    hooks.progress?.({ done: index + 1, total, message: name });
  }
  if (options.format === 'diffusers') {
    const lines = manifest.map((m) => `${JSON.stringify({ file_name: `${basename(imageDir)}/${m.file}`, text: m.caption })}\n`);
    await writeFile(join(folder, 'metadata.jsonl'), lines.join(''));
  }

  const warnings = set.items.flatMap((item) => item.cropInfo.notes.map((note) => ({ ...note, name: item.originalName })));
  const base = {
    format: options.format,
    version: set.version,
    folder,
    zip: options.zip ? `${folder}.zip` : null,
    images: set.items.length,
    repeats,
    epochs: options.epochs,
    batchSize: options.batchSize,
    steps,
    warnings,
  };
  const layout = options.format === 'kohya' ? kohyaLayout(folder, imageDir, set) : diffusersLayout(folder, imageDir, set);
  const report = reportOf(set, person, base, layout);
  await writeFile(join(folder, 'likeness-report.txt'), report);
  await writeFile(
    join(folder, 'likeness-manifest.json'),
    `${JSON.stringify(
      {
        app: `Likeness ${appVersion()}`,
        person: person.name,
        trigger: set.trigger,
        classWord: set.classWord,
        version: set.version,
        cropSize: set.cropSize,
        format: options.format,
        repeats,
        epochs: options.epochs,
        batchSize: options.batchSize,
        steps,
        images: manifest,
      },
      null,
      2,
    )}\n`,
  );

  if (options.zip) {
    const zipFile = `${folder}.zip`;
    if (await stat(zipFile).catch(() => undefined))
      throw new StudioError('CONFLICT', `${zipFile} already exists.`, 'Move it away or choose another folder.');
    const top = basename(folder);
    const entries: ZipEntry[] = [];
    const walk = async (dir: string, prefix: string) => {
      for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.isDirectory()) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
        else entries.push({ name: `${prefix}${entry.name}`, file: join(dir, entry.name) });
      }
    };
    await walk(folder, `${top}/`);
    try {
      await writeZip(zipFile, entries, hooks.signal);
    } catch (error) {
      await rm(zipFile, { force: true });
      throw error;
    }
    hooks.progress?.({ done: total, total, message: basename(zipFile) });
  }
  return { ...base, report };
}

const ExportJobInput = DatasetExportRequest.extend({ personName: z.string().default('') });

export const peopleExportJob = defineJob({
  kind: 'people.export',
  resource: 'cpu',
  // Writes into a folder that must be empty: a second run after a crash would refuse it.
  resumable: false,
  input: ExportJobInput,
  title: (input: z.output<typeof ExportJobInput>) =>
    `Export ${input.personName || `person ${input.personId}`}${input.version ? ` v${input.version}` : ''} (${input.format}) to ${basename(input.out)}`,
  run: (input, { catalog, signal, progress }) => exportVersion(catalog, input, { signal, progress }),
});
