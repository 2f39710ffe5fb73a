import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StudioEvent } from '../api/events';
import type { Job } from '../api/schemas';
import { Catalog } from '../catalog/catalog';
import { isZombie } from './owner';
import { JobQueue, type JobQueueOptions } from './queue';
import testKinds from './testing/test-kinds';

const kindsModule = pathToFileURL(join(import.meta.dirname, 'testing', 'test-kinds.ts')).href;

let dir: string;
let catalog: Catalog;
let queue: JobQueue | undefined;
let events: StudioEvent[];

function makeQueue(options: Partial<JobQueueOptions> = {}): JobQueue {
  queue = new JobQueue({ catalog, kinds: testKinds, kindsModule, emit: (e) => events.push(e), workerIdleMs: 2_000, ...options });
  return queue;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-queue-'));
  catalog = Catalog.open(dir);
  events = [];
});

afterEach(async () => {
  await queue?.close();
  queue = undefined;
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Waits for a condition (polling every 20 ms, at most 10 s). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(condition()).toBe(true);
}

/** A pid that certainly belonged to a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('JobQueue', () => {
  it('runs a job in a worker thread to done, with progress events and a persisted result', async () => {
    const q = makeQueue();
    q.start();
    const job = q.enqueue('test.sleep', { ms: 100, steps: 5, label: 'a' });
    expect(job.status).toBe('queued');
    const done = await q.waitFor(job.id);
    expect(done.status).toBe('done');
    expect(done.progress).toBe(1);
    expect(done.result).toMatchObject({ label: 'a' });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['job:queued', 'job:started', 'job:progress', 'job:finished']));
    expect(catalog.jobs.get(job.id).status).toBe('done');
  });

  it('throttles progress reports from the worker, and the final state keeps the last one', async () => {
    const q = makeQueue();
    q.start();
    // 500 reports in one tight loop (well under the 100 ms throttle window, however loaded the machine).
    const job = q.enqueue('test.noted', { frames: 500 });
    const done = await q.waitFor(job.id);
    const reports = events.filter((e) => e.type === 'job:progress' && e.payload.jobId === job.id);
    expect(reports.length).toBeGreaterThan(0);
    expect(reports.length).toBeLessThanOrEqual(5);
    expect(done).toMatchObject({ done: 500, total: 500, messageParams: { done: 500, total: 500 } });
  });

  it('keeps a progress message’s key and params beside the English text, in events, the job and its row', async () => {
    const q = makeQueue();
    q.start();
    const job = q.enqueue('test.noted', { frames: 125 });
    const done = await q.waitFor(job.id);
    const expected = { message: 'Animating: frame 125 of 125', messageKey: 'portrait.animatingFrame', messageParams: { done: 125, total: 125 } };
    expect(done).toMatchObject(expected);
    expect(catalog.jobs.get(job.id)).toMatchObject(expected);
    const reports = events.flatMap((e) => (e.type === 'job:progress' && e.payload.jobId === job.id ? [e.payload] : []));
    expect(reports.length).toBeGreaterThan(0);
    for (const report of reports) expect(report.messageKey).toBe('portrait.animatingFrame');

    // A plain message after a keyed one replaces the key too (the UI must not show the old key's text).
    const plain = await q.waitFor(q.enqueue('test.noted', { frames: 3, plainLast: true }).id);
    expect(plain).toMatchObject({ message: 'photo.png', messageKey: null, messageParams: null });
  });

  it('answers get and list with the progress the last event told, not the row’s older one (written every 250 ms)', async () => {
    const stale: string[] = [];
    const q = makeQueue({
      emit: (event) => {
        if (event.type !== 'job:progress') return;
        // Asked the moment the event goes out, as a client that just saw it would.
        const got = q.get(event.payload.jobId);
        const listed = q.list({ limit: 10 }).find((j) => j.id === event.payload.jobId);
        for (const job of [got, listed])
          if (job?.message !== event.payload.message || job?.done !== event.payload.done) stale.push(`${job?.message} ≠ ${event.payload.message}`);
      },
    });
    q.start();
    const job = q.enqueue('test.sleep', { ms: 1_500, steps: 30 });
    const done = await q.waitFor(job.id);
    expect(done.status).toBe('done');
    expect(stale).toEqual([]);
  });

  it('says "cancelled" with a key the UI translates', async () => {
    const q = makeQueue();
    const job = q.enqueue('test.sleep', { ms: 10_000, steps: 100 });
    const cancelled = q.cancel(job.id);
    expect(catalog.jobs.get(job.id)).toMatchObject({ messageKey: 'job.cancelled' });
    expect(cancelled).toMatchObject({ status: 'cancelled', message: 'Cancelled.', messageKey: 'job.cancelled' });
  });

  it('runs one GPU job at a time and CPU jobs in parallel up to the limit', async () => {
    const q = makeQueue({ limits: { cpu: 2, gpu: 1 } });
    q.start();
    const meeting = mkdtempSync(join(dir, 'meet-'));
    const onGpu = mkdtempSync(join(dir, 'gpu-'));
    // Three GPU jobs that each fail if another runs beside them.
    const gpu = [1, 2, 3].map((i) => q.enqueue('test.exclusive-gpu', { dir: onGpu, label: `g${i}` }));
    // Two CPU jobs that can only finish if both run at the same time.
    const cpu = [1, 2].map((i) => q.enqueue('test.rendezvous', { dir: meeting, label: `c${i}`, parties: 2 }));
    const finished = await Promise.all([...gpu, ...cpu].map((j) => q.waitFor(j.id)));
    expect(finished.map((j) => j.error?.message ?? j.status)).toEqual(['done', 'done', 'done', 'done', 'done']);
  });

  it('cancels a queued job at once and a running job between steps', async () => {
    const q = makeQueue({ limits: { cpu: 1 } });
    q.start();
    const running = q.enqueue('test.sleep', { ms: 5_000, steps: 50 });
    const queued = q.enqueue('test.sleep', { ms: 100 });
    expect(q.cancel(queued.id).status).toBe('cancelled');
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (events.some((e) => e.type === 'job:progress' && e.payload.jobId === running.id)) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    q.cancel(running.id);
    const final = await q.waitFor(running.id);
    expect(final.status).toBe('cancelled');
    // Stopped between steps: it never reached the 50th (and was not killed: it stopped when asked).
    expect(final.done).toBeLessThan(50);
    expect(final.messageKey).toBe('job.cancelled');
  });

  it('terminates a worker that ignores cancel after the grace period', async () => {
    const q = makeQueue({ cancelGraceMs: 300 });
    q.start();
    const job = q.enqueue('test.stubborn', { ms: 600_000 });
    // It is running (its one report arrived) and now blocks its thread.
    await waitFor(() => events.some((e) => e.type === 'job:progress' && e.payload.jobId === job.id));
    q.cancel(job.id);
    const final = await q.waitFor(job.id);
    // Reported only once terminate() resolved, i.e. the thread has exited; it never returned its result.
    expect(final).toMatchObject({ status: 'cancelled', messageKey: 'job.cancelledForced', result: null });
    // The queue carries on with a fresh worker.
    expect((await q.waitFor(q.enqueue('test.sleep', { ms: 10, steps: 1 }).id)).status).toBe('done');
  });

  it('records a failure with the error code, message and hint', async () => {
    const q = makeQueue();
    q.start();
    const final = await q.waitFor(q.enqueue('test.fail', {}).id);
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'CORRUPT_FILE', message: 'The test input is damaged.', hint: 'Use another file.' });
  });

  it('still tells waiters how a job ended when its final state cannot be written, and the next start recovers the row', async () => {
    // A real write failure at the worst moment: SQLite refuses the final status update.
    catalog.db.exec(`CREATE TRIGGER refuse_finish BEFORE UPDATE OF status ON jobs WHEN NEW.status = 'done'
      BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END`);
    const q = makeQueue();
    q.start();
    const job = q.enqueue('test.sleep', { ms: 20, steps: 1, label: 'x' });
    const ended = await q.waitFor(job.id);
    expect(ended).toMatchObject({ status: 'failed', result: { label: 'x' } });
    expect(ended.error?.message).toMatch(/finished, but its state could not be saved: database or disk is full/);
    expect(catalog.jobs.get(job.id).status).toBe('running');
    await q.close();
    catalog.db.exec('DROP TRIGGER refuse_finish');
    const next = makeQueue();
    next.start();
    expect((await next.waitFor(job.id)).status).toBe('done');
  });

  it('rejects invalid input before queueing anything', () => {
    const q = makeQueue();
    q.start();
    expect(() => q.enqueue('test.sleep', { ms: -1 })).toThrow(/greater than or equal to 0|>=0/);
    expect(() => q.enqueue('no.such.kind', {})).toThrow(/Unknown job kind/);
    expect(catalog.jobs.list({ limit: 10 })).toHaveLength(0);
  });

  it('after a crash: resumes resumable jobs, marks the others interrupted with the reason, never leaves "running"', async () => {
    const dead = `${hostname()}:${deadPid()}:1`;
    const resumable = catalog.jobs.create({ kind: 'test.sleep', resource: 'cpu', title: 'r', input: { ms: 50, steps: 1, label: 'r' }, owner: dead });
    const fragile = catalog.jobs.create({
      kind: 'test.gpu-sleep',
      resource: 'gpu',
      title: 'f',
      input: { ms: 50, steps: 1, label: 'f' },
      owner: dead,
    });
    const orphanQueued = catalog.jobs.create({
      kind: 'test.sleep',
      resource: 'cpu',
      title: 'q',
      input: { ms: 10, steps: 1, label: 'q' },
      owner: dead,
    });
    catalog.jobs.markRunning(resumable.id, dead);
    catalog.jobs.markRunning(fragile.id, dead);

    const q = makeQueue();
    const report = q.start();
    expect(report).toEqual({ resumed: [resumable.id], interrupted: [fragile.id], adopted: [orphanQueued.id] });
    const interrupted = catalog.jobs.get(fragile.id);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error?.code).toBe('INTERRUPTED');
    expect(interrupted.error?.message).toMatch(/stopped while this job was running/);
    expect((await q.waitFor(resumable.id)).status).toBe('done');
    expect((await q.waitFor(orphanQueued.id)).status).toBe('done');
    expect(catalog.jobs.get(resumable.id).attempts).toBe(2);
  });

  it('takes over the jobs of a process that was killed a moment ago and is still a zombie', async () => {
    // A parent that does not reap its child: the child is a zombie (signals still "reach" it) until the parent ends.
    // sh starts a child that waits for a line, then becomes `sleep`, which never reaps it; the line is sent only once
    // sh has become sleep (had the child ended first, sh could have reaped it: no zombie, depending on timing).
    const holder = spawn('sh', ['-c', 'exec 3<&0; (read line <&3; exit 0) & echo $!; exec sleep 30'], { stdio: ['pipe', 'pipe', 'ignore'] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => holder.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()))));
      await waitFor(() => readFileSync(`/proc/${holder.pid}/comm`, 'utf8').trim() === 'sleep');
      holder.stdin!.write('go\n');
      await waitFor(() => isZombie(zombie));
      const owner = `${hostname()}:${zombie}:1`;
      const job = catalog.jobs.create({ kind: 'test.sleep', resource: 'cpu', title: 'z', input: { ms: 10, steps: 1, label: 'z' }, owner });
      catalog.jobs.markRunning(job.id, owner);
      const q = makeQueue();
      expect(q.start().resumed).toEqual([job.id]);
      expect((await q.waitFor(job.id)).status).toBe('done');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('cancelling a job whose process is gone ends it at once, instead of waiting for that process to notice', async () => {
    const q = makeQueue();
    q.start();
    // Its process died after this queue started (the next heartbeat would take it over too).
    const dead = `${hostname()}:${deadPid()}:1`;
    const job = catalog.jobs.create({ kind: 'test.sleep', resource: 'cpu', title: 'd', input: { ms: 10, steps: 1, label: 'd' }, owner: dead });
    catalog.jobs.markRunning(job.id, dead);
    expect(q.cancel(job.id).status).toBe('cancelled');
    expect(catalog.jobs.get(job.id).status).toBe('cancelled');
  });

  it('leaves jobs of a live process alone', () => {
    const alive = `${hostname()}:${process.pid === 1 ? 2 : 1}:1`; // pid 1 (init) is always alive
    const job = catalog.jobs.create({ kind: 'test.sleep', resource: 'cpu', title: 'x', input: { ms: 10 }, owner: alive });
    catalog.jobs.markRunning(job.id, alive);
    const q = makeQueue();
    expect(q.start()).toEqual({ resumed: [], interrupted: [], adopted: [] });
    expect(catalog.jobs.get(job.id).status).toBe('running');
  });

  it('on close, hands a running resumable job back to the queue for the next start', async () => {
    const q = makeQueue();
    q.start();
    const job = q.enqueue('test.sleep', { ms: 10_000, steps: 100 });
    await waitFor(() => events.some((e) => e.type === 'job:progress' && e.payload.jobId === job.id));
    await q.close();
    const row = catalog.jobs.get(job.id);
    expect(row.status).toBe('queued');
    expect(row.message).toMatch(/resumes on the next start/);
    expect(row.messageKey).toBe('job.paused');
    const next = makeQueue();
    expect(next.start().adopted).toEqual([job.id]);
    next.cancel(job.id);
    expect(((await next.waitFor(job.id)) as Job).status).toBe('cancelled');
  });
});
