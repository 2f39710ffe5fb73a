import { realLocation, resolveUserPath } from '../../core/paths';
import type { StudioHandlers } from '../../api/contract';
import { catalogImportJob } from '../../catalog/import-job';
import { emptyTrashJob } from '../../catalog/trash';
import { outputFaces } from '../output-faces';
import type { StudioContext } from './context';

export function catalogHandlers({ catalog, jobs, events }: StudioContext): StudioHandlers['catalog'] {
  const faces = outputFaces(catalog);
  const changed = (ids: number[], change: 'trashed' | 'restored' | 'collections') => {
    if (ids.length) events.emit({ type: 'catalog:changed', payload: { ids, change } });
  };
  return {
    // Stored as the real absolute folder: a job resumed by a server started elsewhere finds it again.
    import: async (request) => jobs.enqueue(catalogImportJob.kind, { ...request, path: realLocation(resolveUserPath(request.path)) }),
    listOutputs: async (query) => catalog.outputs.list(query),
    outputIds: async (query) => catalog.outputs.ids(query),
    getOutputs: async ({ ids }) => catalog.outputs.summaries(ids),
    getOutput: async ({ id }) => catalog.outputs.get(id),
    facets: async () => catalog.outputs.facets(),
    faces: ({ id }) => faces(id),

    trash: async ({ ids }) => {
      const trashed = catalog.outputs.trash(ids);
      changed(trashed, 'trashed');
      return { ids: trashed };
    },
    restore: async ({ ids }) => {
      const restored = catalog.outputs.restore(ids);
      changed(restored, 'restored');
      return { ids: restored };
    },
    emptyTrash: async (request) => jobs.enqueue(emptyTrashJob.kind, { ...request, before: request.before ?? Date.now() }),

    listCollections: async () => catalog.collections.list(),
    createCollection: async ({ name }) => catalog.collections.create(name),
    renameCollection: async ({ id, name }) => catalog.collections.rename(id, name),
    removeCollection: async ({ id }) => ({ removed: catalog.collections.remove(id) }),
    addToCollection: async ({ id, ids }) => {
      const added = catalog.collections.add(id, ids);
      changed(ids, 'collections');
      return { added };
    },
    removeFromCollection: async ({ id, ids }) => {
      const removed = catalog.collections.removeItems(id, ids);
      changed(ids, 'collections');
      return { removed };
    },
  };
}
