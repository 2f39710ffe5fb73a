// bench/diffusion: per-step time of a UNet of Stable Diffusion 1.5 size (its real architecture, random weights) on
// each execution provider this machine has, and the pipeline's own overhead — everything in the denoising loop
// but session.run (scheduler step, guidance, tensor conversion) — as a share of a step. Runs the real txt2img
// pipeline (a tiny text encoder and VAE around the real-size UNet), so the overhead is the production code's.
//
//   npx tsx bench/diffusion.ts [--provider all|cpu,webgpu,cuda,…] [--size 512] [--width 1] [--steps 5]
//                              [--guidance 7] [--scheduler euler] [--fp16] [--keep DIR]
//   npm run bench:diffusion -- --provider cpu --size 256 --width 0.5     (a smaller-but-honest CPU configuration)
//
// Standalone (a GPU box without npm): npm run bench:diffusion:build, then node dist/bench/diffusion.mjs …
// beside node_modules/onnxruntime-node and sharp
// (dist/bench/provider-probe.mjs, built with it, must stay next to the bundle).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProviderName } from '../native/api/schemas';
import { loadDiffusionModel } from '../native/diffusion/loader';
import { schedulerNames, type SchedulerName } from '../native/diffusion/schedulers';
import { writeTinyModelFolder } from '../native/diffusion/testing/tiny-models';
import { txt2img } from '../native/diffusion/txt2img';
import { probeProviders } from '../native/inference/probe-providers';
import { allProviders, autoProviders } from '../native/inference/providers';
import { inspectDiffusionFolder } from '../native/models/diffusion-folder';
import { buildSdUnet } from './sd-unet';

const { values } = parseArgs({
  options: {
    provider: { type: 'string', default: 'all' },
    size: { type: 'string', default: '512' },
    width: { type: 'string', default: '1' },
    steps: { type: 'string', default: '5' },
    guidance: { type: 'string', default: '7' },
    scheduler: { type: 'string', default: 'euler' },
    fp16: { type: 'boolean', default: false },
    keep: { type: 'string' },
  },
});
const size = Number(values.size);
const width = Number(values.width);
const steps = Number(values.steps);
const guidance = Number(values.guidance);
const scheduler = values.scheduler as SchedulerName;
if (!schedulerNames.includes(scheduler)) throw new Error(`--scheduler is one of ${schedulerNames.join(', ')}`);
if (size % 64) throw new Error('--size must be a multiple of 64');

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const pad = (text: string, n: number) => text.padEnd(n);

console.log(`bench/diffusion — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}`);

// Which providers to run: all this machine can open, or the ones asked for.
const probe = await probeProviders(allProviders);
const working = probe.results.filter((r) => r.status === 'ok').map((r) => r.name);
const asked: ProviderName[] =
  values.provider === 'all' ? autoProviders().filter((p) => working.includes(p)) : (values.provider!.split(',') as ProviderName[]);
console.log(`onnxruntime-node ${probe.version ?? '?'}; providers that open a session here: ${working.join(', ')}`);
for (const r of probe.results) if (r.status === 'error' && asked.includes(r.name)) console.log(`  ${r.name}: ${r.error?.split('\n')[0]}`);

const keep = values.keep;
const root = keep ?? mkdtempSync(join(tmpdir(), 'likeness-bench-diffusion-'));
const folder = join(root, `sd-unet-${size}-w${width}${values.fp16 ? '-fp16' : ''}`);
try {
  const built = Date.now();
  let params = 0;
  if (!existsSync(join(folder, 'model_index.json'))) {
    const { graph, params: count } = buildSdUnet({ width, context: 768, heads: 8, fp16: values.fp16 });
    params = count;
    writeTinyModelFolder(folder, 'sd15', { textHidden: 768, unet: graph });
  }
  const weights = statSync(join(folder, 'unet', 'model.onnx_data')).size;
  const info = inspectDiffusionFolder(folder, { family: 'sd15' });
  const batch = guidance > 1 ? 2 : 1;
  console.log(
    `UNet: SD 1.5 architecture × width ${width}${params ? `: ${(params / 1e6).toFixed(1)}M parameters` : ''} (${values.fp16 ? 'fp16' : 'fp32'}, ${(weights / 1e9).toFixed(2)} GB of weights, built in ${((Date.now() - built) / 1000).toFixed(1)} s)`,
  );
  console.log(
    `      latent ${size / 8}×${size / 8} (${size}×${size} px), batch ${batch} (guidance ${guidance}${batch === 1 ? ', no negative pass' : ''}), text 77×768, ${scheduler}, ${steps} steps`,
  );
  console.log('');
  console.log(
    `${pad('provider', 10)}${pad('load s', 9)}${pad('UNet ms/step', 14)}${pad('overhead ms/step', 18)}${pad('overhead share', 16)}vs first`,
  );

  let baseline: number | undefined;
  for (const provider of asked) {
    const loadStarted = performance.now();
    const fallbacks: string[] = [];
    let model;
    try {
      model = await loadDiffusionModel(info, { provider, onFallback: (n) => fallbacks.push(`${n.provider} → ${n.reason}`) });
    } catch (error) {
      console.log(`${pad(provider, 10)}could not load: ${(error as Error).message.split('\n')[0]}`);
      continue;
    }
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    if (model.provider !== provider) {
      console.log(`${pad(provider, 10)}fell back to ${model.provider}: ${fallbacks.join('; ')}`);
      await model.release();
      continue;
    }
    const params2 = { prompt: 'a portrait photo', negativePrompt: '', width: size, height: size, guidance, scheduler, tiledVae: false as const };
    // One warm-up step (first-run allocations, kernel selection), then the measured run.
    await txt2img(model, { ...params2, steps: 1, seeds: [1] });
    const { timings } = await txt2img(model, { ...params2, steps, seeds: [2] });
    await model.release();
    const unet = timings.unetMs / timings.steps;
    const overhead = timings.loopOverheadMs / timings.steps;
    baseline ??= unet;
    console.log(
      `${pad(provider, 10)}${pad(loadSeconds.toFixed(1), 9)}${pad(fmt(unet), 14)}${pad(fmt(overhead), 18)}${pad(`${((100 * overhead) / (unet + overhead)).toFixed(2)} %`, 16)}${(baseline / unet).toFixed(2)}×`,
    );
  }
  console.log('');
  console.log('UNet ms/step: session.run of the UNet per denoising step (both CFG halves in one call).');
  console.log('overhead: the rest of each step in txt2img (scheduler, guidance, tensor conversion), measured in the same run.');
} finally {
  if (!keep) rmSync(root, { recursive: true, force: true });
}
