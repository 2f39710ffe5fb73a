import protobuf from 'protobufjs';

/**
 * Writes ONNX ModelProto bytes for small graphs: the provider probe and tests build models with the real
 * I/O names, shapes and dtypes of the models Likeness runs. Field numbers follow onnx/onnx.proto (IR v8).
 */
const schema = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            docString: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            valueInfo: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7 },
            ints: { rule: 'repeated', type: 'int64', id: 8 },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            type: { type: 'int32', id: 20 },
          },
        },
        ValueInfoProto: { fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, docString: { type: 'string', id: 3 } } },
        TypeProto: {
          fields: { tensorType: { type: 'TypeProtoTensor', id: 1 } },
        },
        TypeProtoTensor: { fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } } },
        TensorShapeProto: { fields: { dim: { rule: 'repeated', type: 'Dimension', id: 1 } } },
        Dimension: { fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 } } },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1 },
            dataType: { type: 'int32', id: 2 },
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            externalData: { rule: 'repeated', type: 'StringStringEntryProto', id: 13 },
            dataLocation: { type: 'int32', id: 14 },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const ModelProto = root.lookupType('onnx.ModelProto');

/** ONNX TensorProto.DataType codes. */
export const OnnxType = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, double: 11 } as const;
export type OnnxTypeName = keyof typeof OnnxType;

const AttributeType = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const;

/** A dimension is a fixed size or a symbolic name (e.g. 'batch'). */
export type Dim = number | string;

export interface ValueSpec {
  name: string;
  type: OnnxTypeName;
  shape: Dim[];
}

export interface TensorSpec {
  name: string;
  type: OnnxTypeName;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Float64Array | Uint16Array;
}

export type AttributeValue = number | string | number[] | string[] | TensorSpec | { int: number } | { ints: number[] };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface GraphSpec {
  name?: string;
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  nodes: NodeSpec[];
  initializers?: TensorSpec[];
  opset?: number;
  metadata?: Record<string, string>;
}

function valueInfo(v: ValueSpec) {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: OnnxType[v.type],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function tensorBytes(t: TensorSpec): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

function tensor(t: TensorSpec) {
  return { name: t.name, dataType: OnnxType[t.type], dims: t.dims, rawData: tensorBytes(t) };
}

/** A tensor whose bytes live at `offset` in the external data file `location` (ONNX external data, data_location = EXTERNAL). */
function externalTensor(t: TensorSpec, location: string, offset: number) {
  const length = t.data.byteLength;
  return {
    name: t.name,
    dataType: OnnxType[t.type],
    dims: t.dims,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  };
}

function attribute(name: string, value: AttributeValue) {
  if (typeof value === 'string') return { name, type: AttributeType.string, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { name, type: AttributeType.int, i: value } : { name, type: AttributeType.float, f: value };
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string'))
      return { name, type: AttributeType.strings, strings: (value as string[]).map((s) => new TextEncoder().encode(s)) };
    const numbers = value as number[];
    return numbers.every(Number.isInteger)
      ? { name, type: AttributeType.ints, ints: numbers }
      : { name, type: AttributeType.floats, floats: numbers };
  }
  if ('int' in value) return { name, type: AttributeType.int, i: value.int };
  if ('ints' in value) return { name, type: AttributeType.ints, ints: value.ints };
  return { name, type: AttributeType.tensor, t: tensor(value) };
}

/** Serialises a graph into ONNX model bytes (IR 8, default opset 17). */
export function buildOnnxModel(graph: GraphSpec): Uint8Array {
  return encodeModel(graph, (graph.initializers ?? []).map(tensor));
}

/**
 * The layout of large exports (optimum writes `model.onnx` + `model.onnx_data`): the graph in one file, the bytes
 * of every initializer of at least `minBytes` (onnx's default threshold is 1024) in `dataFile` (a name relative to
 * the model's folder), each at a 64-byte-aligned offset. Small tensors stay inline, where shape inference reads them.
 */
export function buildOnnxModelWithExternalData(
  graph: GraphSpec,
  dataFile: string,
  options: { minBytes?: number } = {},
): { model: Uint8Array; data: Uint8Array } {
  const { model, chunks } = layoutExternalData(graph, dataFile, options);
  return { model, data: Buffer.concat(chunks) };
}

/** The same layout as chunks to write one after another (models whose weights exceed one buffer). */
export function layoutExternalData(
  graph: GraphSpec,
  dataFile: string,
  options: { minBytes?: number } = {},
): { model: Uint8Array; chunks: Uint8Array[] } {
  const minBytes = options.minBytes ?? 1024;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const initializers = (graph.initializers ?? []).map((t) => {
    if (t.data.byteLength < minBytes) return tensor(t);
    const padding = (64 - (offset % 64)) % 64;
    if (padding) chunks.push(new Uint8Array(padding));
    offset += padding;
    const entry = externalTensor(t, dataFile, offset);
    chunks.push(tensorBytes(t));
    offset += t.data.byteLength;
    return entry;
  });
  return { model: encodeModel(graph, initializers), chunks };
}

function encodeModel(graph: GraphSpec, initializers: object[]): Uint8Array {
  const message = ModelProto.fromObject({
    irVersion: 8,
    producerName: 'likeness',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: graph.opset ?? 17 }],
    metadataProps: Object.entries(graph.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name ?? 'graph',
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: initializers,
      node: graph.nodes.map((n, i) => ({
        name: n.name ?? `${n.op}_${i}`,
        opType: n.op,
        domain: n.domain ?? '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes ?? {}).map(([k, v]) => attribute(k, v)),
      })),
    },
  });
  return ModelProto.encode(message).finish();
}

/** The smallest useful model: y = a + b on float32 [1, 4]. Used to probe execution providers. */
export function additionModel(): Uint8Array {
  return buildOnnxModel({
    name: 'probe',
    inputs: [
      { name: 'a', type: 'float', shape: [1, 4] },
      { name: 'b', type: 'float', shape: [1, 4] },
    ],
    outputs: [{ name: 'y', type: 'float', shape: [1, 4] }],
    nodes: [{ op: 'Add', inputs: ['a', 'b'], outputs: ['y'] }],
  });
}
