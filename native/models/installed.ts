import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StudioError } from '../api/errors';
import { findModel, type RegistryFile, type RegistryModel } from './registry';

/** Where an installed model file lives: <library>/models/<id>/<file path>. */
export function modelFilePath(modelsDir: string, modelId: string, file: RegistryFile): string {
  return join(modelsDir, modelId, file.path);
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export type InstallState = 'installed' | 'missing' | 'incomplete';

/** Installed when every required file is there; files marked optional may be absent upstream. */
export function installState(modelsDir: string, model: RegistryModel): InstallState {
  const required = model.files.filter((f) => !f.optional);
  const present = required.filter((f) => existsSync(modelFilePath(modelsDir, model.id, f))).length;
  const anything = model.files.some(
    (f) => existsSync(modelFilePath(modelsDir, model.id, f)) || existsSync(`${modelFilePath(modelsDir, model.id, f)}.partial`),
  );
  return present === required.length ? 'installed' : anything ? 'incomplete' : 'missing';
}

/**
 * The path of an installed model's file, or an error that tells the user how to install it.
 * `file` picks one of several files (by its path); the first by default.
 */
export function requireModelFile(modelsDir: string, modelId: string, filePath?: string): string {
  const model = findModel(modelId);
  const file = filePath ? model.files.find((f) => f.path === filePath) : model.files[0];
  if (!file) throw new StudioError('NOT_FOUND', `${model.name} has no file ${filePath}.`);
  const path = modelFilePath(modelsDir, model.id, file);
  if (!existsSync(path)) {
    throw new StudioError(
      'MODEL_ERROR',
      `${model.name} is not installed.`,
      `Install it on the Models page, or from a copy you have: likeness models add ${model.id} --file ${basename(file.path)}`,
    );
  }
  return path;
}

/**
 * Installs a model from a local file (offline machines, a copy on a USB stick): checks size and sha256
 * against the registry, then copies it into the models folder through a temp name.
 */
export async function installModelFile(modelsDir: string, modelId: string, source: string, filePath?: string): Promise<string> {
  const model = findModel(modelId);
  const file = filePath ? model.files.find((f) => f.path === filePath) : model.files.length === 1 ? model.files[0] : undefined;
  if (!file)
    throw new StudioError('INVALID_INPUT', `${model.name} has several files: say which one this is (${model.files.map((f) => f.path).join(', ')}).`);
  const info = await stat(source).catch(() => undefined);
  if (!info?.isFile()) throw new StudioError('NOT_FOUND', `${source} is not a file.`, 'Check the path.');
  if (file.size !== undefined && info.size !== file.size) {
    throw new StudioError(
      'MODEL_ERROR',
      `${basename(source)} is ${info.size} bytes; ${model.name} (${file.path}) is ${file.size}.`,
      'This is not the expected file, or it is incomplete: download it again.',
    );
  }
  if (file.sha256) {
    const actual = await sha256File(source);
    if (actual !== file.sha256) {
      throw new StudioError(
        'MODEL_ERROR',
        `${basename(source)} does not match ${model.name}: its sha256 is ${actual}, expected ${file.sha256}.`,
        'The file is damaged or a different version: download it again.',
      );
    }
  }
  const target = modelFilePath(modelsDir, model.id, file);
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.partial-${process.pid}`;
  try {
    await copyFile(source, temp);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return target;
}
