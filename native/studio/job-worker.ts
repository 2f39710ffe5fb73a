// Worker-thread entry: runs jobs off the thread that serves the API.
// `kindsModule` (tests) swaps in another registry of job kinds; the studio's own is the default, loaded only
// then (it pulls in every service a job may need, which a test worker has no use for).
import { workerData } from 'node:worker_threads';
import type { JobKinds } from '../jobs/define';
import { serveJobs } from '../jobs/worker-loop';

const { kindsModule } = (workerData ?? {}) as { kindsModule?: string };
const kinds: JobKinds = kindsModule ? ((await import(kindsModule)) as { default: JobKinds }).default : (await import('./job-kinds')).studioJobKinds;
serveJobs(kinds);
