import { parentPort } from 'node:worker_threads';
import { StudioError } from '../api/errors';
import type { StudioEvent } from '../api/events';
import { Catalog } from '../catalog/catalog';
import { errorShape, isAbort } from '../core/errors';
import type { JobKinds, ProgressReport } from './define';
import type { FromWorker, JobOutcome, ToWorker } from './protocol';

const PROGRESS_INTERVAL_MS = 100;

/**
 * The body of a job worker thread: opens its own catalogue connection, runs one job at a time,
 * reports progress (throttled) and obeys cancel. Heavy work never touches the API thread.
 */
export function serveJobs(kinds: JobKinds): void {
  const port = parentPort;
  if (!port) throw new Error('serveJobs must run in a worker thread');
  const catalogs = new Map<string, Catalog>();
  const running = new Map<number, AbortController>();
  const send = (message: FromWorker) => port.postMessage(message);

  port.on('message', (message: ToWorker) => {
    if (message.type === 'cancel') {
      running.get(message.jobId)?.abort();
      return;
    }
    void run(message);
  });

  async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
    const { jobId } = message;
    const controller = new AbortController();
    running.set(jobId, controller);
    let lastSent = 0;
    let pending: ProgressReport | undefined;
    const flush = () => {
      if (pending) send({ type: 'progress', jobId, report: pending });
      pending = undefined;
      lastSent = Date.now();
    };
    let outcome: JobOutcome;
    try {
      const definition = kinds.get(message.kind);
      if (!definition)
        throw new StudioError('UNSUPPORTED', `Unknown job kind “${message.kind}”.`, 'This job was made by another version of Likeness.');
      let catalog = catalogs.get(message.library);
      if (!catalog) {
        catalog = Catalog.open(message.library);
        catalogs.set(message.library, catalog);
      }
      const input = definition.input.parse(message.input);
      const result = await definition.run(input, {
        jobId,
        signal: controller.signal,
        catalog,
        progress(report) {
          pending = report;
          if (Date.now() - lastSent >= PROGRESS_INTERVAL_MS) flush();
        },
        emit(type, payload) {
          send({ type: 'event', jobId, event: { type, payload } as StudioEvent });
        },
      });
      flush();
      outcome = controller.signal.aborted ? { status: 'cancelled' } : { status: 'done', result };
    } catch (error) {
      flush();
      outcome = controller.signal.aborted || isAbort(error) ? { status: 'cancelled' } : { status: 'failed', error: errorShape(error) };
    } finally {
      running.delete(jobId);
    }
    send({ type: 'outcome', jobId, outcome });
  }
}
