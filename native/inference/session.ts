import * as ort from 'onnxruntime-node';
import { statSync } from 'node:fs';
import { StudioError } from '../api/errors';
import { progressText, type ProgressText } from '../api/progress-keys';
import type { ProviderName } from '../api/schemas';
import { providerCandidates, unsupportedProvider, type ProviderRequirement } from './providers';

export { Tensor } from 'onnxruntime-node';
export type TensorType = ort.Tensor.Type;
export type Feeds = Record<string, ort.Tensor>;
export type Results = Record<string, ort.Tensor>;

export type ProviderChoice = 'auto' | ProviderName;

/** A provider that was tried and could not be used, with onnxruntime's own reason. */
export interface FallbackNotice {
  model: string;
  provider: ProviderName;
  reason: string;
  /** Not tried again: it failed for this reason earlier in this process (see rememberedProviderFailures). */
  remembered?: true;
}

/**
 * Failures that are about the provider, not the model: its library or driver is missing, onnxruntime-node was
 * built without it, there is no GPU or adapter. Every model would fail the same way, so they are remembered.
 * An operator a provider lacks, a wrong file or too little memory depend on the model and are not.
 */
const providerFailurePatterns: readonly RegExp[] = [
  /failed to load (the )?(shared )?library/i,
  /cannot open shared object file/i,
  /LoadLibrary(Ex)? failed|error code 126/i,
  /no available backend found|backend not found/i,
  /webgpu adapter|no supported adapters/i,
  /no cuda-capable device|cudaErrorNoDevice|CUDA driver version is insufficient|cudaErrorInsufficientDriver/i,
  /failed to create (a )?(d3d12|dxgi|directml|dml) device|no (suitable|compatible) (gpu|adapter)/i,
];

export function isProviderFailure(reason: string): boolean {
  return providerFailurePatterns.some((pattern) => pattern.test(reason));
}

/**
 * Providers that failed for a provider reason in this process (each worker thread has its own copy): the
 * next model skips them instead of trying CUDA and WebGPU again on a machine without them, and is told so.
 */
const failedProviders = new Map<ProviderName, string>();

export function rememberedProviderFailures(): ReadonlyMap<ProviderName, string> {
  return failedProviders;
}

/** After a provider was installed or repaired (e.g. `likeness gpu install cuda`): try every provider again. */
export function forgetProviderFailures(): void {
  failedProviders.clear();
}

/** A notice as results and provenance keep it (plain JSON). */
export function fallbackRecord(notice: FallbackNotice): { model: string; provider: ProviderName; reason: string; remembered?: true } {
  return { model: notice.model, provider: notice.provider, reason: notice.reason, ...(notice.remembered ? { remembered: true as const } : {}) };
}

/** What a job says about a fallback, in one line (English; `fallbackProgress` gives the translatable form too). */
export function describeFallback(notice: FallbackNotice): string {
  return fallbackProgress(notice).message;
}

/** A fallback as a job's progress message (the reason is the runtime's own text and stays as it is). */
export function fallbackProgress(notice: FallbackNotice): ProgressText {
  const params = { provider: notice.provider, model: notice.model, reason: notice.reason };
  return progressText(notice.remembered ? 'inference.fallbackRemembered' : 'inference.fallback', params);
}

export interface TensorInfo {
  name: string;
  type: TensorType | 'non-tensor';
  /** Fixed sizes as numbers, symbolic ones (batch, height…) as names. */
  shape: readonly (number | string)[];
}

export interface OpenedSession {
  /** A name for messages: "YuNet face detector", "unet/model.onnx"… */
  model: string;
  /** The provider that runs this session: shown to the user and stored with every output. */
  provider: ProviderName;
  fallbacks: FallbackNotice[];
  inputs: Record<string, TensorInfo>;
  outputs: Record<string, TensorInfo>;
  /** Names in the model's own order (object keys would put numeric names first). */
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Feeds, options?: { outputs?: string[] }): Promise<Results>;
  release(): Promise<void>;
}

export interface OpenOptions {
  /** Human name for messages. */
  model: string;
  provider?: ProviderChoice;
  /** Told about every provider that failed before the one used (announce it; never fall back silently). */
  onFallback?: (notice: FallbackNotice) => void;
  sessionOptions?: Omit<ort.InferenceSession.SessionOptions, 'executionProviders'>;
  /**
   * For a model given as bytes: external data files supplied from memory (e.g. merged LoRA weights), and the
   * folder its other external data files (`model.onnx_data`) are read from.
   */
  externalData?: { path: string; data: Uint8Array }[];
  externalDataFolder?: string;
  /** The providers this model runs on at all: never fall back to another (a CUDA-only build on the CPU). */
  requirement?: ProviderRequirement | undefined;
}

/**
 * Session options whose CPU helper threads sleep between the steps of a run instead of spinning (onnxruntime's
 * session config key session.intra_op.allow_spinning, onnxruntime_session_options_config_keys.h): for models run
 * while libvips needs the cores (see face-detector's DetectorSession).
 */
export const sleepingHelpers: ort.InferenceSession.SessionOptions = { extra: { session: { intra_op: { allow_spinning: '0' } } } };

/**
 * LIKENESS_CPU_THREADS: the CPU provider's thread count (onnxruntime's default is one per core). Set it where
 * several processes share one machine's cores — two farm workers on one CPU box, or a bench that measures them.
 */
function cpuThreads(provider: ProviderName): Pick<ort.InferenceSession.SessionOptions, 'intraOpNumThreads'> {
  const threads = Number(process.env.LIKENESS_CPU_THREADS);
  return provider === 'cpu' && Number.isInteger(threads) && threads > 0 ? { intraOpNumThreads: threads } : {};
}

function firstLine(message: string): string {
  return message.trim().split('\n')[0] ?? message;
}

function describe(metadata: readonly ort.InferenceSession.ValueMetadata[]): Record<string, TensorInfo> {
  return Object.fromEntries(
    metadata.map((m) => [m.name, m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] }]),
  );
}

/**
 * Opens an ONNX model on the requested provider, or in the per-OS order for `auto`, stepping down to the
 * next provider (and finally the CPU) with a notice for each one that failed. A model that no provider can
 * load is a MODEL_ERROR naming the model.
 */
export async function openSession(source: string | Uint8Array, options: OpenOptions): Promise<OpenedSession> {
  const choice = options.provider ?? 'auto';
  const order = providerCandidates(choice, options.requirement);
  if (!order.length) throw unsupportedProvider(options.model, choice, options.requirement!);
  const fallbacks: FallbackNotice[] = [];
  let lastError = '';
  const announce = (notice: FallbackNotice) => {
    fallbacks.push(notice);
    options.onFallback?.(notice);
  };
  for (const provider of order) {
    const known = provider === 'cpu' ? undefined : failedProviders.get(provider);
    if (known !== undefined) {
      announce({ model: options.model, provider, reason: known, remembered: true });
      lastError = known;
      continue;
    }
    try {
      const sessionOptions: ort.InferenceSession.SessionOptions = {
        ...cpuThreads(provider),
        ...options.sessionOptions,
        executionProviders: [provider],
        logSeverityLevel: options.sessionOptions?.logSeverityLevel ?? 3,
        ...(options.externalData ? { externalData: options.externalData } : {}),
        ...(options.externalDataFolder
          ? {
              extra: {
                ...(options.sessionOptions?.extra as Record<string, unknown> | undefined),
                session: { model_external_initializers_file_folder_path: options.externalDataFolder },
              },
            }
          : {}),
      };
      const session =
        typeof source === 'string'
          ? await ort.InferenceSession.create(source, sessionOptions)
          : await ort.InferenceSession.create(source, sessionOptions);
      return {
        model: options.model,
        provider,
        fallbacks,
        inputs: describe(session.inputMetadata),
        outputs: describe(session.outputMetadata),
        inputNames: session.inputMetadata.map((m) => m.name),
        outputNames: session.outputMetadata.map((m) => m.name),
        run: (feeds, runOptions) => (runOptions?.outputs ? session.run(feeds, runOptions.outputs) : session.run(feeds)) as Promise<Results>,
        release: () => session.release(),
      };
    } catch (error) {
      lastError = firstLine(String((error as Error)?.message ?? error));
      if (provider === 'cpu') break;
      if (isProviderFailure(lastError)) failedProviders.set(provider, lastError);
      announce({ model: options.model, provider, reason: lastError });
    }
  }
  // A model limited to some providers, none of which started: say so, rather than that the file is damaged.
  if (options.requirement && fallbacks.length === order.length) throw unsupportedProvider(options.model, choice, options.requirement, lastError);
  throw new StudioError(
    'MODEL_ERROR',
    `${options.model} could not be loaded: ${lastError}`,
    'The model file may be damaged or not an ONNX model: download it again, or pick the right file.',
  );
}

export interface ExpectedValue {
  /** Accepted element types (e.g. ['int32', 'int64'] for input_ids). */
  type?: TensorType | readonly TensorType[];
  rank?: number;
  /** Fixed sizes to check (undefined entries are not checked; symbolic dims always pass). */
  shape?: readonly (number | undefined)[];
  /** The number of elements, when every dim is fixed: for values read as flat arrays, whatever their layout. */
  elements?: number;
}

function mismatch(info: TensorInfo | undefined, expected: ExpectedValue): string | undefined {
  if (!info) return 'is missing';
  const types = expected.type === undefined ? undefined : Array.isArray(expected.type) ? expected.type : [expected.type];
  if (types && !types.includes(info.type as TensorType)) return `is ${info.type}, expected ${types.join(' or ')}`;
  if (expected.rank !== undefined && info.shape.length && info.shape.length !== expected.rank) {
    return `has ${info.shape.length} dimensions [${info.shape.join(', ')}], expected ${expected.rank}`;
  }
  const bad = (expected.shape ?? []).findIndex((size, i) => size !== undefined && typeof info.shape[i] === 'number' && info.shape[i] !== size);
  if (bad >= 0) return `has shape [${info.shape.join(', ')}], expected size ${expected.shape![bad]} at dimension ${bad}`;
  if (expected.elements !== undefined && info.shape.length && info.shape.every((d) => typeof d === 'number')) {
    const count = (info.shape as number[]).reduce((a, b) => a * b, 1);
    if (count !== expected.elements) return `holds ${count} values [${info.shape.join(', ')}], expected ${expected.elements}`;
  }
  return undefined;
}

/**
 * A value by name, or — for a key of digits — by position: some exports (LivePortrait's motion extractor)
 * give their outputs no stable names, only a stable order.
 */
function valueInfo(session: OpenedSession, side: 'inputs' | 'outputs', key: string): TensorInfo | undefined {
  const values = session[side];
  if (values[key]) return values[key];
  if (!/^\d+$/.test(key)) return undefined;
  const name = (side === 'inputs' ? session.inputNames : session.outputNames)[Number(key)];
  return name === undefined ? undefined : values[name];
}

/** The real name of a value given by name or by position (see expectModelIO). */
export function valueName(session: OpenedSession, side: 'inputs' | 'outputs', key: string): string {
  const info = valueInfo(session, side, key);
  if (!info) throw new StudioError('MODEL_ERROR', `${session.model} has no ${side === 'inputs' ? 'input' : 'output'} ${key}.`);
  return info.name;
}

/**
 * Checks a model's inputs and outputs against what a pipeline needs, before running anything, so a wrong
 * file gets an error that names the model and the mismatch instead of a crash mid-job. A key of digits
 * ("0", "1"…) names a value by its position.
 */
export function expectModelIO(
  session: OpenedSession,
  expected: { inputs?: Record<string, ExpectedValue>; outputs?: Record<string, ExpectedValue> },
): void {
  const problems: string[] = [];
  for (const [side, wanted, values] of [
    ['input', expected.inputs ?? {}, 'inputs'],
    ['output', expected.outputs ?? {}, 'outputs'],
  ] as const) {
    for (const [name, spec] of Object.entries(wanted)) {
      const problem = mismatch(valueInfo(session, values, name), spec);
      if (problem) problems.push(`${side} ${/^\d+$/.test(name) ? `#${Number(name) + 1}` : `“${name}”`} ${problem}`);
    }
  }
  if (problems.length) {
    const has = `it has inputs ${session.inputNames.join(', ') || 'none'}; outputs ${session.outputNames.join(', ') || 'none'}`;
    throw new StudioError(
      'MODEL_ERROR',
      `${session.model} does not fit: ${problems.join('; ')} (${has}).`,
      'This file is not the model Likeness expects here: pick the right file or download it again.',
    );
  }
}

/** A cache key for a model file that changes when the file is replaced (path, size, modification time). */
export function fileStamp(path: string): string {
  const info = statSync(path, { throwIfNoEntry: false });
  return info ? `${path}:${info.size}:${info.mtimeMs}` : path;
}

/** Keeps a few sessions open between jobs of a worker (loading large models takes seconds); the oldest goes first. */
export class SessionCache {
  private readonly entries = new Map<string, Promise<OpenedSession>>();

  constructor(private readonly capacity = 4) {}

  get(key: string, open: () => Promise<OpenedSession>): Promise<OpenedSession> {
    const existing = this.entries.get(key);
    if (existing) {
      this.entries.delete(key);
      this.entries.set(key, existing);
      return existing;
    }
    const opening = open();
    opening.catch(() => this.entries.delete(key));
    this.entries.set(key, opening);
    while (this.entries.size > this.capacity) {
      const [oldest, session] = this.entries.entries().next().value as [string, Promise<OpenedSession>];
      this.entries.delete(oldest);
      void session.then((s) => s.release()).catch(() => {});
    }
    return opening;
  }

  async releaseAll(): Promise<void> {
    const sessions = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(sessions.map((s) => s.then((x) => x.release()).catch(() => {})));
  }
}
