import { exportJob } from '../catalog/export-job';
import { catalogImportFileJob, catalogImportJob } from '../catalog/import-job';
import { emptyTrashJob } from '../catalog/trash';
import { generateJob } from '../diffusion/generate-job';
import { jobKinds } from '../jobs/define';
import { likenessScoreJob } from '../likeness/score-job';
import { modelsDownloadJob } from '../models/manager';
import { modelsVerifyJob } from '../models/verify';
import { peopleExportJob } from '../people/export';
import { peopleImportJob } from '../people/import-job';
import { peopleTrainJob } from '../people/train';
import { peopleVetJob } from '../people/vet-job';
import { portraitProcessJob } from '../portrait/process-job';
import { reelRenderJob } from '../video/reel-job';

/** Every kind of job the studio runs; the worker threads load the same list. */
export const studioJobKinds = jobKinds([
  catalogImportJob,
  catalogImportFileJob,
  peopleImportJob,
  peopleVetJob,
  peopleExportJob,
  peopleTrainJob,
  generateJob,
  modelsDownloadJob,
  modelsVerifyJob,
  reelRenderJob,
  exportJob,
  emptyTrashJob,
  portraitProcessJob,
  likenessScoreJob,
]);
