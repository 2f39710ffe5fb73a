import { writeFileSync } from 'node:fs';
import { halfArrayFrom } from '../../inference/float16';

/** Writes a .safetensors file (tests build LoRA files in the kohya layout with this). */
export function writeSafetensors(
  path: string,
  tensors: Record<string, { shape: number[]; data: Float32Array; dtype?: 'F32' | 'F16' }>,
  metadata: Record<string, string> = {},
): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const parts: Buffer[] = [];
  let offset = 0;
  for (const [name, tensor] of Object.entries(tensors)) {
    let bytes: Buffer;
    if (tensor.dtype === 'F16') {
      bytes = Buffer.from(halfArrayFrom(tensor.data).buffer);
    } else bytes = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = { dtype: tensor.dtype ?? 'F32', shape: tensor.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, ...parts]));
}

/** A .safetensors file from any header (an object, or raw text) and data bytes, with an optional lying length: what a hostile or broken tool might write. */
export function rawSafetensors(header: unknown, data = Buffer.alloc(0), length?: bigint): Buffer {
  const json = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(length ?? BigInt(json.length));
  return Buffer.concat([size, json, data]);
}
