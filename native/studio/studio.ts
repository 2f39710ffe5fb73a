import { createStudioClient } from '../api/client';
import type { StudioApi, StudioHandlers } from '../api/contract';
import { Catalog } from '../catalog/catalog';
import { publicJob } from '../catalog/jobs-repo';
import { reconcile, type ReconcileReport } from '../catalog/reconcile';
import { appVersion } from '../core/version';
import { JobQueue, type JobQueueOptions, type RecoveryReport } from '../jobs/queue';
import { browseDirectory } from './browse';
import { createDispatcher, type Dispatch } from './dispatch';
import { runDoctor } from './doctor';
import { EventBus } from './events';
import { studioJobKinds } from './job-kinds';

export interface StudioOptions {
  /** The library folder (already resolved from --library / LIKENESS_HOME / app data). */
  library: string;
  jobs?: Pick<JobQueueOptions, 'limits' | 'workerIdleMs' | 'cancelGraceMs'>;
  /** Called with unexpected (INTERNAL) errors, for the host's log. */
  onInternalError?: (channel: string, error: unknown) => void;
}

export interface Studio {
  catalog: Catalog;
  /** The contract served in-process (validated exactly as over IPC or HTTP). */
  api: StudioApi;
  /** What hosts bind: channel + raw input → envelope. */
  dispatch: Dispatch;
  events: EventBus;
  jobs: JobQueue;
  startup: { reconcile: ReconcileReport; jobs: RecoveryReport };
  close(): Promise<void>;
}

/** The composition root: one catalogue, one job queue, one implementation of the contract. */
export async function createStudio(options: StudioOptions): Promise<Studio> {
  const catalog = Catalog.open(options.library);
  const events = new EventBus();
  const reconcileReport = await reconcile(catalog);
  const jobs = new JobQueue({ catalog, kinds: studioJobKinds, emit: events.emit, ...options.jobs });
  const recovery = jobs.start();

  const handlers: StudioHandlers = {
    system: {
      info: async () => ({
        appVersion: appVersion(),
        libraryPath: catalog.paths.root,
        schemaVersion: catalog.schemaVersion,
        platform: process.platform,
        nodeVersion: process.version,
      }),
      doctor: () => runDoctor(catalog),
      browse: ({ path }) => browseDirectory(path),
    },
    people: {
      list: async () => catalog.people.list(),
      get: async ({ id }) => catalog.people.get(id),
      create: async (draft) => {
        const person = catalog.people.create(draft);
        events.emit({ type: 'people:changed', payload: { personId: person.id } });
        return person;
      },
      update: async (patch) => {
        const person = catalog.people.update(patch);
        events.emit({ type: 'people:changed', payload: { personId: person.id } });
        return person;
      },
      remove: async ({ id }) => {
        const removed = catalog.people.remove(id);
        if (removed) events.emit({ type: 'people:changed', payload: { personId: id } });
        return { removed };
      },
    },
    catalog: {
      import: async (request) => jobs.enqueue('catalog.import', request),
      listOutputs: async (query) => catalog.outputs.list(query),
      getOutput: async ({ id }) => catalog.outputs.get(id),
    },
    review: {
      set: async (patch) => {
        const updated = catalog.outputs.setReview(patch);
        events.emit({ type: 'review:changed', payload: { ids: patch.ids } });
        return { updated };
      },
    },
    jobs: {
      list: async ({ status, limit }) => catalog.jobs.list({ status, limit }).map(publicJob),
      get: async ({ id }) => jobs.get(id),
      cancel: async ({ id }) => jobs.cancel(id),
    },
  };

  const dispatch = createDispatcher(handlers, options.onInternalError);
  return {
    catalog,
    api: createStudioClient(dispatch as Parameters<typeof createStudioClient>[0]),
    dispatch,
    events,
    jobs,
    startup: { reconcile: reconcileReport, jobs: recovery },
    async close() {
      await jobs.close();
      catalog.close();
    },
  };
}
