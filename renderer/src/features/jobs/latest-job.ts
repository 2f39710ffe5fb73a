import type { Job } from '../../api/types';

/** The newest job (highest id) that `matches`: a model's last download, a version's last export. */
export function latestJob(jobs: readonly Job[] | undefined, matches: (job: Job) => boolean): Job | undefined {
  let latest: Job | undefined;
  for (const job of jobs ?? []) if (matches(job) && (!latest || job.id > latest.id)) latest = job;
  return latest;
}
