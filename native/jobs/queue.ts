import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { StudioError } from '../api/errors';
import type { StudioEvent } from '../api/events';
import { englishProgress, progressText } from '../api/progress-keys';
import type { Job, JobResource } from '../api/schemas';
import type { Catalog } from '../catalog/catalog';
import { publicJob, type JobRecord, type ProgressUpdate } from '../catalog/jobs-repo';
import { startWorker } from '../core/entry-points';
import { toStudioError } from '../core/errors';
import type { JobKinds, ProgressReport } from './define';
import { newOwnerId, ownerAlive } from './owner';
import type { FromWorker, JobOutcome, ToWorker } from './protocol';

export interface JobQueueOptions {
  catalog: Catalog;
  kinds: JobKinds;
  emit: (event: StudioEvent) => void;
  limits?: Partial<Record<JobResource, number>>;
  /** How long an idle worker thread is kept for the next job (GPU workers keep model sessions warm). */
  workerIdleMs?: number;
  /** How long a cancelled job may take to stop before its worker is terminated. */
  cancelGraceMs?: number;
  /** Module (file URL) whose default export is the JobKinds the workers load; the studio's own when absent. */
  kindsModule?: string;
}

export interface RecoveryReport {
  resumed: number[];
  interrupted: number[];
  adopted: number[];
}

interface Slot {
  worker: Worker;
  resource: JobResource;
  jobId: number | null;
  idleTimer?: NodeJS.Timeout | undefined;
}

interface Running {
  slot: Slot;
  persistedAt: number;
  cancelTimer?: NodeJS.Timeout;
  progress: number;
  /** The latest report, written with the final state even when the throttle skipped it. */
  last?: ProgressUpdate;
}

const MAX_ATTEMPTS = 3;
const PERSIST_INTERVAL_MS = 250;
const HEARTBEAT_MS = 5_000;

/**
 * The persistent job queue of one process. Rows in `jobs` are the truth; this class moves them through
 * queued → running → done/failed/cancelled, runs them in worker threads with per-resource limits,
 * and after a crash resumes (or marks interrupted) what the dead process left running.
 */
export class JobQueue {
  readonly owner = newOwnerId();
  private readonly catalog: Catalog;
  private readonly kinds: JobKinds;
  private readonly emit: (event: StudioEvent) => void;
  private readonly limits: Record<JobResource, number>;
  private readonly workerIdleMs: number;
  private readonly cancelGraceMs: number;
  private readonly kindsModule: string | undefined;
  private readonly running = new Map<number, Running>();
  private readonly idle: Slot[] = [];
  private readonly waiters = new Map<number, ((job: Job) => void)[]>();
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: JobQueueOptions) {
    this.catalog = options.catalog;
    this.kinds = options.kinds;
    this.emit = options.emit;
    this.limits = { gpu: 1, cpu: Math.max(1, availableParallelism()), ...options.limits };
    this.workerIdleMs = options.workerIdleMs ?? 30_000;
    this.cancelGraceMs = options.cancelGraceMs ?? 10_000;
    this.kindsModule = options.kindsModule;
  }

  /** Recovers jobs left by dead processes, then starts running the queue. */
  start(): RecoveryReport {
    const report = this.recover();
    this.heartbeat = setInterval(() => {
      // A timer's exception would end the whole process (the server with it): a busy or vanished library
      // misses one beat, and the next one tries again.
      try {
        this.catalog.jobs.heartbeat(this.owner);
        // Jobs of a process that died after this one started (or was a zombie at start) are taken over now,
        // not at the next restart.
        const taken = this.recover({ skipOwn: true });
        if (taken.adopted.length || taken.resumed.length) this.pump();
      } catch (error) {
        console.error(`Likeness: could not record that jobs are alive: ${(error as Error).message}`);
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    this.pump();
    return report;
  }

  private recover(options: { skipOwn?: boolean } = {}): RecoveryReport {
    const report: RecoveryReport = { resumed: [], interrupted: [], adopted: [] };
    for (const job of this.catalog.jobs.live()) {
      if (options.skipOwn && job.owner === this.owner) continue;
      if (ownerAlive(job.owner, job.heartbeatAt, job.status as 'queued' | 'running', this.owner)) continue;
      const definition = this.kinds.get(job.kind);
      if (job.status === 'queued' && definition) {
        this.catalog.jobs.adopt(job.id, this.owner);
        report.adopted.push(job.id);
      } else if (job.status === 'running' && definition?.resumable && job.attempts < MAX_ATTEMPTS) {
        this.catalog.jobs.requeue(job.id, this.owner, progressText('job.resumed'));
        report.resumed.push(job.id);
      } else {
        const reason = !definition
          ? new StudioError(
              'UNSUPPORTED',
              `This version of Likeness cannot run “${job.kind}” jobs.`,
              'Open the library with the version that made the job.',
            )
          : job.status === 'running' && definition.resumable
            ? new StudioError(
                'INTERRUPTED',
                `The app stopped ${job.attempts} times while this job was running.`,
                'Check the input, then start it again.',
              )
            : new StudioError(
                'INTERRUPTED',
                'The app stopped while this job was running.',
                'Start it again; what it finished before the stop is kept.',
              );
        this.catalog.jobs.finish(job.id, 'interrupted', { error: reason.toJSON(), message: reason.message });
        report.interrupted.push(job.id);
      }
    }
    return report;
  }

  enqueue(kind: string, rawInput: unknown): Job {
    if (this.closed) throw new StudioError('CONFLICT', 'The studio is shutting down.', 'Start Likeness again.');
    const definition = this.kinds.get(kind);
    if (!definition) throw new StudioError('UNSUPPORTED', `Unknown job kind “${kind}”.`);
    const parsed = definition.input.safeParse(rawInput);
    if (!parsed.success) throw new StudioError('INVALID_INPUT', parsed.error.issues.map((i) => i.message).join('; '));
    const record = this.catalog.jobs.create({
      kind,
      resource: typeof definition.resource === 'function' ? definition.resource(parsed.data) : definition.resource,
      title: definition.title(parsed.data),
      input: parsed.data,
      owner: this.owner,
    });
    const job = publicJob(record);
    this.emit({ type: 'job:queued', payload: job });
    queueMicrotask(() => this.pump());
    return job;
  }

  /**
   * A job as the events have told it: the row, with the latest progress of a job running here (the row is written
   * at most every 250 ms, so a caller that just saw a `job:progress` event would otherwise read an older message).
   */
  get(id: number): Job {
    return this.withLatestProgress(this.catalog.jobs.get(id));
  }

  list(filter: Parameters<Catalog['jobs']['list']>[0]): Job[] {
    return this.catalog.jobs.list(filter).map((record) => this.withLatestProgress(record));
  }

  private withLatestProgress(record: JobRecord): Job {
    const latest = record.status === 'running' ? this.running.get(record.id)?.last : undefined;
    return publicJob(latest ? { ...record, ...latest } : record);
  }

  cancel(id: number): Job {
    const job = this.catalog.jobs.get(id);
    if (job.status === 'queued') return this.settle(id, { status: 'cancelled' });
    if (job.status !== 'running') return publicJob(job);
    const running = this.running.get(id);
    this.catalog.jobs.requestCancel(id);
    if (!running) {
      // Its process is gone (killed, crashed): nobody will see the request, so the job ends here.
      if (!ownerAlive(job.owner, job.heartbeatAt, 'running', this.owner)) return this.settle(id, { status: 'cancelled' });
      // Running in another process: it sees cancel_requested on its next progress write.
      return publicJob(this.catalog.jobs.get(id));
    }
    running.slot.worker.postMessage({ type: 'cancel', jobId: id } satisfies ToWorker);
    running.cancelTimer ??= setTimeout(() => {
      if (!this.running.has(id)) return;
      // Reported cancelled once its thread has really stopped (terminate resolves when it has exited).
      void this.discard(running.slot).then(() => this.running.has(id) && this.settle(id, { status: 'cancelled', forced: true }));
    }, this.cancelGraceMs);
    return publicJob(this.catalog.jobs.get(id));
  }

  /** Resolves when the job reaches a final state. */
  waitFor(id: number): Promise<Job> {
    const job = this.catalog.jobs.get(id);
    if (job.status !== 'queued' && job.status !== 'running') return Promise.resolve(publicJob(job));
    return new Promise((resolve) => {
      const list = this.waiters.get(id) ?? [];
      list.push(resolve);
      this.waiters.set(id, list);
    });
  }

  private pump(): void {
    if (this.closed) return;
    for (const resource of ['gpu', 'cpu'] as const) {
      const busy = [...this.running.values()].filter((r) => r.slot.resource === resource).length;
      const free = this.limits[resource] - busy;
      if (free <= 0) continue;
      for (const job of this.catalog.jobs.queuedFor(this.owner, resource, free)) {
        if (this.catalog.jobs.markRunning(job.id, this.owner)) this.launch(this.catalog.jobs.get(job.id));
      }
    }
  }

  private launch(job: JobRecord): void {
    const slot = this.takeSlot(job.resource);
    slot.jobId = job.id;
    this.running.set(job.id, { slot, persistedAt: 0, progress: job.progress });
    this.emit({ type: 'job:started', payload: publicJob(job) });
    slot.worker.postMessage({ type: 'run', jobId: job.id, kind: job.kind, input: job.input, library: this.catalog.paths.root } satisfies ToWorker);
  }

  private takeSlot(resource: JobResource): Slot {
    const index = this.idle.findIndex((s) => s.resource === resource);
    if (index >= 0) {
      const [slot] = this.idle.splice(index, 1);
      clearTimeout(slot!.idleTimer);
      return slot!;
    }
    const worker = startWorker('job-worker', { resource, ...(this.kindsModule ? { kindsModule: this.kindsModule } : {}) });
    const slot: Slot = { worker, resource, jobId: null };
    worker.on('message', (message: FromWorker) => this.onWorkerMessage(slot, message));
    const onDeath = (reason: string) => {
      const idleIndex = this.idle.indexOf(slot);
      if (idleIndex >= 0) this.idle.splice(idleIndex, 1);
      const jobId = slot.jobId;
      slot.jobId = null;
      if (jobId !== null && this.running.has(jobId)) {
        const cancelled = this.catalog.jobs.get(jobId).cancelRequested;
        this.settle(
          jobId,
          cancelled
            ? { status: 'cancelled' }
            : {
                status: 'failed',
                error: new StudioError(
                  'INTERNAL',
                  `The job's worker stopped unexpectedly: ${reason}`,
                  'Try again; if it repeats, run `likeness doctor`.',
                ).toJSON(),
              },
        );
      }
    };
    worker.on('error', (error) => onDeath(error.message));
    worker.on('exit', (code) => onDeath(`exit code ${code}`));
    return slot;
  }

  private onWorkerMessage(slot: Slot, message: FromWorker): void {
    const running = this.running.get(message.jobId);
    if (!running || running.slot !== slot) return;
    switch (message.type) {
      case 'progress':
        this.onProgress(message.jobId, running, message.report);
        break;
      case 'event':
        this.emit(message.event);
        break;
      case 'outcome':
        this.settle(message.jobId, message.outcome);
        break;
    }
  }

  private onProgress(jobId: number, running: Running, report: ProgressReport): void {
    const done = report.done ?? null;
    const total = report.total ?? null;
    const progress = total ? Math.min(1, (done ?? 0) / total) : Math.min(1, Math.max(0, report.fraction ?? running.progress));
    running.progress = progress;
    const update: ProgressUpdate = {
      progress,
      // Each report replaces the whole message: a plain message after a keyed one shows as it is.
      message: report.message ?? (report.note ? englishProgress(report.note.key, report.note.params) : null),
      messageKey: report.note?.key ?? null,
      messageParams: report.note?.params ?? null,
      done,
      total,
    };
    running.last = update;
    const now = Date.now();
    if (now - running.persistedAt >= PERSIST_INTERVAL_MS) {
      running.persistedAt = now;
      this.catalog.jobs.progress(jobId, update);
      // A cancel may come from another process sharing the library (the CLI beside the server).
      if (!running.cancelTimer && this.catalog.jobs.get(jobId).cancelRequested) this.cancel(jobId);
    }
    this.emit({ type: 'job:progress', payload: { jobId, ...update } });
  }

  /** Writes a final state, frees the worker, wakes waiters and starts the next job. */
  private settle(jobId: number, outcome: JobOutcome): Job {
    const running = this.running.get(jobId);
    if (running) {
      clearTimeout(running.cancelTimer);
      this.running.delete(jobId);
      this.release(running.slot);
    }
    let job: Job;
    try {
      if (running?.last) this.catalog.jobs.progress(jobId, running.last);
      const record =
        outcome.status === 'done'
          ? this.catalog.jobs.finish(jobId, 'done', { result: outcome.result })
          : outcome.status === 'failed'
            ? this.catalog.jobs.finish(jobId, 'failed', { error: outcome.error, message: outcome.error.message })
            : this.catalog.jobs.finish(jobId, 'cancelled', { message: progressText(outcome.forced ? 'job.cancelledForced' : 'job.cancelled') });
      job = publicJob(record);
    } catch (error) {
      // The final state could not be written (a full disk, say). The row stays "running" and the next start
      // recovers it; everyone waiting here still hears how the job ended, with the reason it was not recorded.
      job = this.unrecordedOutcome(jobId, outcome, error);
    }
    this.emit({ type: 'job:finished', payload: job });
    for (const resolve of this.waiters.get(jobId) ?? []) resolve(job);
    this.waiters.delete(jobId);
    queueMicrotask(() => this.pump());
    return job;
  }

  private unrecordedOutcome(jobId: number, outcome: JobOutcome, cause: unknown): Job {
    const notRecorded = toStudioError(cause);
    const error =
      outcome.status === 'failed'
        ? outcome.error
        : {
            code: notRecorded.code,
            message: `The job ${outcome.status === 'done' ? 'finished' : 'was cancelled'}, but its state could not be saved: ${notRecorded.message}`,
            ...(notRecorded.hint ? { hint: notRecorded.hint } : {}),
          };
    let base: Job | undefined;
    try {
      base = publicJob(this.catalog.jobs.get(jobId));
    } catch {
      base = undefined;
    }
    const now = Date.now();
    return {
      id: jobId,
      kind: base?.kind ?? 'unknown',
      resource: base?.resource ?? 'cpu',
      title: base?.title ?? `Job ${jobId}`,
      input: base?.input ?? null,
      attempts: base?.attempts ?? 1,
      createdAt: base?.createdAt ?? now,
      startedAt: base?.startedAt ?? null,
      progress: base?.progress ?? 0,
      done: base?.done ?? null,
      total: base?.total ?? null,
      status: outcome.status === 'cancelled' ? 'cancelled' : 'failed',
      message: error.message,
      result: outcome.status === 'done' ? outcome.result : null,
      error,
      finishedAt: now,
    };
  }

  private release(slot: Slot): void {
    slot.jobId = null;
    if (this.closed || slot.worker.threadId < 0) return;
    this.idle.push(slot);
    slot.idleTimer = setTimeout(() => void this.discard(slot), this.workerIdleMs);
    slot.idleTimer.unref();
  }

  private discard(slot: Slot): Promise<number> {
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    clearTimeout(slot.idleTimer);
    slot.worker.removeAllListeners('exit');
    slot.worker.removeAllListeners('error');
    slot.worker.on('error', () => {});
    return slot.worker.terminate();
  }

  /**
   * Stops the queue. Running jobs are handed back to the queue when they can resume (the next start
   * picks them up), else marked interrupted with the reason; nothing is left "running".
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    const stopping: Promise<number>[] = [];
    for (const [jobId, running] of this.running) {
      clearTimeout(running.cancelTimer);
      stopping.push(this.discard(running.slot));
      const job = this.catalog.jobs.get(jobId);
      const definition = this.kinds.get(job.kind);
      if (definition?.resumable && !job.cancelRequested) {
        this.catalog.jobs.requeue(jobId, '', progressText('job.paused'));
      } else {
        const reason = new StudioError('INTERRUPTED', 'The app was closed while this job was running.', 'Start it again.');
        this.catalog.jobs.finish(jobId, job.cancelRequested ? 'cancelled' : 'interrupted', { error: reason.toJSON(), message: reason.message });
      }
    }
    this.running.clear();
    for (const slot of [...this.idle]) stopping.push(this.discard(slot));
    // Workers hold their own catalogue connections: wait until they are gone before the caller closes files.
    await Promise.all(stopping);
    // Queued jobs of this process become anyone's: the next process to start adopts them.
    for (const job of this.catalog.jobs.live()) if (job.owner === this.owner) this.catalog.jobs.adopt(job.id, '');
  }

  get activeCount(): number {
    return this.running.size;
  }
}
