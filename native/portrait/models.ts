import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { StudioError } from '../api/errors';
import type { Catalog } from '../catalog/catalog';
import {
  expectModelIO,
  openSession,
  SessionCache,
  type ExpectedValue,
  type FallbackNotice,
  type OpenedSession,
  type ProviderChoice,
} from '../inference/session';
import { installState, modelFilePath, sha256File } from '../models/installed';
import { findModel, type RegistryFile, type RegistryModel } from '../models/registry';

/** The library setting that allows models whose licence forbids commercial use (off until the user turns it on). */
export const NON_COMMERCIAL_SETTING = 'portrait.nonCommercial';

export function nonCommercialAllowed(catalog: Catalog): boolean {
  return catalog.getSetting(NON_COMMERCIAL_SETTING) === 'on';
}

export function setNonCommercialAllowed(catalog: Catalog, allowed: boolean): void {
  catalog.setSetting(NON_COMMERCIAL_SETTING, allowed ? 'on' : null);
}

/**
 * A registry model a portrait step may use: installed completely, and — when its licence forbids commercial
 * use — only once the user has allowed such models (the library setting, or `allowNonCommercial` for one
 * request from the CLI).
 */
export function requirePortraitModel(
  catalog: Catalog,
  id: string,
  options: { kind: string; allowNonCommercial?: boolean | undefined },
): RegistryModel {
  const model = findModel(id);
  if (model.kind !== options.kind) {
    throw new StudioError('INVALID_INPUT', `${model.name} is a ${model.kind}, not a ${options.kind}.`, 'Pick a model of the right kind.');
  }
  if (!model.license.commercialUse && !(options.allowNonCommercial || nonCommercialAllowed(catalog))) {
    throw new StudioError(
      'UNSUPPORTED',
      `${model.name} is licensed for non-commercial use only (${model.license.name}) and non-commercial models are turned off.`,
      'Pick another model, or allow non-commercial models for personal use on the Restore page (CLI: --allow-non-commercial).',
      { model: model.id, license: model.license.name },
    );
  }
  const state = installState(catalog.paths.models, model);
  if (state !== 'installed') {
    throw new StudioError(
      'MODEL_ERROR',
      `${model.name} is not ${state === 'incomplete' ? 'completely ' : ''}installed.`,
      `Download it on the Models page, or: likeness models download ${model.id}`,
    );
  }
  return model;
}

export function expectedIO(spec: RegistryFile['io'] | RegistryModel['io']): {
  inputs: Record<string, ExpectedValue>;
  outputs: Record<string, ExpectedValue>;
} {
  const convert = (values: NonNullable<NonNullable<typeof spec>['inputs']> = {}) =>
    Object.fromEntries(
      Object.entries(values).map(([name, v]) => [
        name,
        {
          ...(v.type !== undefined ? { type: v.type as ExpectedValue['type'] } : {}),
          ...(v.rank !== undefined ? { rank: v.rank } : {}),
          ...(v.shape ? { shape: v.shape.map((d) => (d === null ? undefined : d)) } : {}),
          ...(v.elements !== undefined ? { elements: v.elements } : {}),
        },
      ]),
    );
  return { inputs: convert(spec?.inputs), outputs: convert(spec?.outputs) };
}

export interface PortraitModelFile {
  model: RegistryModel;
  file: RegistryFile;
  path: string;
}

/** The installed file of a model (its first, or the one at `path`). */
export function modelFile(catalog: Catalog, model: RegistryModel, path?: string): PortraitModelFile {
  const file = path ? model.files.find((f) => f.path === path) : model.files[0];
  if (!file) throw new StudioError('INTERNAL', `${model.name} has no file ${path}.`);
  const location = modelFilePath(catalog.paths.models, model.id, file);
  if (!existsSync(location))
    throw new StudioError('MODEL_ERROR', `${model.name} is missing ${file.path}.`, `Download it again: likeness models download ${model.id}`);
  return { model, file, path: location };
}

/** Sessions stay open in the GPU worker between jobs (restoring a second photo skips loading the models). */
const sessions = new SessionCache(8);

export interface OpenOptions {
  provider?: ProviderChoice;
  onFallback?: (notice: FallbackNotice) => void;
  /** Open without the cache (the bench, or a part that must run elsewhere). */
  fresh?: boolean;
}

/** Opens one ONNX file of a portrait model and checks it against the registry's description of its I/O. */
export async function openPortraitSession(part: PortraitModelFile, label: string, options: OpenOptions = {}): Promise<OpenedSession> {
  const info = await stat(part.path);
  const provider = options.provider ?? 'auto';
  const open = async () => {
    const session = await openSession(part.path, { model: label, provider, ...(options.onFallback ? { onFallback: options.onFallback } : {}) });
    try {
      expectModelIO(session, expectedIO(part.file.io ?? part.model.io));
    } catch (error) {
      await session.release();
      throw error;
    }
    return session;
  };
  if (options.fresh) return open();
  let opened = false;
  const session = await sessions.get(`${part.path}:${info.size}:${info.mtimeMs}:${provider}`, () => {
    opened = true;
    return open();
  });
  // A session from the cache announced its fallbacks when it opened, to an earlier job: say them again to this one.
  if (!opened) for (const notice of session.fallbacks) options.onFallback?.(notice);
  return session;
}

export async function releasePortraitSessions(): Promise<void> {
  await sessions.releaseAll();
}

const hashes = new Map<string, Promise<string>>();

/** sha256 of a model file for provenance (computed once per version of the file in a process). */
export async function fileHash(path: string): Promise<string> {
  const info = await stat(path);
  const key = `${path}\0${info.size}\0${info.mtimeMs}`;
  let hash = hashes.get(key);
  if (!hash) {
    hash = sha256File(path);
    hash.catch(() => hashes.delete(key));
    hashes.set(key, hash);
  }
  return hash;
}

/** What an output's provenance says about one model it used. */
export interface ModelUse {
  id: string;
  name: string;
  license: string;
  commercialUse: boolean;
  files: { path: string; sha256: string }[];
  provider: string;
}

export async function modelUse(parts: PortraitModelFile[], provider: string): Promise<ModelUse> {
  const model = parts[0]!.model;
  return {
    id: model.id,
    name: model.name,
    license: model.license.name,
    commercialUse: model.license.commercialUse,
    files: await Promise.all(parts.map(async (p) => ({ path: p.file.path, sha256: await fileHash(p.path) }))),
    provider,
  };
}
