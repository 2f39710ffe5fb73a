import { beforeEach, describe, expect, it } from 'vitest';
import { StudioError } from '../api/errors';
import { buildOnnxModel } from './onnx-builder';
import { checkProviderChoice, providerCandidates } from './providers';
import {
  describeFallback,
  expectModelIO,
  forgetProviderFailures,
  isProviderFailure,
  openSession,
  rememberedProviderFailures,
  SessionCache,
  Tensor,
  valueName,
  type FallbackNotice,
} from './session';

const model = buildOnnxModel({
  name: 'scale',
  inputs: [{ name: 'x', type: 'float', shape: ['batch', 3] }],
  outputs: [{ name: 'y', type: 'float', shape: ['batch', 3] }],
  initializers: [{ name: 'two', type: 'float', dims: [1], data: Float32Array.from([2]) }],
  nodes: [{ op: 'Mul', inputs: ['x', 'two'], outputs: ['y'] }],
});

describe('openSession', () => {
  beforeEach(() => forgetProviderFailures());
  it('runs a model on the CPU provider and describes its inputs and outputs', async () => {
    const session = await openSession(model, { model: 'scale', provider: 'cpu' });
    expect(session.provider).toBe('cpu');
    expect(session.inputs.x).toEqual({ name: 'x', type: 'float32', shape: ['batch', 3] });
    const { y } = await session.run({ x: new Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]) });
    expect(Array.from(y!.data as Float32Array)).toEqual([2, 4, 6]);
    await session.release();
  });

  it('announces every provider it could not use, with the reason, before running on the CPU', async () => {
    const notices: FallbackNotice[] = [];
    const session = await openSession(model, { model: 'scale', provider: 'dml', onFallback: (n) => notices.push(n) });
    expect(session.provider).toBe('cpu');
    expect(notices).toEqual([{ model: 'scale', provider: 'dml', reason: expect.stringMatching(/dml|backend/i) }]);
    expect(session.fallbacks).toEqual(notices);
    await session.release();
  });

  it('remembers a provider that failed for a provider reason: the next model skips it, and says so', async () => {
    // A provider certainly absent here, whatever GPU the machine has: DirectML exists only on Windows (CoreML there).
    const absent = process.platform === 'win32' ? 'coreml' : 'dml';
    const first: FallbackNotice[] = [];
    const session = await openSession(model, { model: 'scale', provider: absent, onFallback: (n) => first.push(n) });
    expect(session.provider).toBe('cpu');
    await session.release();
    expect(first.map((n) => [n.provider, n.remembered])).toEqual([[absent, undefined]]);
    expect([...rememberedProviderFailures().keys()]).toEqual([absent]);

    // Another model: not tried again, but still announced with the remembered reason.
    const second: FallbackNotice[] = [];
    const again = await openSession(model, { model: 'another model', provider: absent, onFallback: (n) => second.push(n) });
    expect(again.provider).toBe('cpu');
    expect(again.fallbacks).toEqual(second);
    await again.release();
    expect(second).toEqual(first.map((n) => ({ ...n, model: 'another model', remembered: true })));
    expect(describeFallback(second[0]!)).toMatch(new RegExp(`^${absent} is not tried again for another model \\(it failed earlier: `));
    expect(describeFallback(first[0]!)).toMatch(new RegExp(`^${absent} could not run scale: .* — using the next provider$`));

    // After forgetting (a provider was installed), it is tried again.
    forgetProviderFailures();
    const third = await openSession(model, { model: 'scale', provider: absent });
    expect(third.fallbacks.map((n) => n.remembered)).toEqual([undefined]);
    await third.release();
  });

  it('auto runs on the first provider that works here and records every one it passed over, in order', async () => {
    const notices: FallbackNotice[] = [];
    const session = await openSession(model, { model: 'scale', provider: 'auto', onFallback: (n) => notices.push(n) });
    // On this CPU-only machine that is the CPU after the GPU providers; on a GPU machine, its GPU with none passed over.
    const order = providerCandidates('auto', undefined, process.platform);
    const at = order.indexOf(session.provider);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(session.fallbacks.map((n) => n.provider)).toEqual(order.slice(0, at));
    expect(notices).toEqual(session.fallbacks);
    for (const notice of notices) expect(notice.reason.length).toBeGreaterThan(10);
    const { y } = await session.run({ x: new Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]) });
    expect(Array.from(y!.data as Float32Array)).toEqual([2, 4, 6]);
    await session.release();
  });

  it('a build that runs on some providers only is never stepped down to another: refused up front, or with the provider’s own error', async () => {
    // onnxruntime/sd-turbo's card: an fp16 Olive build for CUDA that "cannot run in other providers like CPU and DirectML".
    const cudaOnly = { providers: ['cuda'] as const, reason: 'an fp16 Olive build for NVIDIA GPUs', alternative: 'Stable Diffusion 1.5 (sd15-onnx)' };
    expect(providerCandidates('auto', cudaOnly, 'linux')).toEqual(['cuda']);
    expect(providerCandidates('auto', cudaOnly, 'darwin')).toEqual([]);
    expect(providerCandidates('cpu', cudaOnly, 'linux')).toEqual([]);
    expect(providerCandidates('cuda', undefined, 'linux')).toEqual(['cuda', 'cpu']);
    expect(() => checkProviderChoice('SD-Turbo', 'cpu', cudaOnly)).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED',
        message: expect.stringMatching(/runs only on CUDA .*not on CPU/),
        hint: expect.stringMatching(/sd15-onnx/),
      }),
    );
    await expect(openSession(model, { model: 'unet', provider: 'dml', requirement: cudaOnly })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    // `auto` tries CUDA only: on a machine with a working CUDA provider it runs there, elsewhere it is refused with
    // CUDA's own reason — on no machine does it end on the CPU.
    const notices: FallbackNotice[] = [];
    const outcome = await openSession(model, { model: 'unet', provider: 'auto', requirement: cudaOnly, onFallback: (n) => notices.push(n) }).then(
      async (session) => (await session.release(), session.provider),
      (error: StudioError) => error,
    );
    if (typeof outcome === 'string') expect(outcome).toBe('cuda');
    else {
      expect(outcome).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/CUDA did not start here: .+/) });
      expect(notices.map((n) => n.provider)).toEqual(['cuda']);
    }
  });

  it('tells failures of the provider from failures of the model', () => {
    for (const reason of [
      'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library',
      'libcudnn.so.9: cannot open shared object file: No such file or directory',
      'Failed to get a WebGPU adapter: No supported adapters',
      'no available backend found. ERR: [dml] backend not found.',
      'CUDA failure 100: no CUDA-capable device is detected ; GPU=0',
      'LoadLibrary failed with error 126 "" when trying to load "onnxruntime_providers_cuda.dll"',
    ])
      expect(isProviderFailure(reason), reason).toBe(true);
    for (const reason of [
      "Could not find an implementation for GridSample(20) node with name 'GridSample_42'",
      '[ONNXRuntimeError] : 9 : NOT_IMPLEMENTED : Failed to find kernel for com.microsoft.NhwcConv(1)',
      'Failed to allocate memory for requested buffer of size 1073741824',
      'Load model from /tmp/x.onnx failed:Protobuf parsing failed.',
    ])
      expect(isProviderFailure(reason), reason).toBe(false);
  });

  it('names the model when a file is not an ONNX model', async () => {
    const error = await openSession(new TextEncoder().encode('definitely not protobuf'), { model: 'Broken model', provider: 'cpu' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StudioError);
    expect((error as StudioError).code).toBe('MODEL_ERROR');
    expect((error as StudioError).message).toMatch(/^Broken model could not be loaded/);
  });
});

describe('expectModelIO', () => {
  it('checks outputs by position where an export gives them no stable names, in the model’s own order', async () => {
    // Numeric names would come first as object keys; the model's order is kept.
    const threeOutputs = buildOnnxModel({
      inputs: [{ name: 'x', type: 'float', shape: [1, 3] }],
      outputs: [
        { name: 'pitch', type: 'float', shape: [1, 1] },
        { name: '17', type: 'float', shape: [1, 3] },
        { name: '5', type: 'float', shape: [1, 21, 3] },
      ],
      initializers: [{ name: 'kp', type: 'float', dims: [1, 21, 3], data: new Float32Array(63) }],
      nodes: [
        { op: 'ReduceSum', inputs: ['x'], outputs: ['pitch'], attributes: { axes: [1], keepdims: 1 } },
        { op: 'Identity', inputs: ['x'], outputs: ['17'] },
        { op: 'Identity', inputs: ['kp'], outputs: ['5'] },
      ],
      opset: 12,
    });
    const session = await openSession(threeOutputs, { model: 'Motion extractor', provider: 'cpu' });
    expect(session.outputNames).toEqual(['pitch', '17', '5']);
    expect(() => expectModelIO(session, { outputs: { '0': { rank: 2 }, '1': { shape: [1, 3] }, '2': { shape: [1, 21, 3] } } })).not.toThrow();
    // Element counts where a pipeline reads the value as flat numbers, whatever layout the export declares
    // (FaceFusion reads the translation as 3 numbers and the keypoints as 21 × 3).
    expect(() => expectModelIO(session, { outputs: { '0': { elements: 1 }, '1': { elements: 3 }, '2': { elements: 63 } } })).not.toThrow();
    expect(() => expectModelIO(session, { outputs: { '2': { elements: 60 } } })).toThrow(/output #3 holds 63 values \[1, 21, 3\], expected 60/);
    expect(() => expectModelIO(session, { outputs: { '2': { shape: [1, 20, 3] }, '3': { rank: 2 } } })).toThrow(
      /Motion extractor does not fit: output #3 has shape \[1, 21, 3\], expected size 20 at dimension 1; output #4 is missing/,
    );
    expect(valueName(session, 'outputs', '1')).toBe('17');
    await session.release();
  });

  it('passes a fitting model and names every mismatch of a wrong one', async () => {
    const session = await openSession(model, { model: 'scale', provider: 'cpu' });
    expect(() =>
      expectModelIO(session, { inputs: { x: { type: 'float32', rank: 2, shape: [undefined, 3] } }, outputs: { y: { rank: 2 } } }),
    ).not.toThrow();
    expect(() => expectModelIO(session, { inputs: { input_ids: { type: ['int32', 'int64'] } } })).toThrow(
      /scale does not fit: input “input_ids” is missing/,
    );
    expect(() => expectModelIO(session, { inputs: { x: { type: 'int64' } } })).toThrow(/input “x” is float32, expected int64/);
    expect(() => expectModelIO(session, { inputs: { x: { rank: 4 } } })).toThrow(/has 2 dimensions \[batch, 3\], expected 4/);
    expect(() => expectModelIO(session, { outputs: { y: { shape: [undefined, 5] } } })).toThrow(/expected size 5 at dimension 1/);
    await session.release();
  });
});

describe('SessionCache', () => {
  it('reuses open sessions and releases the oldest beyond capacity', async () => {
    const cache = new SessionCache(1);
    let opened = 0;
    const open = () => {
      opened++;
      return openSession(model, { model: 'scale', provider: 'cpu' });
    };
    const a = await cache.get('a', open);
    expect(await cache.get('a', open)).toBe(a);
    await cache.get('b', open);
    expect(opened).toBe(2);
    await cache.get('a', open);
    expect(opened).toBe(3);
    await cache.releaseAll();
  });
});
