import { rescoreQuietly } from '../likeness/rescore';
import { createStudioClient } from '../api/client';
import type { StudioApi, StudioHandlers } from '../api/contract';
import { Catalog } from '../catalog/catalog';
import { reconcile, type ReconcileReport } from '../catalog/reconcile';
import { JobQueue, type JobQueueOptions, type RecoveryReport } from '../jobs/queue';
import { createDispatcher, type Dispatch } from './dispatch';
import { EventBus } from './events';
import { catalogHandlers } from './handlers/catalog';
import { farmHandlers } from './handlers/farm';
import { generateHandlers } from './handlers/generate';
import type { StudioContext } from './handlers/context';
import { jobsHandlers } from './handlers/jobs';
import { likenessHandlers } from './handlers/likeness';
import { modelsHandlers } from './handlers/models';
import { peopleHandlers } from './handlers/people';
import { portraitHandlers } from './handlers/portrait';
import { reelsHandlers } from './handlers/reels';
import { reviewHandlers } from './handlers/review';
import { systemHandlers } from './handlers/system';
import { studioJobKinds } from './job-kinds';

export interface StudioOptions {
  /** The library folder (already resolved from --library / LIKENESS_HOME / app data). */
  library: string;
  jobs?: Pick<JobQueueOptions, 'limits' | 'workerIdleMs' | 'cancelGraceMs'>;
  /** Called with unexpected (INTERNAL) errors, for the host's log. */
  onInternalError?: (channel: string, error: unknown) => void;
  /**
   * False for hosts that only read (`likeness review list`, `likeness jobs`): the job queue is not started, so
   * jobs another Likeness queued or left running are neither picked up nor recovered by a glance at the list.
   */
  startJobs?: boolean;
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
  const recovery = options.startJobs === false ? { resumed: [], interrupted: [], adopted: [] } : jobs.start();

  // New verdicts change who the person's reference photos are: scores made against the old ones go stale.
  events.subscribe((event) => {
    if (event.type !== 'job:finished' || event.payload.status !== 'done') return;
    if (event.payload.kind !== 'people.vet' && event.payload.kind !== 'people.import') return;
    const personId = (event.payload.input as { personId?: number } | null)?.personId;
    if (typeof personId === 'number') rescoreQuietly(catalog, jobs, personId);
  });

  const context: StudioContext = { catalog, jobs, events };
  const handlers: StudioHandlers = {
    system: systemHandlers(context),
    people: peopleHandlers(context),
    catalog: catalogHandlers(context),
    review: reviewHandlers(context),
    jobs: jobsHandlers(context),
    models: modelsHandlers(context),
    generate: generateHandlers(context),
    portrait: portraitHandlers(context),
    reels: reelsHandlers(context),
    likeness: likenessHandlers(context),
    farm: farmHandlers(context),
  };

  const dispatch = createDispatcher(handlers, options.onInternalError, (event) => events.emit(event));
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
