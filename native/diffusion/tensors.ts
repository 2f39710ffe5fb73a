import { StudioError } from '../api/errors';
import { floatArrayFromHalf, halfArrayFrom } from '../inference/float16';
import { Tensor, type OpenedSession, type TensorType } from '../inference/session';

/**
 * Tensors in and out of the diffusion models. The pipeline computes in float32; a model's own element types
 * (float16 exports, int32/int64 ids, float/int64 timesteps) are read from its session and converted at the edge.
 */
export function inputType(session: OpenedSession, name: string): TensorType {
  const info = session.inputs[name];
  if (!info || info.type === 'non-tensor') throw new StudioError('MODEL_ERROR', `${session.model} has no tensor input “${name}”.`);
  return info.type;
}

/** A float tensor of the session input's type (float32 or float16). */
export function floatTensor(session: OpenedSession, name: string, values: Float32Array, dims: readonly number[]): Tensor {
  const type = inputType(session, name);
  if (type === 'float16') return new Tensor('float16', halfArrayFrom(values), dims);
  if (type === 'float32') return new Tensor('float32', values, dims);
  throw new StudioError('MODEL_ERROR', `${session.model} input “${name}” is ${type}; a float was expected.`);
}

/** Integer ids or timesteps in the session input's type (int32, int64, float32 or float16). */
export function numberTensor(session: OpenedSession, name: string, values: readonly number[], dims: readonly number[]): Tensor {
  const type = inputType(session, name);
  switch (type) {
    case 'int32':
      return new Tensor('int32', Int32Array.from(values, Math.round), dims);
    case 'int64':
      return new Tensor(
        'int64',
        BigInt64Array.from(values, (v) => BigInt(Math.round(v))),
        dims,
      );
    case 'float32':
      return new Tensor('float32', Float32Array.from(values), dims);
    case 'float16':
      return new Tensor('float16', halfArrayFrom(values), dims);
    default:
      throw new StudioError('MODEL_ERROR', `${session.model} input “${name}” is ${type}; Likeness cannot feed that.`);
  }
}

/** A float output as float32. */
export function floatValues(tensor: Tensor | undefined, what: string): Float32Array {
  if (!tensor) throw new StudioError('MODEL_ERROR', `The model gave no ${what}.`);
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') return floatArrayFromHalf(tensor.data as Uint16Array);
  throw new StudioError('MODEL_ERROR', `The model's ${what} is ${tensor.type}; a float was expected.`);
}

/** The fixed size of dimension `index` of a model input, if the export fixed it. */
export function fixedDim(session: OpenedSession, name: string, index: number): number | undefined {
  const d = session.inputs[name]?.shape[index];
  return typeof d === 'number' && d > 0 ? d : undefined;
}

/** Concatenates equal-shaped per-item arrays into one batch. */
export function stack(items: readonly Float32Array[]): Float32Array {
  const size = items[0]?.length ?? 0;
  const out = new Float32Array(size * items.length);
  items.forEach((item, i) => out.set(item, i * size));
  return out;
}

/** Splits a batch into `count` equal parts (views). */
export function unstack(batch: Float32Array, count: number): Float32Array[] {
  const size = batch.length / count;
  return Array.from({ length: count }, (_, i) => batch.subarray(i * size, (i + 1) * size));
}
