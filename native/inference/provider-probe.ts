// Child-process entry: tries to create and run a tiny session on each named execution provider and
// reports the exact error for those that fail. A separate process, because a broken GPU driver can
// crash the process that loads it.
import * as ort from 'onnxruntime-node';
import type { ProviderProbe } from '../api/schemas';
import { additionModel } from './onnx-builder';
import type { ProbeMessage } from './probe-providers';

const send = (message: ProbeMessage) => process.send?.(message);

async function probe(name: ProviderProbe['name'], model: Uint8Array): Promise<ProviderProbe> {
  const started = performance.now();
  try {
    const session = await ort.InferenceSession.create(model, { executionProviders: [name], logSeverityLevel: 4 });
    const a = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 4]);
    const b = new ort.Tensor('float32', Float32Array.from([10, 20, 30, 40]), [1, 4]);
    const { y } = await session.run({ a, b });
    await session.release();
    const values = Array.from((y?.data ?? []) as Float32Array);
    if (values.join(',') !== '11,22,33,44') return { name, status: 'error', error: `wrong result from a test model: ${values.join(',')}` };
    return { name, status: 'ok', millis: Math.round(performance.now() - started) };
  } catch (error) {
    return { name, status: 'error', error: String((error as Error).message ?? error).trim() };
  }
}

const names = process.argv.slice(2) as ProviderProbe['name'][];
send({ type: 'version', version: ort.env.versions.node ?? ort.env.versions.common ?? 'unknown' });
const model = additionModel();
for (const name of names) {
  send({ type: 'trying', name });
  send({ type: 'result', result: await probe(name, model) });
}
process.exit(0);
