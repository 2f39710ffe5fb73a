import { closeSync, openSync, readSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import protobuf from 'protobufjs';
import { StudioError } from '../api/errors';
import { floatArrayFromHalf, halfArrayFrom } from './float16';
import { OnnxType } from './onnx-builder';

/**
 * Reads and replaces the weights (graph initializers) of an ONNX model at the protobuf wire level: only the
 * initializer entries are decoded and re-encoded, every other byte of the model is kept as it is, so nothing
 * the schema here does not know about is lost. Field numbers follow onnx/onnx.proto: ModelProto.graph = 7;
 * GraphProto.node = 1, .initializer = 5; NodeProto.input/output/name/op_type = 1/2/3/4; TensorProto.dims = 1,
 * .data_type = 2, .float_data = 4, .name = 8, .raw_data = 9, .external_data = 13, .data_location = 14.
 */

export type WeightSource =
  | { kind: 'raw'; offset: number; length: number }
  | { kind: 'float_data'; offset: number; length: number; packed: boolean }
  | { kind: 'external'; location: string; offset: number; length: number | undefined };

export interface InitializerInfo {
  name: string;
  dims: number[];
  /** ONNX TensorProto.DataType code (1 float, 10 float16, …). */
  dataType: number;
  source: WeightSource;
  /** Byte range of the whole entry (tag … end) inside the model bytes. */
  entryStart: number;
  entryEnd: number;
}

export interface NodeInfo {
  name: string;
  opType: string;
  /** '' for the standard ONNX operators; 'com.microsoft' for onnxruntime's own; anything else is a custom op. */
  domain: string;
  inputs: string[];
  outputs: string[];
  /** Byte range of the whole entry (tag … end) inside the model bytes. */
  entryStart: number;
  entryEnd: number;
}

export interface OnnxGraphIndex {
  /** Byte range of the graph message's content inside the model bytes, and where its tag starts. */
  graphTagStart: number;
  graphStart: number;
  graphEnd: number;
  initializers: InitializerInfo[];
  nodes: NodeInfo[];
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

function fail(model: string, why: string): never {
  throw new StudioError('MODEL_ERROR', `${model} could not be read as an ONNX model: ${why}.`, 'The file may be damaged: copy or download it again.');
}

/** Finds the graph, its initializers (with where their bytes are) and its nodes. */
export function indexOnnxModel(bytes: Uint8Array, model = 'the model'): OnnxGraphIndex {
  const reader = protobuf.Reader.create(bytes);
  let graph: { tag: number; start: number; end: number } | undefined;
  while (reader.pos < reader.len) {
    const tagStart = reader.pos;
    const tag = reader.uint32();
    if (tag >>> 3 === 7 && (tag & 7) === WIRE_BYTES) {
      const length = reader.uint32();
      graph = { tag: tagStart, start: reader.pos, end: reader.pos + length };
      reader.skip(length);
    } else reader.skipType(tag & 7);
  }
  if (!graph) fail(model, 'it has no graph');
  const index: OnnxGraphIndex = { graphTagStart: graph.tag, graphStart: graph.start, graphEnd: graph.end, initializers: [], nodes: [] };
  const g = protobuf.Reader.create(bytes.subarray(0, graph.end));
  g.pos = graph.start;
  while (g.pos < graph.end) {
    const entryStart = g.pos;
    const tag = g.uint32();
    const field = tag >>> 3;
    if ((field === 5 || field === 1) && (tag & 7) === WIRE_BYTES) {
      const length = g.uint32();
      const start = g.pos;
      g.skip(length);
      if (field === 5) index.initializers.push(readTensor(bytes, start, start + length, entryStart, model));
      else index.nodes.push(readNode(bytes, start, start + length, entryStart));
    } else g.skipType(tag & 7);
  }
  return index;
}

function readTensor(bytes: Uint8Array, start: number, end: number, entryStart: number, model: string): InitializerInfo {
  const r = protobuf.Reader.create(bytes.subarray(0, end));
  r.pos = start;
  const dims: number[] = [];
  let name = '';
  let dataType = 0;
  let source: WeightSource | undefined;
  let external = false;
  const externalEntries: Record<string, string> = {};
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1) {
      if (wire === WIRE_BYTES) {
        const stop = r.uint32() + r.pos;
        while (r.pos < stop) dims.push(Number(r.int64()));
      } else dims.push(Number(r.int64()));
    } else if (field === 2 && wire === WIRE_VARINT) dataType = r.int32();
    else if (field === 8 && wire === WIRE_BYTES) name = r.string();
    else if (field === 9 && wire === WIRE_BYTES) {
      const length = r.uint32();
      source = { kind: 'raw', offset: r.pos, length };
      r.skip(length);
    } else if (field === 4) {
      if (wire === WIRE_BYTES) {
        const length = r.uint32();
        source = { kind: 'float_data', offset: r.pos, length, packed: true };
        r.skip(length);
      } else fail(model, `initializer ${name || '?'} stores unpacked float_data`);
    } else if (field === 13 && wire === WIRE_BYTES) {
      const stop = r.uint32() + r.pos;
      let key = '';
      let value = '';
      while (r.pos < stop) {
        const t = r.uint32();
        if (t >>> 3 === 1) key = r.string();
        else if (t >>> 3 === 2) value = r.string();
        else r.skipType(t & 7);
      }
      externalEntries[key] = value;
    } else if (field === 14 && wire === WIRE_VARINT) external = r.int32() === 1;
    else r.skipType(wire);
  }
  if (external) {
    const location = externalEntries.location;
    if (!location) fail(model, `initializer ${name} is external but names no file`);
    source = {
      kind: 'external',
      location,
      offset: Number(externalEntries.offset ?? 0),
      length: externalEntries.length === undefined ? undefined : Number(externalEntries.length),
    };
  }
  return { name, dims, dataType, source: source ?? { kind: 'raw', offset: start, length: 0 }, entryStart, entryEnd: end };
}

function readNode(bytes: Uint8Array, start: number, end: number, entryStart: number): NodeInfo {
  const r = protobuf.Reader.create(bytes.subarray(0, end));
  r.pos = start;
  const node: NodeInfo = { name: '', opType: '', domain: '', inputs: [], outputs: [], entryStart, entryEnd: end };
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 1) node.inputs.push(r.string());
    else if (field === 2) node.outputs.push(r.string());
    else if (field === 3) node.name = r.string();
    else if (field === 4) node.opType = r.string();
    else if (field === 7) node.domain = r.string();
    else r.skipType(tag & 7);
  }
  return node;
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * The values of a float32 or float16 initializer as float32, reading external data from the model's folder.
 * (The only weight types LoRA merging touches.)
 */
export function readFloatInitializer(bytes: Uint8Array, info: InitializerInfo, modelDir: string | undefined): Float32Array {
  if (info.dataType !== OnnxType.float && info.dataType !== OnnxType.float16) {
    throw new StudioError('UNSUPPORTED', `The weight ${info.name} is of ONNX type ${info.dataType}; only float32 and float16 weights can be merged.`);
  }
  const size = info.dataType === OnnxType.float ? 4 : 2;
  const count = elementCount(info.dims);
  let data: Uint8Array;
  const { source } = info;
  if (source.kind === 'external') {
    if (!modelDir) throw new StudioError('MODEL_ERROR', `The weight ${info.name} lives in ${source.location}, but the model was given as bytes.`);
    const length = source.length ?? count * size;
    data = readRange(externalDataPath(modelDir, source.location), source.offset, length);
  } else data = bytes.subarray(source.offset, source.offset + source.length);
  if (data.byteLength !== count * size)
    throw new StudioError('MODEL_ERROR', `The weight ${info.name} has ${data.byteLength} bytes for shape [${info.dims.join(', ')}].`);
  const aligned = new Uint8Array(data); // copy: raw bytes in the file need not be aligned for typed arrays
  return size === 4 ? new Float32Array(aligned.buffer, 0, count) : floatArrayFromHalf(new Uint16Array(aligned.buffer, 0, count));
}

/** A small int64 initializer stored inline (a Reshape's shape, as onnxruntime's optimizer writes it: raw_data). */
export function readInt64Initializer(bytes: Uint8Array, info: InitializerInfo): number[] | undefined {
  if (info.dataType !== 7 || info.source.kind !== 'raw') return undefined;
  const count = elementCount(info.dims);
  if (info.source.length !== count * 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + info.source.offset, info.source.length);
  return Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

/** The external data file of a model; ONNX requires a relative path inside the model's folder. */
export function externalDataPath(modelDir: string, location: string): string {
  const clean = normalize(location);
  if (isAbsolute(clean) || clean.startsWith('..'))
    throw new StudioError('MODEL_ERROR', `The model refers to weights outside its folder (${location}).`, 'Use the model folder as exported.');
  return join(modelDir, clean);
}

function readRange(path: string, offset: number, length: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new StudioError('MODEL_ERROR', `The model's weights file ${path} is missing.`, 'Copy the whole model folder, with its .onnx_data files.');
  }
  try {
    const out = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, Math.min(length - done, 1 << 30), offset + done);
      if (n === 0) throw new StudioError('MODEL_ERROR', `The model's weights file ${path} is shorter than the model says.`, 'Copy it again.');
      done += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

export interface WeightReplacement {
  info: InitializerInfo;
  values: Float32Array;
}

/**
 * Model bytes where the given initializers hold new values (in their own dtype). Everything else is byte-for-byte
 * the original. `inline` puts the new values into the model (raw_data; the result must stay under protobuf's
 * 2 GB); `{ file }` points them at offsets of a new external data file, returned as `data`, that the caller
 * writes next to the model's other external data.
 */
export function replaceInitializers(
  bytes: Uint8Array,
  index: OnnxGraphIndex,
  replacements: readonly WeightReplacement[],
  store: 'inline' | { file: string } = 'inline',
): { model: Buffer; data: Buffer } {
  const sorted = [...replacements].sort((a, b) => a.info.entryStart - b.info.entryStart);
  const dataParts: Uint8Array[] = [];
  let dataOffset = 0;
  const graphParts: Uint8Array[] = [];
  let cursor = index.graphStart;
  for (const { info, values } of sorted) {
    if (elementCount(info.dims) !== values.length)
      throw new StudioError('INTERNAL', `Replacement for ${info.name} has ${values.length} values for shape [${info.dims.join(', ')}].`);
    const raw = info.dataType === OnnxType.float16 ? halfArrayFrom(values) : values;
    const chunk = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    let entry: Uint8Array;
    if (store === 'inline') entry = encodeTensor(info, { raw: chunk });
    else {
      const padding = (64 - (dataOffset % 64)) % 64;
      if (padding) dataParts.push(new Uint8Array(padding));
      dataOffset += padding;
      entry = encodeTensor(info, { file: store.file, offset: dataOffset, length: chunk.byteLength });
      dataParts.push(chunk);
      dataOffset += chunk.byteLength;
    }
    graphParts.push(bytes.subarray(cursor, info.entryStart), entry);
    cursor = info.entryEnd;
  }
  graphParts.push(bytes.subarray(cursor, index.graphEnd));
  return { model: withGraph(bytes, index, graphParts), data: Buffer.concat(dataParts) };
}

/** The model bytes with the graph message's content replaced by `graphParts` (its length re-encoded). */
function withGraph(bytes: Uint8Array, index: OnnxGraphIndex, graphParts: readonly Uint8Array[]): Buffer {
  const graphLength = graphParts.reduce((n, p) => n + p.byteLength, 0);
  const header = protobuf.Writer.create()
    .uint32((7 << 3) | WIRE_BYTES)
    .uint32(graphLength)
    .finish();
  return Buffer.concat([bytes.subarray(0, index.graphTagStart), header, ...graphParts, bytes.subarray(index.graphEnd)]);
}

/** An initializer entry (GraphProto field 5, tag and length included) with inline bytes or external data. */
function encodeTensor(info: InitializerInfo, data: { raw: Uint8Array } | { file: string; offset: number; length: number }): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((1 << 3) | WIRE_BYTES).fork();
  for (const d of info.dims) w.int64(d);
  w.ldelim();
  w.uint32((2 << 3) | WIRE_VARINT).int32(info.dataType);
  w.uint32((8 << 3) | WIRE_BYTES).string(info.name);
  if ('raw' in data) w.uint32((9 << 3) | WIRE_BYTES).bytes(data.raw);
  else {
    for (const [key, value] of [
      ['location', data.file],
      ['offset', String(data.offset)],
      ['length', String(data.length)],
    ] as const) {
      w.uint32((13 << 3) | WIRE_BYTES)
        .fork()
        .uint32((1 << 3) | WIRE_BYTES)
        .string(key)
        .uint32((2 << 3) | WIRE_BYTES)
        .string(value)
        .ldelim();
    }
    w.uint32((14 << 3) | WIRE_VARINT).int32(1);
  }
  const body = w.finish();
  return protobuf.Writer.create()
    .uint32((5 << 3) | WIRE_BYTES)
    .bytes(body)
    .finish();
}

/**
 * Model bytes where some nodes are replaced by others (standard-domain, no attributes), everything else kept
 * byte for byte. For small, known rewrites (a sampling node made deterministic), not graph surgery at large.
 */
export function replaceNodes(
  bytes: Uint8Array,
  index: OnnxGraphIndex,
  replacements: readonly { node: NodeInfo; with: { opType: string; inputs: string[]; outputs: string[]; name: string } }[],
): Buffer {
  const sorted = [...replacements].sort((a, b) => a.node.entryStart - b.node.entryStart);
  const parts: Uint8Array[] = [];
  let cursor = index.graphStart;
  for (const { node, with: next } of sorted) {
    const w = protobuf.Writer.create();
    for (const input of next.inputs) w.uint32((1 << 3) | WIRE_BYTES).string(input);
    for (const output of next.outputs) w.uint32((2 << 3) | WIRE_BYTES).string(output);
    w.uint32((3 << 3) | WIRE_BYTES).string(next.name);
    w.uint32((4 << 3) | WIRE_BYTES).string(next.opType);
    const entry = protobuf.Writer.create()
      .uint32((1 << 3) | WIRE_BYTES)
      .bytes(w.finish())
      .finish();
    parts.push(bytes.subarray(cursor, node.entryStart), entry);
    cursor = node.entryEnd;
  }
  parts.push(bytes.subarray(cursor, index.graphEnd));
  return withGraph(bytes, index, parts);
}

/** The external data files a model refers to (relative names). */
export function externalDataFiles(index: OnnxGraphIndex): string[] {
  return [...new Set(index.initializers.flatMap((i) => (i.source.kind === 'external' ? [i.source.location] : [])))];
}

/** The folder a model file's external data is resolved against. */
export function modelFolder(modelPath: string): string {
  return dirname(modelPath);
}
