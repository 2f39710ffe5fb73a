import type { StudioHandlers } from '../../api/contract';
import { installModelFile } from '../../models/installed';
import { addLora, addModelFolder, describeModel, listLoras, listModels, modelsDownloadJob, removeLora, removeModel } from '../../models/manager';
import { findModel } from '../../models/registry';
import type { StudioContext } from './context';

export function modelsHandlers({ catalog, jobs }: StudioContext): StudioHandlers['models'] {
  return {
    list: async () => listModels(catalog),
    installFile: async ({ id, path, file }) => {
      await installModelFile(catalog.paths.models, id, path, file);
      return describeModel(catalog, id);
    },
    download: async ({ id }) => {
      const model = findModel(id);
      const running = describeModel(catalog, model.id).downloadJobId;
      return running ? jobs.get(running) : jobs.enqueue(modelsDownloadJob.kind, { id: model.id });
    },
    addFolder: async (request) => addModelFolder(catalog, request),
    remove: async ({ id }) => ({ removed: await removeModel(catalog, id) }),
    loras: async () => listLoras(catalog),
    addLora: async (request) => addLora(catalog, request),
    removeLora: async ({ id }) => ({ removed: await removeLora(catalog, id) }),
  };
}
