import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { studio } from '../../api';
import type { FarmStatus } from '../../api/types';

export const farmKey = ['farm'] as const;

/** How often a page that shows the farm asks again (its workers report every 2 s; no event carries them). */
const FARM_POLL_MS = 2_000;

export function useFarmStatus() {
  return useQuery({
    queryKey: farmKey,
    queryFn: () => studio.api.farm.status(),
    refetchInterval: (query) => (query.state.data?.configured ? FARM_POLL_MS : false),
  });
}

/** Saves (or with null forgets) the farm address; the engine connects first and refuses a wrong one. */
export function useConfigureFarm() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (url: string | null) => studio.api.farm.configure({ url }),
    onSuccess: (status: FarmStatus) => client.setQueryData(farmKey, status),
  });
}

export function onlineWorkers(status: FarmStatus | undefined): number {
  return status?.workers.filter((w) => w.online).length ?? 0;
}
