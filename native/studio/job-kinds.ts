import { exportJob } from '../catalog/export-job';
import { catalogImportJob } from '../catalog/import-job';
import { emptyTrashJob } from '../catalog/trash';
import { jobKinds } from '../jobs/define';

/** Every kind of job the studio runs; the worker threads load the same list. */
export const studioJobKinds = jobKinds([catalogImportJob, exportJob, emptyTrashJob]);
