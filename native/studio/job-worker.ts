// Worker-thread entry: runs jobs off the thread that serves the API.
import { serveJobs } from '../jobs/worker-loop';
import { studioJobKinds } from './job-kinds';

serveJobs(studioJobKinds);
