import type { TFunction } from 'i18next';
import type { Job } from '../../api/types';

/**
 * A job's progress message in the user's language: the engine's key (see native/api/progress-keys.ts) looked up
 * under `jobs.progress`, with its params. A message without a key, or with a key this UI does not know (a newer
 * engine), shows the engine's English text.
 */
export function jobMessage(t: TFunction, job: Pick<Job, 'message' | 'messageKey' | 'messageParams'>): string | null {
  if (job.messageKey) {
    const key = `jobs.progress.${job.messageKey}`;
    const translated = t(key, { ...(job.messageParams ?? {}), defaultValue: '' });
    if (translated && translated !== key) return translated;
  }
  return job.message;
}
