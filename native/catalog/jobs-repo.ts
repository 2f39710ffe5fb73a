import { StudioError, type StudioErrorShape } from '../api/errors';
import type { ProgressText } from '../api/progress-keys';
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
  message_key?: string | null;
  message_params?: string | null;
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
    messageKey: row.message_key ?? null,
    messageParams: row.message_params ? (JSON.parse(row.message_params) as Record<string, string | number>) : null,
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
  messageKey: string | null;
  messageParams: Record<string, string | number> | null;
  done: number | null;
  total: number | null;
}

const params = (value: Record<string, string | number> | null | undefined): string | null => (value ? JSON.stringify(value) : null);

/** The message columns for plain text (no key) or a translatable progress text. */
function messageColumns(message: string | ProgressText | null | undefined) {
  if (message === null || message === undefined) return { message: null, messageKey: null, messageParams: null };
  if (typeof message === 'string') return { message, messageKey: null, messageParams: null };
  return { message: message.message, messageKey: message.note.key, messageParams: params(message.note.params) };
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
      .prepare(
        `UPDATE jobs SET progress = ?, message = ?, message_key = ?, message_params = ?, done_count = ?, total_count = ?, heartbeat_at = ?
         WHERE id = ? AND status = 'running'`,
      )
      .run(update.progress, update.message, update.messageKey, params(update.messageParams), update.done, update.total, Date.now(), id);
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
    outcome: { result?: unknown; error?: StudioErrorShape | null; message?: string | ProgressText | null },
  ): JobRecord {
    const progressClause = status === 'done' ? ', progress = 1' : '';
    // A new message replaces its key too (an error's text has none); without one the last progress message stays.
    const message = messageColumns(outcome.message);
    this.db
      .prepare(
        `UPDATE jobs SET status = @status, result = @result, error = @error, finished_at = @now${progressClause},
           message = coalesce(@message, message),
           message_key = iif(@message IS NULL, message_key, @messageKey),
           message_params = iif(@message IS NULL, message_params, @messageParams)
         WHERE id = @id AND status IN ('queued', 'running')`,
      )
      .run({
        status,
        result: outcome.result === undefined ? null : JSON.stringify(outcome.result),
        error: outcome.error ? JSON.stringify(outcome.error) : null,
        now: Date.now(),
        id,
        ...message,
      });
    return this.get(id);
  }

  /** Puts an orphaned job back in the queue under a new owner (resume after a crash). */
  requeue(id: number, owner: string, message: ProgressText): JobRecord {
    const columns = messageColumns(message);
    this.db
      .prepare(`UPDATE jobs SET status = 'queued', owner = ?, message = ?, message_key = ?, message_params = ?, cancel_requested = 0 WHERE id = ?`)
      .run(owner, columns.message, columns.messageKey, columns.messageParams, id);
    return this.get(id);
  }

  adopt(id: number, owner: string): void {
    this.db.prepare(`UPDATE jobs SET owner = ? WHERE id = ? AND status = 'queued'`).run(owner, id);
  }
}
