// Worker threads do not inherit loader hooks: register tsx, then load the TypeScript entry.
// Used only when running from source (tests); bundles in dist/ start their entries directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.__entry);
