import { StudioError, type StudioErrorShape } from '../api/errors';
import type { Job, JobResource, JobStatus } from '../api/schemas';
import type { Db } from './sqlite';

interface JobRow {
  id: number;
  kind: string;
  resource: JobResource;
  status: JobStatus;
  title: string;
  input: string;
  progress: number;
  message: string | null;
  done_count: number | null;
  total_count: number | null;
  result: string | null;
  error: string | null;
  attempts: number;
  owner: string | null;
  heartbeat_at: number | null;
  cancel_requested: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobRecord extends Job {
  owner: string | null;
  heartbeatAt: number | null;
  cancelRequested: boolean;
}

function toJob(row: JobRow): JobRecord {
  return {
    id: row.id,
    kind: row.kind,
    resource: row.resource,
    status: row.status,
    title: row.title,
    progress: row.progress,
    message: row.message,
    done: row.done_count,
    total: row.total_count,
    input: JSON.parse(row.input) as unknown,
    result: row.result === null ? null : (JSON.parse(row.result) as unknown),
    error: row.error === null ? null : (JSON.parse(row.error) as StudioErrorShape),
    attempts: row.attempts,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    owner: row.owner,
    heartbeatAt: row.heartbeat_at,
    cancelRequested: row.cancel_requested === 1,
  };
}

/** Strips the bookkeeping columns before a job leaves the engine. */
export function publicJob(job: JobRecord): Job {
  const { owner: _owner, heartbeatAt: _heartbeat, cancelRequested: _cancel, ...rest } = job;
  return rest;
}

export interface ProgressUpdate {
  progress: number;
  message: string | null;
  done: number | null;
  total: number | null;
}

/** Persistent job rows: queued → running → done / failed / cancelled / interrupted. */
export class JobsRepository {
  constructor(private readonly db: Db) {}

  create(job: { kind: string; resource: JobResource; title: string; input: unknown; owner: string }): JobRecord {
    const info = this.db
      .prepare(`INSERT INTO jobs (kind, resource, status, title, input, owner, created_at) VALUES (?, ?, 'queued', ?, ?, ?, ?)`)
      .run(job.kind, job.resource, job.title, JSON.stringify(job.input ?? null), job.owner, Date.now());
    return this.get(Number(info.lastInsertRowid));
  }

  get(id: number): JobRecord {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!row) throw new StudioError('NOT_FOUND', `No job with id ${id}.`, 'Reload the Jobs page.');
    return toJob(row);
  }

  list(options: { status?: readonly JobStatus[] | undefined; limit: number }): JobRecord[] {
    const statuses = options.status ?? [];
    const where = statuses.length ? `WHERE status IN (${statuses.map(() => '?').join(', ')})` : '';
    return (this.db.prepare(`SELECT * FROM jobs ${where} ORDER BY id DESC LIMIT ?`).all(...statuses, options.limit) as JobRow[]).map(toJob);
  }

  /** Jobs in a live state (queued or running), oldest first. */
  live(): JobRecord[] {
    return (this.db.prepare(`SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY id`).all() as JobRow[]).map(toJob);
  }

  queuedFor(owner: string, resource: JobResource, limit: number): JobRecord[] {
    return (
      this.db
        .prepare(`SELECT * FROM jobs WHERE status = 'queued' AND owner = ? AND resource = ? ORDER BY id LIMIT ?`)
        .all(owner, resource, limit) as JobRow[]
    ).map(toJob);
  }

  /** queued → running, only if still queued (another process may have taken it). */
  markRunning(id: number, owner: string): boolean {
    const now = Date.now();
    return (
      this.db
        .prepare(
          `UPDATE jobs SET status = 'running', owner = ?, started_at = coalesce(started_at, ?), heartbeat_at = ?, attempts = attempts + 1
           WHERE id = ? AND status = 'queued'`,
        )
        .run(owner, now, now, id).changes === 1
    );
  }

  progress(id: number, update: ProgressUpdate): void {
    this.db
      .prepare(`UPDATE jobs SET progress = ?, message = ?, done_count = ?, total_count = ?, heartbeat_at = ? WHERE id = ? AND status = 'running'`)
      .run(update.progress, update.message, update.done, update.total, Date.now(), id);
  }

  heartbeat(owner: string): void {
    this.db.prepare(`UPDATE jobs SET heartbeat_at = ? WHERE owner = ? AND status = 'running'`).run(Date.now(), owner);
  }

  requestCancel(id: number): void {
    this.db.prepare('UPDATE jobs SET cancel_requested = 1 WHERE id = ?').run(id);
  }

  finish(
    id: number,
    status: Exclude<JobStatus, 'queued' | 'running'>,
    outcome: { result?: unknown; error?: StudioErrorShape | null; message?: string | null },
  ): JobRecord {
    const progressClause = status === 'done' ? ', progress = 1' : '';
    this.db
      .prepare(
        `UPDATE jobs SET status = ?, result = ?, error = ?, message = coalesce(?, message), finished_at = ?${progressClause}
         WHERE id = ? AND status IN ('queued', 'running')`,
      )
      .run(
        status,
        outcome.result === undefined ? null : JSON.stringify(outcome.result),
        outcome.error ? JSON.stringify(outcome.error) : null,
        outcome.message ?? null,
        Date.now(),
        id,
      );
    return this.get(id);
  }

  /** Puts an orphaned job back in the queue under a new owner (resume after a crash). */
  requeue(id: number, owner: string, message: string): JobRecord {
    this.db.prepare(`UPDATE jobs SET status = 'queued', owner = ?, message = ?, cancel_requested = 0 WHERE id = ?`).run(owner, message, id);
    return this.get(id);
  }

  adopt(id: number, owner: string): void {
    this.db.prepare(`UPDATE jobs SET owner = ? WHERE id = ? AND status = 'queued'`).run(owner, id);
  }
}
