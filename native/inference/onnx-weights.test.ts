import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromHalf, halfArrayFrom, toHalf } from './float16';
import { buildOnnxModel, buildOnnxModelWithExternalData, type GraphSpec } from './onnx-builder';
import { externalDataFiles, indexOnnxModel, readFloatInitializer, replaceInitializers } from './onnx-weights';
import { openSession, Tensor } from './session';

const dir = mkdtempSync(join(tmpdir(), 'likeness-weights-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// y = x · W + float(b): one float32 weight and one float16 weight.
const graph: GraphSpec = {
  inputs: [{ name: 'x', type: 'float', shape: [1, 2] }],
  outputs: [{ name: 'y', type: 'float', shape: [1, 2] }],
  initializers: [
    { name: 'proj.weight', type: 'float', dims: [2, 2], data: Float32Array.from([1, 0, 0, 1]) },
    { name: 'bias', type: 'float16', dims: [2], data: halfArrayFrom([1, 2]) },
  ],
  nodes: [
    { op: 'Cast', inputs: ['bias'], outputs: ['bias32'], attributes: { to: { int: 1 } } },
    { op: 'MatMul', inputs: ['x', 'proj.weight'], outputs: ['m'], name: '/proj/MatMul' },
    { op: 'Add', inputs: ['m', 'bias32'], outputs: ['y'] },
  ],
};
const x = new Tensor('float32', Float32Array.from([3, 4]), [1, 2]);

async function run(model: Uint8Array | string, folder?: string): Promise<number[]> {
  const session = await openSession(model, { model: 'test', provider: 'cpu', ...(folder ? { externalDataFolder: folder } : {}) });
  const { y } = await session.run({ x });
  await session.release();
  return [...(y!.data as Float32Array)];
}

describe('half precision', () => {
  it('converts exactly representable values both ways and rounds to nearest even', () => {
    for (const v of [0, 1, -2, 0.5, 65504, 2 ** -24, -0.000061035156]) expect(fromHalf(toHalf(v))).toBeCloseTo(v, 10);
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(70000)).toBe(0x7c00); // overflow → +Inf
    expect(fromHalf(toHalf(1 + 2 ** -11))).toBe(1); // a tie rounds to the even mantissa
  });
});

describe('ONNX weights at the wire level', () => {
  it('lists initializers (inline and external) and nodes with their names, shapes and types', () => {
    const inline = indexOnnxModel(buildOnnxModel(graph));
    expect(inline.initializers.map((i) => [i.name, i.dims, i.dataType, i.source.kind])).toEqual([
      ['proj.weight', [2, 2], 1, 'raw'],
      ['bias', [2], 10, 'raw'],
    ]);
    const { entryStart, entryEnd, ...node } = inline.nodes[1]!;
    expect(node).toEqual({ name: '/proj/MatMul', opType: 'MatMul', domain: '', inputs: ['x', 'proj.weight'], outputs: ['m'] });
    expect(entryEnd).toBeGreaterThan(entryStart);
    const { model } = buildOnnxModelWithExternalData(graph, 'model.onnx_data', { minBytes: 0 });
    const external = indexOnnxModel(model);
    expect(external.initializers.map((i) => i.source)).toEqual([
      { kind: 'external', location: 'model.onnx_data', offset: 0, length: 16 },
      { kind: 'external', location: 'model.onnx_data', offset: 64, length: 4 },
    ]);
    expect(externalDataFiles(external)).toEqual(['model.onnx_data']);
  });

  it('reads float32 and float16 weights, from the model or its external data file', () => {
    const folder = join(dir, 'read');
    mkdirSync(folder);
    const built = buildOnnxModelWithExternalData(graph, 'model.onnx_data', { minBytes: 0 });
    writeFileSync(join(folder, 'model.onnx_data'), built.data);
    const index = indexOnnxModel(built.model);
    expect([...readFloatInitializer(built.model, index.initializers[0]!, folder)]).toEqual([1, 0, 0, 1]);
    expect([...readFloatInitializer(built.model, index.initializers[1]!, folder)]).toEqual([1, 2]);
    expect(() => readFloatInitializer(built.model, index.initializers[0]!, join(dir, 'nowhere'))).toThrow(/weights file .* is missing/);
  });

  it('replaces weights inline, keeping every other byte, and onnxruntime runs the result', async () => {
    const bytes = buildOnnxModel(graph);
    expect(await run(bytes)).toEqual([4, 6]);
    const index = indexOnnxModel(bytes);
    const { model } = replaceInitializers(bytes, index, [
      { info: index.initializers[0]!, values: Float32Array.from([2, 0, 0, 2]) },
      { info: index.initializers[1]!, values: Float32Array.from([0.5, 0.25]) },
    ]);
    expect(await run(model)).toEqual([6.5, 8.25]);
    // The rest of the graph is untouched.
    expect(indexOnnxModel(model).nodes).toEqual(index.nodes);
  });

  it('replaces weights of a model with external data, inline or in a new data file beside the original', async () => {
    const folder = join(dir, 'external');
    mkdirSync(folder);
    const built = buildOnnxModelWithExternalData(graph, 'model.onnx_data', { minBytes: 0 });
    writeFileSync(join(folder, 'model.onnx'), built.model);
    writeFileSync(join(folder, 'model.onnx_data'), built.data);
    expect(await run(join(folder, 'model.onnx'))).toEqual([4, 6]);
    const bytes = readFileSync(join(folder, 'model.onnx'));
    const index = indexOnnxModel(bytes);
    const inline = replaceInitializers(bytes, index, [{ info: index.initializers[0]!, values: Float32Array.from([2, 0, 0, 2]) }]);
    expect(await run(inline.model, folder)).toEqual([7, 10]);
    const file = replaceInitializers(bytes, index, [{ info: index.initializers[1]!, values: Float32Array.from([5, 6]) }], { file: 'merged.bin' });
    writeFileSync(join(folder, 'merged.bin'), file.data);
    expect(await run(file.model, folder)).toEqual([8, 10]);
  });
});
