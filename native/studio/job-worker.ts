// Worker-thread entry: runs jobs off the thread that serves the API.
// `kindsModule` (tests) swaps in another registry of job kinds; the studio's own is the default.
import { workerData } from 'node:worker_threads';
import type { JobKinds } from '../jobs/define';
import { serveJobs } from '../jobs/worker-loop';
import { studioJobKinds } from './job-kinds';

const { kindsModule } = (workerData ?? {}) as { kindsModule?: string };
const kinds: JobKinds = kindsModule ? ((await import(kindsModule)) as { default: JobKinds }).default : studioJobKinds;
serveJobs(kinds);
