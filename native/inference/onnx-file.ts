import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StudioError } from '../api/errors';

/**
 * Reads what a model file promises — its graph inputs and outputs, and the external data files its weights
 * live in — without loading it: the protobuf is walked from the file in small reads, jumping over node lists
 * and weights. Checking a 3 GB UNet this way takes milliseconds, so a model folder can be checked when it is
 * added, and a mismatch named before anything runs.
 */
export interface OnnxValue {
  name: string;
  /** ONNX element type name (float32, int64, …) or 'unknown'. */
  type: string;
  /** Fixed sizes as numbers, symbolic ones as their names ('' when unnamed). */
  shape: (number | string)[];
}

export interface ExternalDataUse {
  location: string;
  /** The furthest byte any weight needs: the file must be at least this long. */
  end: number;
}

export interface OnnxSignature {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  externalData: ExternalDataUse[];
}

const elementTypes: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
};

/** A forward reader over a file with a small window; `skip` costs nothing. */
class FileReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  pos = 0;
  readonly size: number;

  constructor(
    private readonly fd: number,
    readonly path: string,
  ) {
    this.size = fstatSync(fd).size;
  }

  private ensure(length: number): void {
    if (this.pos >= this.windowStart && this.pos + length <= this.windowStart + this.window.length) return;
    const want = Math.max(length, 1 << 16);
    const buffer = Buffer.alloc(Math.min(want, this.size - this.pos));
    if (buffer.length < length) throw new RangeError('truncated');
    readSync(this.fd, buffer, 0, buffer.length, this.pos);
    this.window = buffer;
    this.windowStart = this.pos;
  }

  byte(): number {
    this.ensure(1);
    return this.window[this.pos++ - this.windowStart]!;
  }

  varint(): number {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * multiplier;
      if (!(b & 0x80)) return result;
      multiplier *= 128;
    }
    throw new RangeError('bad varint');
  }

  bytes(length: number): Buffer {
    this.ensure(length);
    const start = this.pos - this.windowStart;
    this.pos += length;
    return this.window.subarray(start, start + length);
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const length = this.varint(); // read first: `pos += varint()` would add to the old position
      this.pos += length;
    } else if (wire === 5) this.pos += 4;
    else throw new RangeError(`unsupported wire type ${wire}`);
    if (this.pos > this.size) throw new RangeError('truncated');
  }
}

/** A parser over an in-memory message (small: value infos, tensor headers). */
function fields(buffer: Buffer, visit: (field: number, wire: number, read: { varint(): number; bytes(): Buffer }) => void): void {
  let pos = 0;
  const varint = () => {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      const b = buffer[pos++]!;
      result += (b & 0x7f) * multiplier;
      if (!(b & 0x80)) return result;
      multiplier *= 128;
    }
    throw new RangeError('bad varint');
  };
  while (pos < buffer.length) {
    const tag = varint();
    const wire = tag & 7;
    let consumed = false;
    const read = {
      varint: () => ((consumed = true), varint()),
      bytes: () => {
        consumed = true;
        const length = varint();
        pos += length;
        return buffer.subarray(pos - length, pos);
      },
    };
    visit(tag >>> 3, wire, read);
    if (!consumed) {
      if (wire === 0) varint();
      else if (wire === 1) pos += 8;
      else if (wire === 2) {
        const length = varint();
        pos += length;
      } else if (wire === 5) pos += 4;
      else throw new RangeError(`unsupported wire type ${wire}`);
    }
  }
}

function parseValueInfo(buffer: Buffer): OnnxValue {
  const value: OnnxValue = { name: '', type: 'unknown', shape: [] };
  fields(buffer, (field, wire, read) => {
    if (field === 1 && wire === 2) value.name = read.bytes().toString('utf8');
    else if (field === 2 && wire === 2) {
      fields(read.bytes(), (typeField, typeWire, typeRead) => {
        if (typeField !== 1 || typeWire !== 2) return; // tensor_type only
        fields(typeRead.bytes(), (tf, tw, tr) => {
          if (tf === 1 && tw === 0) value.type = elementTypes[tr.varint()] ?? 'unknown';
          else if (tf === 2 && tw === 2) {
            fields(tr.bytes(), (sf, sw, sr) => {
              if (sf !== 1 || sw !== 2) return;
              let dim: number | string = '';
              fields(sr.bytes(), (df, dw, dr) => {
                if (df === 1 && dw === 0) dim = dr.varint();
                else if (df === 2 && dw === 2) dim = dr.bytes().toString('utf8');
              });
              value.shape.push(dim);
            });
          }
        });
      });
    }
  });
  return value;
}

/** External data references of one initializer (name → location/offset/length), or undefined when inline. */
function externalReference(buffer: Buffer): ExternalDataUse | undefined {
  const entries: Record<string, string> = {};
  let external = false;
  fields(buffer, (field, wire, read) => {
    if (field === 14 && wire === 0) external = read.varint() === 1;
    else if (field === 13 && wire === 2) {
      let key = '';
      let value = '';
      fields(read.bytes(), (f, w, r) => {
        if (f === 1 && w === 2) key = r.bytes().toString('utf8');
        else if (f === 2 && w === 2) value = r.bytes().toString('utf8');
      });
      entries[key] = value;
    }
  });
  if (!external || !entries.location) return undefined;
  return { location: entries.location, end: Number(entries.offset ?? 0) + Number(entries.length ?? 0) };
}

const HEADER_LIMIT = 1 << 20;

export function readOnnxSignature(path: string): OnnxSignature {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    throw new StudioError('NOT_FOUND', `${path} does not exist.`);
  }
  try {
    const reader = new FileReader(fd, path);
    const signature: OnnxSignature = { inputs: [], outputs: [], externalData: [] };
    let sawGraph = false;
    while (reader.pos < reader.size) {
      const tag = reader.varint();
      if (tag >>> 3 === 7 && (tag & 7) === 2) {
        sawGraph = true;
        const graphLength = reader.varint();
        const end = reader.pos + graphLength;
        const byLocation = new Map<string, number>();
        while (reader.pos < end) {
          const graphTag = reader.varint();
          const field = graphTag >>> 3;
          const wire = graphTag & 7;
          if ((field === 11 || field === 12) && wire === 2) {
            const value = parseValueInfo(reader.bytes(reader.varint()));
            (field === 11 ? signature.inputs : signature.outputs).push(value);
          } else if (field === 5 && wire === 2) {
            // A tensor header is small unless it holds its data inline; inline weights are skipped unread.
            const length = reader.varint();
            const next = reader.pos + length;
            if (length <= HEADER_LIMIT) {
              const reference = externalReference(reader.bytes(length));
              if (reference) byLocation.set(reference.location, Math.max(byLocation.get(reference.location) ?? 0, reference.end));
            }
            reader.pos = next;
          } else reader.skip(wire);
        }
        signature.externalData = [...byLocation].map(([location, last]) => ({ location, end: last }));
        reader.pos = end;
      } else reader.skip(tag & 7);
    }
    if (!sawGraph) throw new RangeError('no graph');
    return signature;
  } catch (error) {
    if (error instanceof StudioError) throw error;
    throw new StudioError(
      'MODEL_ERROR',
      `${path} is not a readable ONNX model (${(error as Error).message}).`,
      'The file is damaged or incomplete: copy or download it again.',
    );
  } finally {
    closeSync(fd);
  }
}
