import { join } from 'node:path';
import type { StudioHandlers } from '../../api/contract';
import type { ModelInfo } from '../../api/namespaces/models';
import { installModelFile, installState } from '../../models/installed';
import { findModel, loadRegistry, type RegistryModel } from '../../models/registry';
import type { StudioContext } from './context';

function describeModel(modelsDir: string, model: RegistryModel): ModelInfo {
  return {
    id: model.id,
    kind: model.kind,
    family: model.family ?? null,
    name: model.name,
    description: model.description ?? null,
    license: { name: model.license.name, url: model.license.url ?? null, commercialUse: model.license.commercialUse },
    state: installState(modelsDir, model),
    folder: join(modelsDir, model.id),
    files: model.files.map((f) => ({ path: f.path, size: f.size ?? null, url: f.url ?? null })),
  };
}

export function modelsHandlers({ catalog }: StudioContext): StudioHandlers['models'] {
  const modelsDir = catalog.paths.models;
  return {
    list: async () => loadRegistry().models.map((m) => describeModel(modelsDir, m)),
    installFile: async ({ id, path, file }) => {
      await installModelFile(modelsDir, id, path, file);
      return describeModel(modelsDir, findModel(id));
    },
  };
}
