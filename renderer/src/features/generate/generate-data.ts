import { useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { studio } from '../../api';
import type { GenerateRequest, GenerateResult, ReusedSettings, Template } from '../../../../native/api/namespaces/generate';
import type { LoraInfo, ModelInfo } from '../../../../native/api/namespaces/models';

export type { GenerateRequest, GenerateResult, LoraInfo, ModelInfo, ReusedSettings, Template };

export const generateKeys = {
  models: ['models'] as const,
  loras: ['loras'] as const,
  templates: ['templates'] as const,
  plan: (request: GenerateRequest) => ['generate-plan', request] as const,
  reuse: (outputId: number) => ['generate-reuse', outputId] as const,
};

export function useModels() {
  // Models also arrive from outside the page (the CLI, a download in another window) and no event says so:
  // every page that lists them asks again when it opens.
  return useQuery({ queryKey: generateKeys.models, queryFn: () => studio.api.models.list(), refetchOnMount: 'always' });
}

export function useLoras() {
  return useQuery({ queryKey: generateKeys.loras, queryFn: () => studio.api.models.listLoras() });
}

export function useTemplates() {
  return useQuery({ queryKey: generateKeys.templates, queryFn: () => studio.api.generate.listTemplates(), staleTime: Infinity });
}

export interface Preview {
  image: string;
  step: number;
  steps: number;
}

/** The latest preview of each running generation job (the engine sends a few a second). */
export function usePreviews(): ReadonlyMap<number, Preview> {
  const [previews, setPreviews] = useState<ReadonlyMap<number, Preview>>(new Map());
  useEffect(
    () =>
      studio.subscribe((event) => {
        if (event.type !== 'generate:preview') return;
        const { jobId, image, step, steps } = event.payload;
        setPreviews((current) => new Map(current).set(jobId, { image, step, steps }));
      }),
    [],
  );
  return previews;
}

/** A value that settles `delay` ms after its last change (for plans while typing). */
export function useDebounced<T>(value: T, delay = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return settled;
}
