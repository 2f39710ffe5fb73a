import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerateResult } from '../api/namespaces/generate';
import { writeTinyModelFolder } from '../diffusion/testing/tiny-models';
import { createStudio, type Studio } from '../studio/studio';
import { serveModelFolder, type LocalRegistry } from '../testing/local-registry';

/** A studio whose model registry is `registry` (LIKENESS_MODELS_JSON), with its library under `root`. */
async function studioWithRegistry(root: string, registry: unknown): Promise<Studio> {
  writeFileSync(join(root, 'models.json'), JSON.stringify(registry));
  process.env.LIKENESS_MODELS_JSON = join(root, 'models.json');
  return createStudio({ library: join(root, 'library') });
}

async function closeAll(studio: Studio | undefined, stopServer: () => Promise<unknown>, root: string): Promise<void> {
  await studio?.close();
  delete process.env.LIKENESS_MODELS_JSON;
  await stopServer();
  rmSync(root, { recursive: true, force: true });
}

/** A registry model served from 127.0.0.1: the tiny SD 1.5 folder, file by file, slowly enough to cancel. */
describe('downloading a registry model through the studio (local HTTP server)', () => {
  let root: string;
  let registry: LocalRegistry;
  let studio: Studio;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-registry-'));
    const source = writeTinyModelFolder(join(root, 'served'), 'sd15-int64');
    registry = await serveModelFolder(source, join(root, 'models.json'), { id: 'tiny-sd', family: 'sd15', name: 'Tiny SD (served)' }, [
      { path: 'unet/weights.pb', optional: true },
    ]);
    registry.slow = true;
    process.env.LIKENESS_MODELS_JSON = registry.file;
    studio = await createStudio({ library: join(root, 'library') });
  });

  afterAll(() => closeAll(studio, () => registry.close(), root));

  it('shows byte progress, can be cancelled, resumes with Range requests, verifies, then generates', async () => {
    expect((await studio.api.models.list()).find((m) => m.id === 'tiny-sd')).toMatchObject({ state: 'missing', downloadJobId: null });
    const job = await studio.api.models.download({ id: 'tiny-sd' });
    // Asking again while it runs returns the same job.
    expect((await studio.api.models.download({ id: 'tiny-sd' })).id).toBe(job.id);
    await new Promise<void>((resolve) => {
      const stop = studio.events.subscribe((event) => {
        if (event.type === 'job:progress' && event.payload.jobId === job.id && event.payload.progress > 0.2) {
          stop();
          resolve();
        }
      });
    });
    await studio.api.jobs.cancel({ id: job.id });
    expect((await studio.jobs.waitFor(job.id)).status).toBe('cancelled');
    const partial = (await studio.api.models.list()).find((m) => m.id === 'tiny-sd')!;
    expect(partial.state).toBe('incomplete');
    expect(partial.files.some((f) => f.present > 0 && f.present < (f.size ?? 0))).toBe(true);

    registry.slow = false;
    const again = await studio.api.models.download({ id: 'tiny-sd' });
    const done = await studio.jobs.waitFor(again.id);
    expect(done.status).toBe('done');
    expect(done.message).toBe('Tiny SD (served) downloaded and checked');
    expect(registry.ranges.length).toBeGreaterThan(0);
    expect((await studio.api.models.list()).find((m) => m.id === 'tiny-sd')).toMatchObject({ state: 'installed', img2img: true });

    const generation = await studio.api.generate.start({ model: 'tiny-sd', prompt: 'a test', size: '64x64', steps: 2, provider: 'cpu', seed: 9 });
    const generated = await studio.jobs.waitFor(generation.id);
    expect(generated.status).toBe('done');
    expect((generated.result as GenerateResult).outputs).toHaveLength(1);
  });
});

/**
 * diffusers' convert_stable_diffusion_checkpoint_to_onnx.py saves the UNet's weights as `unet/weights.pb`
 * (onnx.save_model(..., location="weights.pb")), which a registry may not list (SD 2.1's kazssym export): the
 * graph names its external file, and the download fetches it from beside the graph.
 */
describe('a registry model whose UNet weights live in a file the registry does not list', () => {
  let root: string;
  let server: Server;
  let studio: Studio;
  const served: string[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-registry-pb-'));
    const source = writeTinyModelFolder(join(root, 'served'), 'sd15-int64', { unetDataFile: 'weights.pb' });
    expect(existsSync(join(source, 'unet', 'weights.pb'))).toBe(true);
    server = createServer((request, response) => {
      const file = join(source, decodeURIComponent(request.url!.slice(1)));
      served.push(request.url!);
      if (!existsSync(file)) return void response.writeHead(404).end();
      response.writeHead(200).end(readFileSync(file));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const listed = [
      'model_index.json',
      'scheduler/scheduler_config.json',
      'text_encoder/model.onnx',
      'unet/model.onnx',
      'vae_decoder/model.onnx',
      'vae_encoder/model.onnx',
      'vae_decoder/config.json',
    ];
    const tokenizer = readdirSync(join(source, 'tokenizer')).map((f) => `tokenizer/${f}`);
    const registry = {
      version: 1,
      models: [
        {
          id: 'tiny-pb',
          kind: 'diffusion',
          family: 'sd15',
          name: 'Tiny SD (weights.pb)',
          license: { name: 'test', commercialUse: true },
          // As the SD 2.1 entry was: the optimum names listed as optional, weights.pb not at all.
          files: [
            ...[...listed, ...tokenizer].map((path) => ({ path, url: `${base}/${path}` })),
            { path: 'unet/model.onnx_data', url: `${base}/unet/model.onnx_data`, optional: true },
          ],
        },
      ],
    };
    // The same files as a CUDA-only build (onnxruntime/sd-turbo's registry entry says so).
    registry.models.push({
      ...registry.models[0]!,
      id: 'tiny-cuda',
      name: 'Tiny SD (CUDA only)',
      runsOn: { providers: ['cuda'], reason: 'an fp16 Olive build for NVIDIA GPUs', alternative: 'tiny-pb' },
    } as (typeof registry.models)[number]);
    studio = await studioWithRegistry(root, registry);
  });

  afterAll(() => closeAll(studio, () => new Promise((resolve) => server.close(resolve)), root));

  it('downloads unet/weights.pb as well, records its sha256, and the model generates', async () => {
    const done = await studio.jobs.waitFor((await studio.api.models.download({ id: 'tiny-pb' })).id);
    expect(done.error).toBeNull();
    expect(done.status).toBe('done');
    expect(served).toContain('/unet/weights.pb');
    const folder = join(studio.catalog.paths.models, 'tiny-pb');
    const manifest = JSON.parse(readFileSync(join(folder, '.likeness-download.json'), 'utf8')) as { files: Record<string, { sha256: string }> };
    expect(manifest.files['unet/weights.pb']!.sha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(folder, 'unet', 'weights.pb')))
        .digest('hex'),
    );
    const generation = await studio.api.generate.start({ model: 'tiny-pb', prompt: 'a test', size: '64x64', steps: 2, provider: 'cpu', seed: 3 });
    expect((await studio.jobs.waitFor(generation.id)).status).toBe('done');
  });

  it('a CUDA-only build is refused on the CPU before anything is queued, naming the model that runs everywhere', async () => {
    expect((await studio.jobs.waitFor((await studio.api.models.download({ id: 'tiny-cuda' })).id)).status).toBe('done');
    expect((await studio.api.models.list()).find((m) => m.id === 'tiny-cuda')).toMatchObject({ runsOn: ['cuda'] });
    const queued = (await studio.api.jobs.list({})).length;
    const request = { model: 'tiny-cuda', prompt: 'a test', size: '64x64', steps: 2, provider: 'cpu' as const, seed: 3 };
    for (const call of [studio.api.generate.plan(request), studio.api.generate.start(request)])
      await expect(call).rejects.toMatchObject({
        code: 'UNSUPPORTED',
        message: expect.stringMatching(/Tiny SD \(CUDA only\) runs only on CUDA/),
        hint: expect.stringMatching(/Use Tiny SD \(weights\.pb\) \(tiny-pb\), which runs on every provider/),
      });
    expect((await studio.api.jobs.list({})).length).toBe(queued);
  });
});
