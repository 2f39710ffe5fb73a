import { open, stat } from 'node:fs/promises';
import { StudioError } from '../api/errors';

/**
 * The .safetensors layout (huggingface/safetensors, docs "Format"): 8 bytes of little-endian header length N,
 * N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {…}}`, then the data,
 * offsets relative to its start. The reference loader refuses a header over 100 MB, offsets that are not
 * contiguous, and a byte size that does not match dtype × shape; so does this one, with a message that says
 * which (a malformed file is the user's file, not a bug in Likeness).
 */
export const MAX_HEADER_BYTES = 100_000_000;

const dtypeBytes: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1 };

export interface SafetensorsHeader {
  entries: Map<string, { dtype: string; shape: number[]; begin: number; end: number }>;
  metadata: Record<string, string>;
  /** Where the data starts in the file (8 + header length). */
  dataStart: number;
}

export function corruptSafetensors(name: string, why: string): StudioError {
  return new StudioError(
    'CORRUPT_FILE',
    `${name} is not a readable .safetensors file: ${why}.`,
    'Use the LoRA’s .safetensors file as the trainer wrote it.',
  );
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Checks a parsed header against the size of the data that follows it; returns the entries. */
export function parseSafetensorsHeader(headerText: string, dataBytes: number, name: string): Omit<SafetensorsHeader, 'dataStart'> {
  let header: unknown;
  try {
    header = JSON.parse(headerText);
  } catch {
    throw corruptSafetensors(name, 'its header is not JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) throw corruptSafetensors(name, 'its header is not a JSON object');
  const entries: SafetensorsHeader['entries'] = new Map();
  let metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    if (key === '__metadata__') {
      if (value && typeof value === 'object' && !Array.isArray(value))
        metadata = Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
      continue;
    }
    const spec = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!spec || typeof spec !== 'object') throw corruptSafetensors(name, `${key} has no description`);
    const { dtype, shape, data_offsets: offsets } = spec;
    if (typeof dtype !== 'string' || !(dtype in dtypeBytes)) throw corruptSafetensors(name, `${key} has an unknown type ${String(dtype)}`);
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every(isCount)) throw corruptSafetensors(name, `${key} has an invalid shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) throw corruptSafetensors(name, `${key} has invalid data offsets`);
    const [begin, end] = offsets as [number, number];
    if (end < begin || end > dataBytes) throw corruptSafetensors(name, `the data of ${key} lies outside the file`);
    const count = shape.reduce((n: number, d: number) => n * d, 1);
    if (count * dtypeBytes[dtype]! !== end - begin) throw corruptSafetensors(name, `${key} has the wrong number of bytes for its shape`);
    entries.set(key, { dtype, shape: shape as number[], begin, end });
  }
  // Tensors may not overlap (the reference loader also wants them contiguous; overlap is what breaks reads).
  const spans = [...entries].sort(([, a], [, b]) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![1].begin < spans[i - 1]![1].end) throw corruptSafetensors(name, `the data of ${spans[i]![0]} overlaps ${spans[i - 1]![0]}`);
  }
  return { entries, metadata };
}

/**
 * Reads and checks only the header of a .safetensors file on disk (a LoRA of hundreds of MB is never read
 * whole to be added). A FIFO, a device or a folder is refused before it is opened: opening a FIFO would wait
 * for a writer, and /dev/zero never ends.
 */
export async function readSafetensorsHeader(path: string, name: string): Promise<SafetensorsHeader & { size: number }> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new StudioError('NOT_FOUND', `${path} does not exist.`, 'Pick the LoRA’s .safetensors file.');
  if (!info.isFile()) throw new StudioError('INVALID_INPUT', `${name} is not a regular file.`, 'Pick the LoRA’s .safetensors file itself.');
  if (info.size < 8) throw corruptSafetensors(name, 'it is too short');
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    await file.read(head, 0, 8, 0);
    const length = Number(head.readBigUInt64LE(0));
    if (length <= 1 || length > MAX_HEADER_BYTES || 8 + length > info.size) throw corruptSafetensors(name, 'its header length is wrong');
    const header = Buffer.alloc(length);
    await file.read(header, 0, length, 8);
    return { ...parseSafetensorsHeader(header.toString('utf8'), info.size - 8 - length, name), dataStart: 8 + length, size: info.size };
  } finally {
    await file.close();
  }
}
