import type { StudioHandlers } from '../../api/contract';
import { installModelFile, installState } from '../../models/installed';
import { modelsVerifyJob } from '../../models/verify';
import { addLora, addModelFolder, describeModel, listLoras, listModels, modelsDownloadJob, removeLora, removeModel } from '../../models/manager';
import { findModel } from '../../models/registry';
import type { StudioContext } from './context';

export function modelsHandlers({ catalog, jobs }: StudioContext): StudioHandlers['models'] {
  return {
    list: async () => listModels(catalog),
    installFile: async ({ id, path, file }) => {
      await installModelFile(catalog.paths.models, id, path, file);
      // Every install is checked on this machine (the Models page shows the result when the job ends).
      if (installState(catalog.paths.models, findModel(id)) === 'installed') await jobs.enqueue(modelsVerifyJob.kind, { id });
      return describeModel(catalog, id);
    },
    verify: async ({ id, photo, provider }) => jobs.enqueue(modelsVerifyJob.kind, { id: findModel(id).id, photo, provider }),
    download: async ({ id }) => {
      const model = findModel(id);
      const running = describeModel(catalog, model.id).downloadJobId;
      return running ? jobs.get(running) : jobs.enqueue(modelsDownloadJob.kind, { id: model.id });
    },
    addFolder: async (request) => addModelFolder(catalog, request),
    remove: async ({ id }) => ({ removed: await removeModel(catalog, id) }),
    listLoras: async () => listLoras(catalog),
    addLora: async (request) => addLora(catalog, request),
    removeLora: async ({ id }) => ({ removed: await removeLora(catalog, id) }),
  };
}
