import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { studio } from '../api';
import type { StudioEvent } from '../api/types';
import { applyProgress, upsertJob, type ProgressPayload } from '../features/jobs/jobs-data';
import { refreshOutputLists } from './output-refresh';
import { queryKeys, refreshQueries } from './query';

const PROGRESS_FLUSH_MS = 100;
const OUTPUTS_REFRESH_MS = 750;

/**
 * The one subscription to engine events. Job lifecycle events write the jobs cache; progress is
 * batched (every 100 ms) and written in place; new outputs refresh the visible pages of the
 * grid at most every 750 ms (an import adds many per second).
 */
export function useLiveUpdates(): void {
  const client = useQueryClient();
  useEffect(() => {
    const pendingProgress: ProgressPayload[] = [];
    let progressTimer: ReturnType<typeof setTimeout> | undefined;
    let outputsTimer: ReturnType<typeof setTimeout> | undefined;
    let stopOutputsRefresh = () => {};

    const flushProgress = () => {
      clearTimeout(progressTimer);
      progressTimer = undefined;
      applyProgress(client, pendingProgress.splice(0));
    };
    const refreshOutputs = () => {
      outputsTimer ??= setTimeout(() => {
        outputsTimer = undefined;
        stopOutputsRefresh();
        stopOutputsRefresh = refreshOutputLists(client, OUTPUTS_REFRESH_MS);
      }, OUTPUTS_REFRESH_MS);
    };

    const onEvent = (event: StudioEvent) => {
      switch (event.type) {
        case 'job:queued':
        case 'job:started':
          upsertJob(client, event.payload);
          break;
        case 'job:progress':
          pendingProgress.push(event.payload);
          progressTimer ??= setTimeout(flushProgress, PROGRESS_FLUSH_MS);
          break;
        case 'job:finished':
          flushProgress();
          upsertJob(client, event.payload);
          refreshOutputs();
          void refreshQueries(client, { queryKey: queryKeys.people });
          // A download, an install's check, or a vet that found the detector: the model list may have changed
          // (the People page's "detector missing" banner reads it).
          if (event.payload.kind.startsWith('models.') || event.payload.kind === 'people.vet') void refreshQueries(client, { queryKey: ['models'] });
          break;
        case 'output:added':
          refreshOutputs();
          break;
        case 'people:changed':
          void refreshQueries(client, { queryKey: queryKeys.people });
          break;
        case 'review:changed':
          // Not the lists: a decision must not reorder or shrink the grid while someone culls (the
          // review page refreshes its own summaries and offers to refresh a filtered list).
          for (const id of event.payload.ids) void refreshQueries(client, { queryKey: queryKeys.output(id) });
          break;
      }
    };

    const unsubscribe = studio.subscribe(onEvent);
    // After a (re)connection, events may have been missed: refetch what is on screen.
    const unready = studio.onReady(() => void refreshQueries(client));
    return () => {
      unsubscribe();
      unready();
      clearTimeout(progressTimer);
      clearTimeout(outputsTimer);
      stopOutputsRefresh();
    };
  }, [client]);
}
