import { catalogImportJob } from '../catalog/import-job';
import { jobKinds } from '../jobs/define';
import { reelRenderJob } from '../video/reel-job';

/** Every kind of job the studio runs; the worker threads load the same list. */
export const studioJobKinds = jobKinds([catalogImportJob, reelRenderJob]);
