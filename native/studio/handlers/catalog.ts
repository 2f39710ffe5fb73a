import { realLocation, resolveUserPath } from '../../core/paths';
import type { StudioHandlers } from '../../api/contract';
import { catalogImportJob } from '../../catalog/import-job';
import { emptyTrashJob } from '../../catalog/trash';
import { outputFaces } from '../output-faces';
import type { StudioContext } from './context';

export function catalogHandlers({ catalog, jobs }: StudioContext): StudioHandlers['catalog'] {
  const faces = outputFaces(catalog);
  return {
    // Stored as the real absolute folder: a job resumed by a server started elsewhere finds it again.
    import: async (request) => jobs.enqueue(catalogImportJob.kind, { ...request, path: realLocation(resolveUserPath(request.path)) }),
    listOutputs: async (query) => catalog.outputs.list(query),
    outputIds: async (query) => catalog.outputs.ids(query),
    getOutputs: async ({ ids }) => catalog.outputs.summaries(ids),
    getOutput: async ({ id }) => catalog.outputs.get(id),
    facets: async () => catalog.outputs.facets(),
    faces: ({ id }) => faces(id),

    trash: async ({ ids }) => ({ ids: catalog.outputs.trash(ids) }),
    restore: async ({ ids }) => ({ ids: catalog.outputs.restore(ids) }),
    emptyTrash: async (request) => jobs.enqueue(emptyTrashJob.kind, { ...request, before: request.before ?? Date.now() }),

    listCollections: async () => catalog.collections.list(),
    createCollection: async ({ name }) => catalog.collections.create(name),
    renameCollection: async ({ id, name }) => catalog.collections.rename(id, name),
    removeCollection: async ({ id }) => ({ removed: catalog.collections.remove(id) }),
    addToCollection: async ({ id, ids }) => ({ added: catalog.collections.add(id, ids) }),
    removeFromCollection: async ({ id, ids }) => ({ removed: catalog.collections.removeItems(id, ids) }),
  };
}
