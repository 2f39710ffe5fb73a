import { catalogApi } from './namespaces/catalog';
import { farmApi } from './namespaces/farm';
import { generateApi } from './namespaces/generate';
import { jobsApi } from './namespaces/jobs';
import { likenessApi } from './namespaces/likeness';
import { modelsApi } from './namespaces/models';
import { peopleApi } from './namespaces/people';
import { portraitApi } from './namespaces/portrait';
import { reelsApi } from './namespaces/reels';
import { reviewApi } from './namespaces/review';
import { systemApi } from './namespaces/system';
import type { MethodSpec } from './method';
import type { z } from 'zod';

export type { MethodSpec } from './method';

/**
 * THE contract, one namespace per area of the studio (each in native/api/namespaces/). Electron IPC,
 * the HTTP server and the CLI all serve exactly this shape; channel names (`ns:method`) and HTTP routes
 * (`POST /api/ns/method`) are derived from it.
 */
export const studioContract = {
  system: systemApi,
  people: peopleApi,
  catalog: catalogApi,
  review: reviewApi,
  jobs: jobsApi,
  models: modelsApi,
  generate: generateApi,
  portrait: portraitApi,
  reels: reelsApi,
  likeness: likenessApi,
  farm: farmApi,
} as const satisfies Record<string, Record<string, MethodSpec>>;

export type StudioContract = typeof studioContract;
export type Namespace = keyof StudioContract;
export type MethodName<N extends Namespace> = keyof StudioContract[N] & string;

type Spec<N extends Namespace, M extends MethodName<N>> = StudioContract[N][M] extends MethodSpec<infer I, infer O> ? { input: I; output: O } : never;

export type MethodInput<N extends Namespace, M extends MethodName<N>> = z.input<Spec<N, M>['input']>;
export type MethodOutput<N extends Namespace, M extends MethodName<N>> = z.output<Spec<N, M>['output']>;

/** Methods whose input has no required field may be called without an argument. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- `{} extends I` is exactly "every field optional"
type Callable<I, O> = {} extends I ? (input?: I) => Promise<O> : (input: I) => Promise<O>;

export type StudioApi = {
  [N in Namespace]: { [M in MethodName<N>]: Callable<MethodInput<N, M>, MethodOutput<N, M>> };
};

/** What an implementation receives: inputs already parsed (defaults applied). */
export type StudioHandlers = {
  [N in Namespace]: { [M in MethodName<N>]: (input: z.output<Spec<N, M>['input']>) => Promise<MethodOutput<N, M>> };
};

export type Channel = { [N in Namespace]: `${N}:${MethodName<N>}` }[Namespace];

export interface ChannelInfo {
  channel: Channel;
  namespace: Namespace;
  method: string;
  spec: MethodSpec;
}

export function channelOf<N extends Namespace>(namespace: N, methodName: MethodName<N>): Channel {
  return `${namespace}:${methodName}` as Channel;
}

/** Every method of the contract, in declaration order: the single source of channel names. */
export const channels: readonly ChannelInfo[] = Object.entries(studioContract).flatMap(([namespace, methods]) =>
  Object.entries(methods).map(([name, spec]) => ({
    channel: `${namespace}:${name}` as Channel,
    namespace: namespace as Namespace,
    method: name,
    spec: spec as MethodSpec,
  })),
);

const channelIndex = new Map(channels.map((c) => [c.channel as string, c]));

export function findChannel(channel: string): ChannelInfo | undefined {
  return channelIndex.get(channel);
}

/** `catalog:import` → `/api/catalog/import` */
export function httpPathOf(channel: Channel): string {
  return `/api/${channel.replace(':', '/')}`;
}
