// Reels benchmark: how long a 15-second memories reel takes to render against its own length, and what frames
// streamed through ffmpeg's stdin cost compared with a still that ffmpeg moves itself.
// Run: npx tsx bench/reels.ts   (needs ffmpeg and the shared fixture photos; prints figures, asserts nothing)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { sharedFile } from '../native/testing/shared-data';
import { requireFfmpeg } from '../native/video/ffmpeg';
import type { FrameSource } from '../native/video/frame-source';
import { encodeSettings, planFor, renderReel, type ReelSettings, type ReelSources, type ReelVisualSource } from '../native/video/render';
import { requireTemplate } from '../native/video/templates';
import { makeMusic, makeVoice } from '../native/video/testing/media-fixtures';

const ffmpeg = requireFfmpeg();
const photos = sharedFile('fixtures/photos');
if (photos.missing) throw new Error(photos.missing);
const root = mkdtempSync(join(tmpdir(), 'likeness-bench-reels-'));
const encode = encodeSettings('final');
const SECONDS = 15;

async function still(name: string): Promise<ReelVisualSource> {
  const data = readFileSync(join(photos.path, name));
  const { width, height } = await sharp(data).metadata();
  return { kind: 'still', name, data, width: width!, height: height! };
}

async function timed(label: string, settings: ReelSettings, sources: ReelSources) {
  const plan = await planFor(settings, sources, ffmpeg);
  const started = performance.now();
  const report = await renderReel(plan, settings, sources, {
    ffmpeg,
    signal: new AbortController().signal,
    output: join(root, `${label.replace(/\W+/g, '-')}.mp4`),
    encode,
  });
  const seconds = (performance.now() - started) / 1000;
  return { label, seconds, length: plan.seconds, frames: plan.frames, millis: report.millis };
}

/** Frames already in memory (a few, cycled): what the pipe costs when making the frames costs nothing. */
function memoryFrames(frames: Buffer[], width: number, height: number, count: number): FrameSource {
  return {
    width,
    height,
    fps: 30,
    frameCount: count,
    pixelFormat: 'rgb24',
    async *frames() {
      for (let i = 0; i < count; i++) yield frames[i % frames.length]!;
    },
  };
}

async function framesOf(name: string, width: number, height: number, count: number): Promise<Buffer[]> {
  const data = readFileSync(join(photos.path, name));
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      sharp(data)
        .resize(Math.round(width * (1 + i * 0.01)), Math.round(height * (1 + i * 0.01)), { fit: 'cover' })
        .extract({ left: 0, top: 0, width, height })
        .removeAlpha()
        .raw()
        .toBuffer(),
    ),
  );
}

try {
  const voice = join(root, 'voice.wav');
  const music = join(root, 'music.wav');
  await makeVoice(ffmpeg.path, voice, 10);
  await makeMusic(ffmpeg.path, music, 20);
  console.log(
    `machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}; ffmpeg threads ${encode.threads}, x264 ${encode.preset} crf ${encode.crf}`,
  );

  // 1. A 15-second memories reel at delivery settings: 2.5 s title card + 5 photos, crossfades, voice over music.
  const visuals = await Promise.all(['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png', 'astronaut.png'].map(still));
  const memories: ReelSettings = {
    template: requireTemplate('memories'),
    width: 1080,
    height: 1920,
    title: 'Summer 1952',
    captions: { text: 'Grandpa loved the sea. He went to the harbour every morning.' },
    secondsPerVisual: (SECONDS - 2.5 + 5 * 0.8) / 5,
    aiLabel: 'visible',
    aiLabelText: 'AI-generated',
  };
  const reel = await timed('memories 15 s', memories, { visuals, voice, music });
  console.log(
    `\nmemories reel, 1080×1920, ${reel.length.toFixed(2)} s (${reel.frames} frames): rendered in ${reel.seconds.toFixed(1)} s = ` +
      `${(reel.seconds / reel.length).toFixed(2)}× real time (prepare ${reel.millis.prepare} ms, loudness pass ${reel.millis.loudness} ms, encode ${reel.millis.encode} ms)`,
  );

  // 2. Frames through the pipe vs a still: the same talking-portrait reel (one visual, no transitions, the same
  // voice and encode), from a photo that ffmpeg moves itself, then from frames the engine streams through stdin.
  // Rounds alternate and the fastest of each is kept: other work on the machine only ever adds time.
  const talking: ReelSettings = { template: requireTemplate('talking'), width: 1080, height: 1920, aiLabel: 'metadata', aiLabelText: 'AI-generated' };
  const short = join(root, 'short-voice.wav');
  await makeVoice(ffmpeg.path, short, 8);
  const photo = await still('astronaut.png');
  const stillPlan = await planFor(talking, { visuals: [photo], voice: short }, ffmpeg);
  const count = stillPlan.frames;
  const big = await framesOf('astronaut.png', 1080, 1920, 8);
  const small = await framesOf('astronaut.png', 512, 512, 8);
  const variants: [string, () => ReelSources][] = [
    ['still photo (zoompan)', () => ({ visuals: [photo], voice: short })],
    ['pipe 1080×1920 rgb24', () => ({ visuals: [{ kind: 'stream', name: 'frames', source: memoryFrames(big, 1080, 1920, count) }], voice: short })],
    ['pipe 512×512 rgb24', () => ({ visuals: [{ kind: 'stream', name: 'frames', source: memoryFrames(small, 512, 512, count) }], voice: short })],
  ];
  const best = new Map<string, Awaited<ReturnType<typeof timed>>>();
  for (let round = 0; round < 2; round++) {
    for (const [label, sources] of variants) {
      const run = await timed(label, talking, sources());
      if (!best.has(label) || run.seconds < best.get(label)!.seconds) best.set(label, run);
    }
  }
  const base = best.get(variants[0]![0])!;
  console.log(`\ntalking portrait, 1080×1920, ${base.length.toFixed(2)} s (${count} frames), best of 2 rounds:`);
  for (const [label] of variants) {
    const run = best.get(label)!;
    console.log(
      `  ${label.padEnd(22)} ${run.seconds.toFixed(1).padStart(6)} s  ${(run.seconds / run.length).toFixed(2)}× real time  ` +
        `${(run.seconds / base.seconds).toFixed(2)}× the still  (${((run.seconds / count) * 1000).toFixed(1)} ms per frame)`,
    );
  }
  const piped = best.get(variants[1]![0])!;
  const perFrame = ((piped.seconds - base.seconds) / count) * 1000;
  console.log(
    `  1080×1920 frames through the pipe against the still: ${perFrame >= 0 ? '+' : ''}${perFrame.toFixed(1)} ms per frame ` +
      `(${((count * 1080 * 1920 * 3) / 2 ** 20).toFixed(0)} MB of rgb24 carried)`,
  );
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (other work on the machine inflates all figures)`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
