import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { UNKNOWN_LICENSE, type DiffusionFamily, type LoraInfo, type ModelInfo } from '../api/namespaces/models';
import type { Catalog } from '../catalog/catalog';
import type { ModelRecord } from '../catalog/models-repo';
import { familyDefaults } from '../diffusion/families';
import { readSafetensorsHeader } from '../diffusion/safetensors';
import { defineJob } from '../jobs/define';
import type { ProviderRequirement } from '../inference/providers';
import { readOnnxSignature } from '../inference/onnx-file';
import { externalDataPath } from '../inference/onnx-weights';
import { inspectDiffusionFolder, type DiffusionModelInfo } from './diffusion-folder';
import { lastVerification, verificationFailed, verifyModel } from './verify';
import { downloadFile, partialPath } from './download';
import { installState, modelFilePath, sha256File } from './installed';
import { findModel, loadRegistry, type RegistryFile, type RegistryModel } from './registry';
import { slug } from '../core/slug';
import { progressText, type ProgressText } from '../api/progress-keys';

/**
 * The model manager: registry models (assets/models.json, downloaded into <library>/models/<id>/), model folders
 * the user added (rows of `models`, kind 'diffusion', left where they are) and LoRA files (copied into
 * <library>/models/loras/, kind 'lora', optionally tied to a person).
 */

function folderSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderSize(path);
    else if (entry.isFile()) total += fileSize(path);
  }
  return total;
}

function fileSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}

function defaultsFor(family: DiffusionFamily, nativeSize?: number): ModelInfo['defaults'] {
  const d = familyDefaults[family];
  const size = nativeSize ?? d.size;
  return { width: size, height: size, steps: d.steps, guidance: d.guidance, scheduler: d.scheduler, turbo: d.turbo };
}

function describeRegistry(catalog: Catalog, model: RegistryModel, downloads: Map<string, number>): ModelInfo {
  const modelsDir = catalog.paths.models;
  const folder = join(modelsDir, model.id);
  const state = installState(modelsDir, model);
  const diffusion = model.kind === 'diffusion' && model.family ? (model.family as DiffusionFamily) : undefined;
  const sized = model.files.filter((f) => f.size !== undefined || f.approxSize !== undefined);
  const exact = model.files.every((f) => f.size !== undefined || f.optional);
  return {
    id: model.id,
    kind: model.kind,
    family: model.family ?? null,
    name: model.name,
    description: model.description ?? null,
    translations: model.translations,
    license: { name: model.license.name, url: model.license.url ?? null, commercialUse: model.license.commercialUse },
    source: 'registry',
    state,
    folder,
    files: model.files.map((f) => {
      const path = modelFilePath(modelsDir, model.id, f);
      return { path: f.path, size: f.size ?? f.approxSize ?? null, url: f.url ?? null, present: fileSize(path) || fileSize(partialPath(path)) };
    }),
    size: sized.length ? sized.reduce((n, f) => n + (f.size ?? f.approxSize ?? 0), 0) : null,
    sizeExact: exact,
    defaults: diffusion ? defaultsFor(diffusion) : null,
    img2img: diffusion ? model.files.some((f) => f.path.startsWith('vae_encoder/')) : false,
    downloadJobId: downloads.get(model.id) ?? null,
    runsOn: model.runsOn ? [...model.runsOn.providers] : null,
    verified: verifiedSummary(modelsDir, model.id),
  };
}

function verifiedSummary(modelsDir: string, id: string): ModelInfo['verified'] {
  const last = lastVerification(modelsDir, id);
  return last ? { at: last.at, ok: last.ok, summary: last.summary } : null;
}

/** A registry model's provider limit, with the alternative named as the user sees it. */
function runsOnOf(model: RegistryModel): ProviderRequirement | undefined {
  if (!model.runsOn) return undefined;
  const alternative = model.runsOn.alternative && loadRegistry().models.find((m) => m.id === model.runsOn!.alternative);
  return { ...model.runsOn, alternative: alternative ? `${alternative.name} (${alternative.id})` : model.runsOn.alternative };
}

function describeLocal(record: ModelRecord): ModelInfo {
  const family = (record.family ?? 'sd15') as DiffusionFamily;
  const meta = record.meta as { nativeSize?: number; img2img?: boolean; description?: string };
  const present = existsSync(join(record.path, 'model_index.json'));
  return {
    id: record.id,
    kind: record.kind,
    family: record.family,
    name: record.name,
    description: meta.description ?? null,
    translations: {},
    license: { name: record.license ?? UNKNOWN_LICENSE, url: null, commercialUse: record.commercialUse },
    source: 'local',
    state: present ? 'installed' : 'missing',
    folder: record.path,
    files: [],
    size: record.size,
    sizeExact: record.size !== null,
    defaults: defaultsFor(family, meta.nativeSize),
    img2img: meta.img2img ?? false,
    downloadJobId: null,
    runsOn: null,
    verified: null,
  };
}

/** Download jobs queued or running, by model id. */
function activeDownloads(catalog: Catalog): Map<string, number> {
  const rows = catalog.db.prepare(`SELECT id, input FROM jobs WHERE kind = 'models.download' AND status IN ('queued', 'running')`).all() as {
    id: number;
    input: string;
  }[];
  return new Map(rows.map((r) => [(JSON.parse(r.input) as { id: string }).id, r.id]));
}

export function listModels(catalog: Catalog): ModelInfo[] {
  const downloads = activeDownloads(catalog);
  const registry = loadRegistry().models.map((m) => describeRegistry(catalog, m, downloads));
  const local = catalog.models
    .list('diffusion')
    .filter((r) => !registry.some((m) => m.id === r.id))
    .map(describeLocal);
  return [...registry, ...local];
}

export function describeModel(catalog: Catalog, id: string): ModelInfo {
  const found = listModels(catalog).find((m) => m.id === id);
  if (!found) throw new StudioError('NOT_FOUND', `No model “${id}”.`, 'See the Models page (or `likeness models list`).');
  return found;
}

/** Adds a diffusers ONNX folder after checking it (the error names every missing or mismatched part). */
export function addModelFolder(
  catalog: Catalog,
  request: { path: string; name?: string | undefined; family?: DiffusionFamily | undefined },
): ModelInfo {
  const dir = resolve(request.path);
  const info = inspectDiffusionFolder(dir, {
    ...(request.family ? { family: request.family } : {}),
    ...(request.name ? { name: request.name } : {}),
  });
  const repo = catalog.models;
  const existing = repo.findByPath('diffusion', dir);
  const taken = new Set(repo.list().map((r) => r.id));
  let id = existing?.id ?? `local-${slug(info.name, 'model')}`;
  for (let n = 2; !existing && (taken.has(id) || loadRegistry().models.some((m) => m.id === id)); n++) id = `local-${slug(info.name, 'model')}-${n}`;
  const size = folderSize(dir);
  repo.upsert({
    id,
    kind: 'diffusion',
    family: info.family,
    name: request.name ?? info.name,
    path: dir,
    sha256: existing?.sha256 ?? null,
    size,
    license: existing?.license ?? null,
    commercialUse: existing?.commercialUse ?? null,
    personId: null,
    meta: { nativeSize: info.nativeSize, img2img: Boolean(info.components.vaeEncoder), fixedSize: info.fixedSize ?? null },
  });
  return describeModel(catalog, id);
}

/** Forgets a local folder (its files stay), or deletes a downloaded registry model. */
export async function removeModel(catalog: Catalog, id: string): Promise<boolean> {
  const registry = loadRegistry().models.find((m) => m.id === id);
  if (registry) {
    const folder = join(catalog.paths.models, registry.id);
    const existed = existsSync(folder);
    await rm(folder, { recursive: true, force: true });
    catalog.models.remove(id);
    return existed;
  }
  return catalog.models.remove(id);
}

export interface ResolvedModel {
  id: string;
  name: string;
  info: DiffusionModelInfo;
  license: { name: string; commercialUse: boolean | null };
}

/**
 * A generation's model: a registry id (installed), a local folder's id, or a folder path (added on first use,
 * so its outputs point at a model row).
 */
export function resolveDiffusionModel(catalog: Catalog, ref: string): ResolvedModel {
  const registry = loadRegistry().models.find((m) => m.id === ref);
  if (registry) {
    if (registry.kind !== 'diffusion') throw new StudioError('INVALID_INPUT', `${registry.name} is not an image generation model.`);
    const state = installState(catalog.paths.models, registry);
    if (state !== 'installed')
      throw new StudioError(
        'MODEL_ERROR',
        `${registry.name} is not downloaded${state === 'incomplete' ? ' completely' : ''}.`,
        `Download it on the Models page, or: likeness models download ${registry.id}`,
      );
    const info = inspectDiffusionFolder(join(catalog.paths.models, registry.id), { family: registry.family as DiffusionFamily, name: registry.name });
    return {
      id: registry.id,
      name: registry.name,
      info: { ...info, runsOn: runsOnOf(registry) },
      license: { name: registry.license.name, commercialUse: registry.license.commercialUse },
    };
  }
  const record = catalog.models.get(ref);
  if (record && record.kind === 'diffusion') {
    const info = inspectDiffusionFolder(record.path, { family: record.family as DiffusionFamily, name: record.name });
    return { id: record.id, name: record.name, info, license: { name: record.license ?? 'unknown', commercialUse: record.commercialUse } };
  }
  if (existsSync(ref) && statSync(ref).isDirectory()) {
    const added = addModelFolder(catalog, { path: ref });
    return resolveDiffusionModel(catalog, added.id);
  }
  throw new StudioError('NOT_FOUND', `No model “${ref}”.`, 'Give a model id from `likeness models list` or a folder with a diffusers ONNX export.');
}

/**
 * The model's fingerprint for provenance: sha256 over every model file (path and content hash), computed once
 * and kept with the model (keyed by sizes and modification times, so a changed file is noticed).
 */
export async function modelHash(catalog: Catalog, model: ResolvedModel, onStatus?: (status: ProgressText) => void): Promise<string> {
  const dir = model.info.dir;
  const files: string[] = [];
  const walk = async (folder: string) => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && !entry.name.endsWith('.partial') && !entry.name.startsWith('.')) files.push(path);
    }
  };
  await walk(dir);
  files.sort();
  const stamp = createHash('sha256');
  for (const file of files) {
    const info = await stat(file);
    stamp.update(`${relative(dir, file)}\0${info.size}\0${Math.round(info.mtimeMs)}\n`);
  }
  const key = stamp.digest('hex');
  const repo = catalog.models;
  const record = repo.get(model.id);
  const cached = record?.meta as { hashKey?: string } | undefined;
  if (record?.sha256 && cached?.hashKey === key) return record.sha256;
  onStatus?.(progressText('generate.fingerprinting'));
  const total = createHash('sha256');
  for (const file of files) total.update(`${relative(dir, file).split('\\').join('/')}\0${await sha256File(file)}\n`);
  const hash = total.digest('hex');
  if (record) repo.setHash(model.id, hash, { ...record.meta, hashKey: key });
  else {
    repo.upsert({
      id: model.id,
      kind: 'diffusion',
      family: model.info.family,
      name: model.name,
      path: dir,
      sha256: hash,
      size: null,
      license: model.license.name,
      commercialUse: model.license.commercialUse,
      personId: null,
      meta: { hashKey: key, nativeSize: model.info.nativeSize, img2img: Boolean(model.info.components.vaeEncoder) },
    });
  }
  return hash;
}

// ---------- LoRAs ----------

function describeLora(record: ModelRecord): LoraInfo {
  const meta = record.meta as { baseModel?: string | null; modules?: number };
  return {
    id: record.id,
    name: record.name,
    path: record.path,
    sha256: record.sha256 ?? '',
    size: record.size ?? 0,
    personId: record.personId,
    baseModel: meta.baseModel ?? null,
    modules: meta.modules ?? 0,
    addedAt: record.installedAt,
  };
}

export function listLoras(catalog: Catalog): LoraInfo[] {
  return catalog.models.list('lora').map(describeLora);
}

/** Copies a kohya LoRA into the library (checked: it must be a safetensors file with LoRA modules). */
/** A file's sha256, read in chunks (a LoRA is hundreds of MB). */
async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function addLora(
  catalog: Catalog,
  request: { path: string; personId?: number | null | undefined; name?: string | undefined },
): Promise<LoraInfo> {
  const source = resolve(request.path);
  // The header only (checked against the file's size), and the hash streamed: the file is never held whole,
  // and a FIFO or a device is refused before it is opened.
  const { entries, metadata, size } = await readSafetensorsHeader(source, basename(source));
  const modules = [...entries.keys()].filter((k) => k.endsWith('.lora_down.weight')).length;
  if (!modules)
    throw new StudioError('INVALID_INPUT', `${basename(source)} has no LoRA modules (lora_down/lora_up).`, 'Pick a kohya/sd-scripts LoRA file.');
  if (request.personId) catalog.people.get(request.personId);
  const sha256 = await sha256OfFile(source);
  const name = request.name ?? basename(source).replace(/\.safetensors$/i, '');
  const id = `lora-${sha256.slice(0, 12)}`;
  const dir = join(catalog.paths.models, 'loras');
  await mkdir(dir, { recursive: true });
  const target = join(dir, `${slug(name, 'model')}-${sha256.slice(0, 8)}.safetensors`);
  if (!existsSync(target)) {
    const temp = `${target}.partial-${process.pid}`;
    await copyFile(source, temp);
    await rename(temp, target);
  }
  catalog.models.upsert({
    id,
    kind: 'lora',
    family: null,
    name,
    path: target,
    sha256,
    size,
    license: null,
    commercialUse: null,
    personId: request.personId ?? null,
    meta: { baseModel: metadata.ss_base_model_version ?? null, modules, originalPath: source },
  });
  return describeLora(catalog.models.get(id)!);
}

export async function removeLora(catalog: Catalog, id: string): Promise<boolean> {
  const record = catalog.models.get(id);
  if (!record || record.kind !== 'lora') return false;
  catalog.models.remove(id);
  const stillUsed = catalog.models.list('lora').some((r) => r.path === record.path);
  if (!stillUsed) await rm(record.path, { force: true });
  return true;
}

/** A LoRA of a request: a library id, or a file path (used as it is). */
export function resolveLora(catalog: Catalog, use: { id?: string | undefined; path?: string | undefined }): { path: string; name: string } {
  if (use.id) {
    const record = catalog.models.get(use.id);
    if (!record || record.kind !== 'lora') throw new StudioError('NOT_FOUND', `No LoRA “${use.id}” in the library.`, 'Add it on the Models page.');
    return { path: record.path, name: record.name };
  }
  const path = resolve(use.path!);
  if (!existsSync(path)) throw new StudioError('NOT_FOUND', `The LoRA file ${path} does not exist.`, 'Check the path.');
  return { path, name: basename(path).replace(/\.safetensors$/i, '') };
}

// ---------- download job ----------

const DownloadInput = z.object({ id: z.string() });

type DownloadManifest = Record<string, { size: number; sha256: string; verified: string[] }>;

async function readDownloadManifest(path: string): Promise<DownloadManifest> {
  const text = await readFile(path, 'utf8').catch(() => '');
  try {
    return text ? ((JSON.parse(text) as { files?: DownloadManifest }).files ?? {}) : {};
  } catch {
    return {}; // written by a run that crashed mid-write: the files are checked again anyway
  }
}

/** `models download ID`: every file of a registry model, resumable and verified, with byte progress. */
export const modelsDownloadJob = defineJob({
  kind: 'models.download',
  resource: 'cpu',
  // Partial files resume with Range requests.
  resumable: true,
  input: DownloadInput,
  title: (input: z.output<typeof DownloadInput>) => `Download ${findModel(input.id).name}`,
  async run(input, { catalog, signal, progress }) {
    const model = findModel(input.id);
    const files = model.files.filter((f) => f.url);
    if (files.length < model.files.length)
      throw new StudioError(
        'UNSUPPORTED',
        `${model.name} has files without a download address.`,
        `Install it from a copy: likeness models add ${model.id} --file …`,
      );
    const sizeOf = (f: (typeof files)[number]) => f.size ?? f.approxSize ?? 0;
    const total = files.reduce((n, f) => n + sizeOf(f), 0);
    let finished = 0;
    const manifestPath = join(catalog.paths.models, model.id, '.likeness-download.json');
    // What an earlier run verified stays recorded: a resumed download only adds to it.
    const manifest = await readDownloadManifest(manifestPath);
    const fetchFile = async (file: Pick<RegistryFile, 'path' | 'size' | 'sha256' | 'optional' | 'approxSize'> & { url: string }) => {
      const target = join(catalog.paths.models, model.id, file.path);
      const result = await downloadFile(file.url, target, {
        size: file.size,
        sha256: file.sha256,
        optional: file.optional ?? false,
        signal,
        onProgress: ({ received }) =>
          progress({
            fraction: total ? Math.min(0.999, (finished + received) / total) : 0,
            ...(file.size || file.approxSize
              ? progressText('models.downloadingOf', { file: file.path, received: formatBytes(received), size: formatBytes(sizeOf(file)) })
              : progressText('models.downloading', { file: file.path, received: formatBytes(received) })),
          }),
      });
      if (!result.absent) manifest[file.path] = { size: result.size, sha256: result.sha256, verified: result.verified ?? [] };
      finished += result.size;
    };
    for (const file of files) {
      signal.throwIfAborted();
      const target = modelFilePath(catalog.paths.models, model.id, file);
      if (existsSync(target) && (file.size === undefined || fileSize(target) === file.size)) {
        finished += fileSize(target);
        continue;
      }
      await fetchFile({ ...file, url: file.url! });
    }
    // Exports differ in where the weights go (diffusers' converter: unet/weights.pb; optimum: model.onnx_data):
    // each graph names its external files, and any the registry did not list is fetched from beside the graph.
    for (const file of files.filter((f) => f.path.endsWith('.onnx'))) {
      const graph = modelFilePath(catalog.paths.models, model.id, file);
      if (!existsSync(graph)) continue;
      for (const use of readOnnxSignature(graph).externalData) {
        signal.throwIfAborted();
        const data = externalDataPath(dirname(graph), use.location);
        if (existsSync(data) && fileSize(data) >= use.end) continue;
        const path = relative(join(catalog.paths.models, model.id), data).split('\\').join('/');
        await fetchFile({ path, url: new URL(use.location, file.url).href });
      }
    }
    await writeFile(manifestPath, JSON.stringify({ id: model.id, at: Date.now(), files: manifest }, null, 2));
    // Proved on this machine before it is called installed: the files, their I/O and one golden pass.
    const report = await verifyModel(catalog, model.id, { signal });
    if (!report.ok) throw verificationFailed(report);
    progress({ fraction: 1, ...progressText('models.downloadedChecked', { name: model.name }) });
    return { id: model.id, files: Object.keys(manifest).length, bytes: finished };
  },
});

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}
