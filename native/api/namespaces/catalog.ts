import { z } from 'zod';
import { method } from '../method';
import { Id, ImportRequest, Job, OutputDetail, OutputPage, OutputQuery } from '../schemas';

export const catalogApi = {
  /** Starts a `catalog.import` job; progress arrives as job events. */
  import: method(ImportRequest, Job),
  listOutputs: method(OutputQuery, OutputPage),
  getOutput: method(z.object({ id: Id }), OutputDetail),
};
