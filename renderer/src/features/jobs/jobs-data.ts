import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useJobsDrawer } from '../../app/drawer';
import { studio } from '../../api';
import type { Job, StudioEventPayload } from '../../api/types';
import { queryKeys } from '../../app/query';

/** How many jobs the UI keeps in view (newest first); the Jobs page and the drawer share this list. */
export const JOBS_LIMIT = 200;

export function isLive(job: Job): boolean {
  return job.status === 'queued' || job.status === 'running';
}

export function useJobs() {
  return useQuery({
    queryKey: queryKeys.jobs,
    queryFn: () => studio.api.jobs.list({ limit: JOBS_LIMIT }),
    // Events update the list; a slow poll while something runs covers a dropped event stream.
    refetchInterval: (query) => (query.state.data?.some(isLive) ? 10_000 : false),
  });
}

/** A job a page started, followed through the shared jobs cache (events keep it current). */
export function useFollowedJob(id: number | null): Job | undefined {
  const jobs = useJobs();
  return id === null ? undefined : jobs.data?.find((job) => job.id === id);
}

/** What a page does with a job it just started: list it at once and say so by the Jobs button ("Show in Jobs"). */
export function useJobStarted(): (job: Job) => void {
  const client = useQueryClient();
  const drawer = useJobsDrawer();
  return useCallback(
    (job: Job) => {
      upsertJob(client, job);
      drawer.announce(job);
    },
    [client, drawer],
  );
}

/** Inserts or replaces one job (queued / started / finished events, API answers), newest first. */
export function upsertJob(client: QueryClient, job: Job): void {
  client.setQueryData<Job[]>(queryKeys.jobs, (jobs) => {
    if (!jobs) return jobs;
    const index = jobs.findIndex((j) => j.id === job.id);
    if (index < 0) return [job, ...jobs].sort((a, b) => b.id - a.id).slice(0, JOBS_LIMIT);
    const current = jobs[index]!;
    // A late "running" copy must not undo a final state already shown.
    if (!isLive(current) && isLive(job)) return jobs;
    const next = jobs.slice();
    next[index] = job;
    return next;
  });
}

export type ProgressPayload = StudioEventPayload<'job:progress'>;

/** Applies progress events in place (they come up to ~10/s per job: no refetch). */
export function applyProgress(client: QueryClient, updates: Iterable<ProgressPayload>): void {
  const byId = new Map<number, ProgressPayload>();
  for (const update of updates) byId.set(update.jobId, update);
  if (!byId.size) return;
  client.setQueryData<Job[]>(queryKeys.jobs, (jobs) => {
    if (!jobs) return jobs;
    let changed = false;
    const next = jobs.map((job) => {
      const update = byId.get(job.id);
      if (!update || !isLive(job)) return job;
      changed = true;
      return {
        ...job,
        status: 'running' as const,
        progress: update.progress,
        message: update.message,
        messageKey: update.messageKey ?? null,
        messageParams: update.messageParams ?? null,
        done: update.done,
        total: update.total,
      };
    });
    return changed ? next : jobs;
  });
}
