import { QueryClient } from '@tanstack/react-query';
import { isStudioError } from '../api/types';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Events keep the caches fresh; refetch on focus only as a safety net.
      staleTime: 30_000,
      // Engine errors (bad input, missing rows) do not get better by retrying.
      retry: (count, error) => !isStudioError(error) && count < 2,
    },
  },
});

export const queryKeys = {
  people: ['people'] as const,
  jobs: ['jobs'] as const,
  outputs: ['outputs'] as const,
  output: (id: number) => ['output', id] as const,
  browse: (path: string | undefined) => ['browse', path ?? ''] as const,
};
