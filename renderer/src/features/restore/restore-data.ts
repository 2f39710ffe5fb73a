import { useQuery } from '@tanstack/react-query';
import type { Inspection, PortraitModelState, ProcessResult } from '../../../../native/api/namespaces/portrait';
import { studio } from '../../api';

export type { Inspection, PortraitModelState, ProcessResult };

export const portraitKeys = {
  status: ['portrait', 'status'] as const,
  presets: ['portrait', 'presets'] as const,
  inspect: (outputId: number) => ['portrait', 'inspect', outputId] as const,
};

export function usePortraitStatus() {
  // Models are installed on the Models page: look again whenever this page is shown.
  return useQuery({ queryKey: portraitKeys.status, queryFn: () => studio.api.portrait.status(), staleTime: 0 });
}

export function usePresets() {
  return useQuery({ queryKey: portraitKeys.presets, queryFn: () => studio.api.portrait.listPresets(), staleTime: Infinity });
}

export function useInspection(outputId: number | null) {
  return useQuery({
    queryKey: portraitKeys.inspect(outputId ?? 0),
    queryFn: () => studio.api.portrait.inspect({ source: { outputId: outputId! } }),
    enabled: outputId !== null,
    staleTime: Infinity,
  });
}

export function modelsOfKind(models: readonly PortraitModelState[] | undefined, kind: PortraitModelState['kind']): PortraitModelState[] {
  return (models ?? []).filter((m) => m.kind === kind);
}
