import { useQuery } from '@tanstack/react-query';
import { studio } from '../../api';
import { queryKeys } from '../../app/query';
import { useModels } from '../generate/generate-data';

/** Query keys of this feature: all under ['people', …], so the `people:changed` event refreshes them. */
export const peopleKeys = {
  person: (id: number) => [...queryKeys.people, id] as const,
  photos: (id: number) => [...queryKeys.people, id, 'photos'] as const,
  versions: (id: number) => [...queryKeys.people, id, 'versions'] as const,
  loras: (id: number) => [...queryKeys.people, id, 'loras'] as const,
  trainer: [...queryKeys.people, 'trainer'] as const,
};

export function usePerson(id: number) {
  return useQuery({ queryKey: peopleKeys.person(id), queryFn: () => studio.api.people.get({ id }) });
}

export function usePhotos(id: number) {
  return useQuery({ queryKey: peopleKeys.photos(id), queryFn: () => studio.api.people.listPhotos({ personId: id }) });
}

export function useVersions(id: number) {
  return useQuery({ queryKey: peopleKeys.versions(id), queryFn: () => studio.api.people.listVersions({ personId: id }) });
}

export function useLoras(id: number) {
  return useQuery({ queryKey: peopleKeys.loras(id), queryFn: () => studio.api.people.listLoras({ personId: id }) });
}

export function useTrainer() {
  return useQuery({ queryKey: peopleKeys.trainer, queryFn: () => studio.api.people.trainer() });
}

/** The face detector vetting needs (native/inference/face-detector.ts). */
export const DETECTOR_MODEL_ID = 'yunet-n';

/** True once the model list says the face detector is not installed (undefined while it loads). */
export function useDetectorMissing(): boolean | undefined {
  const models = useModels();
  if (!models.data) return undefined;
  return models.data.find((m) => m.id === DETECTOR_MODEL_ID)?.state !== 'installed';
}
