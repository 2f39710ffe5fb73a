import { z } from 'zod';
import {
  DirectoryListing,
  DoctorReport,
  Empty,
  Id,
  ImportRequest,
  Job,
  JobQuery,
  OutputDetail,
  OutputPage,
  OutputQuery,
  Person,
  PersonDraft,
  PersonPatch,
  ReviewPatch,
  SystemInfo,
} from './schemas';

/** One API method: a zod schema for what goes in and one for what comes out. */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I;
  readonly output: O;
}

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O): MethodSpec<I, O> {
  return { input, output };
}

/**
 * THE contract. Electron IPC, the HTTP server and the CLI all serve exactly this shape;
 * channel names (`ns:method`) and HTTP routes (`POST /api/ns/method`) are derived from it.
 */
export const studioContract = {
  system: {
    info: method(Empty, SystemInfo),
    doctor: method(Empty, DoctorReport),
    browse: method(z.object({ path: z.string().optional() }), DirectoryListing),
  },
  people: {
    list: method(Empty, z.array(Person)),
    get: method(z.object({ id: Id }), Person),
    create: method(PersonDraft, Person),
    update: method(PersonPatch, Person),
    remove: method(z.object({ id: Id }), z.object({ removed: z.boolean() })),
  },
  catalog: {
    import: method(ImportRequest, Job),
    listOutputs: method(OutputQuery, OutputPage),
    getOutput: method(z.object({ id: Id }), OutputDetail),
  },
  review: {
    set: method(ReviewPatch, z.object({ updated: z.number().int() })),
  },
  jobs: {
    list: method(JobQuery, z.array(Job)),
    get: method(z.object({ id: Id }), Job),
    cancel: method(z.object({ id: Id }), Job),
  },
} as const satisfies Record<string, Record<string, MethodSpec>>;

export type StudioContract = typeof studioContract;
export type Namespace = keyof StudioContract;
export type MethodName<N extends Namespace> = keyof StudioContract[N] & string;

type Spec<N extends Namespace, M extends MethodName<N>> = StudioContract[N][M] extends MethodSpec<infer I, infer O>
  ? { input: I; output: O }
  : never;

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
