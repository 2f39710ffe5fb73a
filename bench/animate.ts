// bench/animate: frames per second of the LivePortrait animation loop (keypoints from a preset, stitching, eye
// retargeting for blinks, the generator, paste-back into the photo) on each execution provider this machine has, and
// the share of each frame spent outside session.run (the production loop's own work: keypoint maths, tensor ↔ image,
// warping the face back into the photo). The generator has the real I/O sizes and, with --models sized (the default),
// about 30 GFLOP of random-weight convolutions; --models tiny uses the test suite's small models (loop cost only).
//
//   npx tsx bench/animate.ts [--provider all|cpu,webgpu,cuda,…] [--frames 8] [--side 1280] [--models sized|tiny]
//   npm run bench:animate -- --provider cpu --frames 4
//
// Standalone (a GPU box without npm): npm run bench:animate:build, then node dist/bench/animate.mjs … beside
// node_modules/onnxruntime-node and sharp.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { ProviderName } from '../native/api/schemas';
import type { RgbImage } from '../native/inference/image-tensor';
import { autoProviders } from '../native/inference/providers';
import { findModel } from '../native/models/registry';
import { prepareAnimator } from '../native/portrait/animate';
import type { PortraitFace } from '../native/portrait/faces';
import { LIVEPORTRAIT_FILES, openLivePortrait, type LivePortraitPart } from '../native/portrait/liveportrait';
import type { PortraitModelFile } from '../native/portrait/models';
import { loadMotionPresets, planPresetMotion } from '../native/portrait/motion';
import { tinyModelFiles } from '../native/portrait/testing/tiny-models';
import { sizedGeneratorModel } from './liveportrait-sized';

const { values } = parseArgs({
  options: {
    provider: { type: 'string', default: 'all' },
    frames: { type: 'string', default: '8' },
    side: { type: 'string', default: '1280' },
    models: { type: 'string', default: 'sized' },
  },
});
const frames = Number(values.frames);
const side = Number(values.side);
if (!(frames >= 1) || !(side >= 256)) throw new Error('--frames ≥ 1 and --side ≥ 256');
if (values.models !== 'sized' && values.models !== 'tiny') throw new Error('--models is sized or tiny');

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
console.log(`bench/animate — ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}`);

// Each provider is tried by opening the parts on it (no probe process: the standalone bundle runs alone); the CPU
// first, as the baseline the others are compared with.
const asked: ProviderName[] =
  values.provider === 'all' ? ['cpu', ...autoProviders().filter((p) => p !== 'cpu')] : (values.provider!.split(',') as ProviderName[]);

// A synthetic 3:4 "photo" with a face's five landmarks placed where a face would be: the loop does not look at faces.
const photo: RgbImage = { data: new Uint8Array(960 * 1280 * 3), width: 960, height: 1280 };
for (let i = 0; i < photo.width * photo.height; i++) photo.data.set([(i * 7) % 256, ((i / 960) | 0) % 256, 128], i * 3);
const face: PortraitFace = {
  score: 1,
  roll: 0,
  box: { x: 380, y: 420, width: 200, height: 260 },
  landmarks: {
    rightEye: { x: 430, y: 520 },
    leftEye: { x: 530, y: 520 },
    nose: { x: 480, y: 580 },
    mouthRight: { x: 440, y: 630 },
    mouthLeft: { x: 520, y: 630 },
  },
};

const root = mkdtempSync(join(tmpdir(), 'likeness-bench-animate-'));
try {
  const model = findModel('liveportrait');
  const files = {} as Record<LivePortraitPart, PortraitModelFile>;
  for (const [part, path] of Object.entries(LIVEPORTRAIT_FILES) as [LivePortraitPart, string][]) {
    const bytes = part === 'generator' && values.models === 'sized' ? sizedGeneratorModel() : tinyModelFiles.liveportrait![path]!();
    writeFileSync(join(root, path), bytes);
    files[part] = { model, file: model.files.find((f) => f.path === path)!, path: join(root, path) };
  }
  const preset = loadMotionPresets().get('gentle-nod')!;
  console.log(
    `Generator: ${values.models === 'sized' ? 'real I/O sizes, ~30 GFLOP of random-weight convolutions after a full 5-D GridSample' : 'the tiny test model (loop cost only)'}; ` +
      `${frames} frames of “gentle nod” pasted into a ${photo.width}×${photo.height} photo, video side ≤ ${side}`,
  );
  console.log('');
  console.log('provider  generator on  5-D GridSample   frames/s   ms/frame   in session.run   outside   outside share   vs cpu   first outside');
  let cpuFps: number | undefined;
  for (const provider of asked) {
    const sessions = await openLivePortrait(files, { provider, fresh: true });
    if (sessions.providers.feature !== provider) {
      console.log(`${provider.padEnd(9)} not available here: ${sessions.fallbacks[0]?.reason.split('\n')[0] ?? 'unknown reason'}`);
      await Promise.all(Object.values(sessions.parts).map((s) => s.release()));
      continue;
    }
    const make = () =>
      prepareAnimator({
        photo,
        face,
        sessions,
        motion: { kind: 'preset', plan: planPresetMotion(preset, { fps: 25, frameCount: frames + 1, seed: 1 }) },
        fps: 25,
        frameCount: frames + 1,
        maxSide: side,
      });
    // One frame first (kernels compiled, buffers allocated), then the measured run.
    const warm = await make();
    for await (const _ of warm.frames(new AbortController().signal)) break;
    // A clip's first frame also builds the paste's taps (once a clip): it is timed on its own, and the per-frame
    // figures are those of the frames after it (all of them when only one is asked for).
    const animator = await make();
    let started = performance.now();
    let count = 0;
    let first = { runMs: 0, otherMs: 0 };
    for await (const _ of animator.frames(new AbortController().signal)) {
      if (++count === 1 && frames > 1) {
        first = { ...animator.timings };
        started = performance.now();
      }
      if (count >= frames) break;
    }
    const total = performance.now() - started;
    if (frames > 1) count--;
    const runMs = animator.timings.runMs - first.runMs;
    const otherMs = animator.timings.otherMs - first.otherMs;
    const fps = (count / total) * 1000;
    if (provider === 'cpu') cpuFps = fps;
    const check = sessions.gridSample ? (sessions.gridSample.ok ? 'ok' : 'fell back') : 'cpu (native)';
    console.log(
      [
        provider.padEnd(9),
        sessions.providers.generator.padEnd(12),
        check.padEnd(15),
        fps.toFixed(2).padStart(9),
        fmt(total / count).padStart(10),
        fmt(runMs / count).padStart(16),
        fmt(otherMs / count).padStart(9),
        `${((otherMs / (runMs + otherMs)) * 100).toFixed(1)} %`.padStart(15),
        (cpuFps ? `${(fps / cpuFps).toFixed(2)}×` : '—').padStart(8),
        (frames > 1 ? fmt(first.otherMs) : '—').padStart(13),
      ].join(' '),
    );
    for (const notice of sessions.fallbacks) console.log(`  note: ${notice.provider} could not run ${notice.model}: ${notice.reason.split('\n')[0]}`);
    await Promise.all(Object.values(sessions.parts).map((s) => s.release()));
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
