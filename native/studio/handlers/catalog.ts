import type { StudioHandlers } from '../../api/contract';
import { catalogImportJob } from '../../catalog/import-job';
import type { StudioContext } from './context';

export function catalogHandlers({ catalog, jobs }: StudioContext): StudioHandlers['catalog'] {
  return {
    import: async (request) => jobs.enqueue(catalogImportJob.kind, request),
    listOutputs: async (query) => catalog.outputs.list(query),
    getOutput: async ({ id }) => catalog.outputs.get(id),
  };
}
