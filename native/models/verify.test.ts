import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelVerification } from '../api/namespaces/models';
import { writeTinyModelFolder } from '../diffusion/testing/tiny-models';
import { buildOnnxModel } from '../inference/onnx-builder';
import { installTinyModels, tinyModelFiles } from '../portrait/testing/tiny-models';
import { createStudio, type Studio } from '../studio/studio';
import { runLikeness } from '../testing/cli';
import { appRoot } from '../core/entry-points';
import { sharedFile } from '../testing/shared-data';
import { installModelFile } from './installed';
import { findModel, loadRegistry } from './registry';
import { verifyModel } from './verify';

const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const astronaut = sharedFile('fixtures/photos/astronaut.png');
const skip = yunet.missing ?? astronaut.missing;

/**
 * A face embedder with the registry's I/O: the chip pooled to 8×8, projected to the model's dims. `dead`: every
 * weight zero and a constant bias — the same answer for every face, as a broken export gives.
 */
function tinyEmbedder(size: number, dims: number, input: string, output: string, dead = false): Uint8Array {
  let seed = 3;
  const projection = Float32Array.from({ length: 192 * dims }, () => (dead ? 0 : ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1));
  return buildOnnxModel({
    inputs: [{ name: input, type: 'float', shape: [1, 3, size, size] }],
    outputs: [{ name: output, type: 'float', shape: [1, dims] }],
    initializers: [
      { name: 'projection', type: 'float', dims: [192, dims], data: projection },
      { name: 'bias', type: 'float', dims: [dims], data: new Float32Array(dims).fill(dead ? 0.5 : 0) },
      { name: 'flat', type: 'int64', dims: [2], data: BigInt64Array.from([1n, 192n]) },
    ],
    nodes: [
      { op: 'AveragePool', inputs: [input], outputs: ['pooled'], attributes: { kernel_shape: [size / 8, size / 8], strides: [size / 8, size / 8] } },
      { op: 'Reshape', inputs: ['pooled', 'flat'], outputs: ['flattened'] },
      { op: 'MatMul', inputs: ['flattened', 'projection'], outputs: ['projected'] },
      { op: 'Add', inputs: ['projected', 'bias'], outputs: [output] },
    ],
  });
}

describe.skipIf(skip)('likeness models verify', () => {
  let root: string;
  let studio: Studio;
  let library: string;

  // The stand-ins cannot have the pinned sha256 of the real files: a copy of the registry without the pins (the
  // pins themselves are checked in the embedder test below, against the real registry).
  const registryFile = join(tmpdir(), `likeness-verify-registry-${process.pid}.json`);
  const pinned = loadRegistry();
  beforeAll(async () => {
    const unpinned = { ...pinned, models: pinned.models.map((m) => ({ ...m, files: m.files.map(({ sha256: _pin, ...f }) => f) })) };
    writeFileSync(registryFile, JSON.stringify(unpinned));
    process.env.LIKENESS_MODELS_JSON = registryFile;
    root = mkdtempSync(join(tmpdir(), 'likeness-verify-'));
    library = join(root, 'library');
    studio = await createStudio({ library, startJobs: false });
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
  });
  afterAll(async () => {
    await studio?.close();
    delete process.env.LIKENESS_MODELS_JSON;
    rmSync(root, { recursive: true, force: true });
    rmSync(registryFile, { force: true });
  });

  it('passes on the real YuNet: it finds the face in a photo and none in a test pattern (the CLI, as a user runs it)', async () => {
    await studio.close();
    const run = await runLikeness(library, ['models', 'verify', 'yunet-n', '--photo', astronaut.path, '--json']);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ModelVerification;
    expect(report).toMatchObject({ id: 'yunet-n', ok: true });
    expect(report.checks.map((c) => [c.name, c.ok, Boolean(c.skipped)])).toEqual([
      ['files', true, false],
      ['golden: no face in a plain picture', true, false],
      ['golden: finds the face', true, false],
    ]);
    studio = await createStudio({ library, startJobs: false });
    // The Models page shows the last check.
    expect((await studio.api.models.list()).find((m) => m.id === 'yunet-n')!.verified).toMatchObject({ ok: true });
  });

  // Stand-ins with each registry model's real I/O: the verify path runs end to end on them, and a corrupted file
  // fails with a message that names the model and the fault.
  const portraitModels = Object.keys(tinyModelFiles);
  const embedders = pinned.models.filter((m) => m.kind === 'face-embedder');

  it.each(portraitModels)('%s: passes on a stand-in with the real I/O, fails on a corrupted file naming the model', async (id) => {
    const models = studio.catalog.paths.models;
    installTinyModels(models, [id]);
    const model = findModel(id);
    const good = await verifyModel(studio.catalog, id, { photo: astronaut.path });
    expect(
      good.checks.filter((c) => !c.ok),
      good.summary,
    ).toEqual([]);
    expect(good.checks.some((c) => c.name.startsWith('golden') && !c.skipped)).toBe(true);

    // The largest part cut in half, as an interrupted copy leaves it.
    const largest = [...model.files].sort(
      (a, b) => readFileSync(join(models, id, b.path)).length - readFileSync(join(models, id, a.path)).length,
    )[0]!;
    const bytes = readFileSync(join(models, id, largest.path));
    writeFileSync(join(models, id, largest.path), bytes.subarray(0, bytes.length >> 1));
    const bad = await verifyModel(studio.catalog, id, { photo: astronaut.path });
    expect(bad.ok).toBe(false);
    expect(bad.summary).toContain(model.name);
    expect(bad.summary).toMatch(/could not be (loaded|read)|damaged|not an ONNX|does not fit/);
  });

  it.each(embedders.map((m) => m.id))('%s: passes on a stand-in embedder, and one that answers the same for every face fails', async (id) => {
    const model = findModel(id);
    const spec = model.embedding!;
    const target = join(studio.catalog.paths.models, id, model.files[0]!.path);
    mkdirSync(join(studio.catalog.paths.models, id), { recursive: true });
    // The registry's names; a name of digits is a position (any name will do there).
    const named = (values: Record<string, unknown> | undefined, fallback: string) =>
      Object.keys(values ?? {}).find((k) => !/^\d+$/.test(k)) ?? fallback;
    const [input, output] = [named(model.io?.inputs, 'input'), named(model.io?.outputs, 'embedding')];
    writeFileSync(target, tinyEmbedder(spec.size, spec.dims, input, output));
    const good = await verifyModel(studio.catalog, id, { photo: astronaut.path });
    expect(
      good.checks.filter((c) => !c.ok),
      good.summary,
    ).toEqual([]);
    // Against the real registry the stand-in is not the pinned file, and the files check says which.
    process.env.LIKENESS_MODELS_JSON = join(appRoot(), 'assets', 'models.json');
    const impostor = await verifyModel(studio.catalog, id, { photo: astronaut.path }).finally(
      () => (process.env.LIKENESS_MODELS_JSON = registryFile),
    );
    expect(impostor.checks[0]).toMatchObject({
      name: 'files',
      ok: false,
      detail: expect.stringMatching(/has sha256 .*expected .*Download it again/),
    });
    // A dead network: the same numbers for a face and a test pattern.
    writeFileSync(target, tinyEmbedder(spec.size, spec.dims, input, output, true));
    const bad = await verifyModel(studio.catalog, id, { photo: astronaut.path });
    expect(bad.ok, bad.summary).toBe(false);
    expect(bad.summary).toContain(model.name);
  });

  it('a diffusion model: one step gives a picture; a UNet whose weights are cut fails naming the model', async () => {
    const id = 'sd15-onnx';
    const dir = join(studio.catalog.paths.models, id);
    cpSync(writeTinyModelFolder(join(root, 'tiny-sd'), 'sd15'), dir, { recursive: true });
    const model = findModel(id);
    // The tiny folder lacks only special_tokens_map.json of what the export has (the tokenizer does not read it).
    for (const file of model.files.filter((f) => !f.optional && !existsSync(join(dir, f.path)))) {
      expect(file.path).toMatch(/\.json$/);
      writeFileSync(join(dir, file.path), '{}');
    }
    const good = await verifyModel(studio.catalog, id);
    expect(
      good.checks.filter((c) => !c.ok),
      good.summary,
    ).toEqual([]);
    expect(good.checks.find((c) => c.name.startsWith('golden'))).toMatchObject({ ok: true, detail: expect.stringMatching(/512×512 on cpu/) });
    const unet = join(dir, 'unet', 'model.onnx');
    writeFileSync(unet, readFileSync(unet).subarray(0, 200));
    const bad = await verifyModel(studio.catalog, id);
    expect(bad.ok).toBe(false);
    expect(bad.summary).toContain(model.name);
  });
});
