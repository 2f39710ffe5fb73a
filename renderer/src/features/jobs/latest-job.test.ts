import { describe, expect, it } from 'vitest';
import type { Job } from '../../api/types';
import { latestJob } from './latest-job';

const job = (id: number, kind: string) => ({ id, kind }) as Job;

describe('latestJob', () => {
  it('is the matching job with the highest id, whatever the order, or none', () => {
    const jobs = [job(4, 'people.export'), job(9, 'models.download'), job(7, 'people.export'), job(2, 'people.export')];
    expect(latestJob(jobs, (j) => j.kind === 'people.export')?.id).toBe(7);
    expect(latestJob(jobs, (j) => j.kind === 'models.verify')).toBeUndefined();
    expect(latestJob(undefined, () => true)).toBeUndefined();
  });
});
