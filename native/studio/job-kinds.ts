import { catalogImportJob } from '../catalog/import-job';
import { generateJob } from '../diffusion/generate-job';
import { jobKinds } from '../jobs/define';
import { modelsDownloadJob } from '../models/manager';

/** Every kind of job the studio runs; the worker threads load the same list. */
export const studioJobKinds = jobKinds([catalogImportJob, generateJob, modelsDownloadJob]);
