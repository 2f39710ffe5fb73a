import type { Catalog } from '../../catalog/catalog';
import type { JobQueue } from '../../jobs/queue';
import type { EventBus } from '../events';

/** What every area's handlers get from the composition root. */
export interface StudioContext {
  catalog: Catalog;
  jobs: JobQueue;
  events: EventBus;
}
