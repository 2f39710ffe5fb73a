import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../api/namespaces/generate';
import type { Person } from '../api/namespaces/people';
import { pictureVaeDecoder, writeTinyModelFolder } from '../diffusion/testing/tiny-models';
import { installModelFile } from '../models/installed';
import { createStudio, type Studio } from '../studio/studio';
import { redisMissing, startRedis, startWorkerProcess, type RedisProcess, type WorkerProcess } from '../testing/farm-processes';
import { waitUntil } from '../testing/serve-process';
import { sharedFile } from '../testing/shared-data';
import { faceApiSamples, portraitsOf, seenAgain, writeSamplePhotos } from './testing/faces';

const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const astronaut = sharedFile('fixtures/photos/astronaut.png');
const SIZE = 256;

async function pixels(image: Buffer) {
  const { data, info } = await sharp(image).resize(SIZE, SIZE).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/**
 * Generation with a person: each image is scored as it lands, and the likeness gate stops the batch once
 * enough candidates look like the person. The tiny models' VAE paints a real face (hers, or a stranger's),
 * so the scores come from the real detector and embedder.
 */
describe.skipIf(yunet.missing || astronaut.missing)('generating for a person: live likeness and the likeness gate', () => {
  let root: string;
  let studio: Studio;
  let person: Person;
  let herModel: string;
  let strangerModel: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-generate-'));
    studio = await createStudio({ library: join(root, 'library') });
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
    person = await studio.api.people.create({ name: 'Eileen', trigger: 'ohwx', classWord: 'woman', cropSize: 512 });
    const photo = readFileSync(astronaut.path);
    const again = await seenAgain(photo);
    const incoming = await writeSamplePhotos(join(root, 'incoming'), photo);
    expect((await studio.jobs.waitFor((await studio.api.people.import({ personId: person.id, paths: [incoming] })).id)).status).toBe('done');

    const stranger = (await portraitsOf(faceApiSamples[0]!, yunet.path))[0]!;
    writeTinyModelFolder(join(root, 'paints-her'), 'sd15', { vaeDecoder: pictureVaeDecoder(await pixels(again.recropped)) });
    writeTinyModelFolder(join(root, 'paints-him'), 'sd15', { vaeDecoder: pictureVaeDecoder(await pixels(stranger)) });
    herModel = (await studio.api.models.addFolder({ path: join(root, 'paints-her'), name: 'Paints her' })).id;
    strangerModel = (await studio.api.models.addFolder({ path: join(root, 'paints-him'), name: 'Paints him' })).id;
  }, 240_000);

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** A small, fast batch for the person (two steps of 256² on the CPU), with what the test adds. */
  const generate = async (request: { model: string; seed: number } & Partial<Parameters<Studio['api']['generate']['start']>[0]>) => {
    const full = { prompt: 'portrait', personId: person.id, steps: 2, size: `${SIZE}x${SIZE}`, provider: 'cpu' as const, ...request };
    const job = await studio.jobs.waitFor((await studio.api.generate.start(full)).id);
    expect(job.error).toBeNull();
    return job.result as GenerateResult;
  };

  it('scores each image of a batch for a person as it lands', async () => {
    const result = await generate({ model: herModel, count: 3, seed: 1 });
    expect(result.likeness).toMatchObject({ model: 'dlib-resnet-v1', scored: 3, unavailable: null });
    const outputs = await studio.api.catalog.getOutputs({ ids: result.outputs });
    for (const output of outputs) expect(output.likeness).toBeGreaterThanOrEqual(75);
  }, 240_000);

  it('stops once the gate has its candidates, and records the gate in the provenance', async () => {
    const result = await generate({
      model: herModel,
      seed: 100,
      likenessGate: { keep: 2, maxTries: 6, minLikeness: 75 },
    });
    expect(result.gate).toMatchObject({ kept: 2, tried: 2, met: true, maxTries: 6 });
    expect(result.outputs).toHaveLength(2);
    const detail = await studio.api.catalog.getOutput({ id: result.outputs[0]! });
    expect(detail.provenance.likenessGate).toEqual({ keep: 2, maxTries: 6, minLikeness: 75 });
  }, 240_000);

  it('tries at most maxTries when the candidates look like someone else, and says the gate was not met', async () => {
    const result = await generate({
      model: strangerModel,
      seed: 200,
      likenessGate: { keep: 1, maxTries: 3, minLikeness: 75 },
    });
    expect(result.gate).toMatchObject({ kept: 0, tried: 3, met: false });
    const outputs = await studio.api.catalog.getOutputs({ ids: result.outputs });
    for (const output of outputs) expect(output.likeness).toBeLessThan(75);
  }, 240_000);

  describe.skipIf(redisMissing())('on the farm (a real redis-server and a `likeness worker` process)', () => {
    let redis: RedisProcess;
    let worker: WorkerProcess;
    beforeAll(async () => {
      redis = await startRedis();
      const box = join(root, 'box');
      const setup = await createStudio({ library: box, startJobs: false });
      for (const folder of ['paints-her', 'paints-him']) await setup.api.models.addFolder({ path: join(root, folder) });
      await setup.close();
      worker = startWorkerProcess(box, redis.url);
      await studio.api.farm.configure({ url: redis.url });
      await waitUntil(async () => (await studio.api.farm.status()).workers.find((w) => w.online), 90_000, 'the worker');
    }, 120_000);
    afterAll(async () => {
      await studio.api.farm.configure({ url: null });
      await worker?.kill();
      await redis?.stop();
    });

    it('scores what the farm makes as it lands, and its gate stops the batch once met', async () => {
      const result = await generate({ model: herModel, seed: 300, runOn: 'farm', likenessGate: { keep: 2, maxTries: 20, minLikeness: 75 } });
      expect(result.farm).toMatchObject({ items: 20 });
      expect(result.gate).toMatchObject({ met: true, maxTries: 20 });
      expect(result.gate!.kept).toBeGreaterThanOrEqual(2);
      // Items go out a few at a time (at least 4, 2 per worker): a gate met early leaves the rest unmade.
      expect(result.gate!.tried).toBeLessThanOrEqual(2 + 4);
      const outputs = await studio.api.catalog.getOutputs({ ids: result.outputs });
      for (const output of outputs) expect(output.likeness).toBeGreaterThanOrEqual(75);
    }, 240_000);

    it('a stranger on the farm: tries at most maxTries and says the gate was not met', async () => {
      const result = await generate({ model: strangerModel, seed: 400, runOn: 'farm', likenessGate: { keep: 1, maxTries: 3, minLikeness: 75 } });
      expect(result.gate).toMatchObject({ kept: 0, tried: 3, met: false });
    }, 240_000);
  });

  it('refuses a gate without a person before queueing', async () => {
    await expect(studio.api.generate.start({ model: herModel, prompt: 'x', likenessGate: { keep: 1, maxTries: 2 } })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
