// Reels benchmark: how long a 15-second memories reel takes to render against its own length and against the
// encode floor (ffmpeg encoding as many frames of a still with the same encoder settings, in the same run), its
// quality against a near-lossless render of the same plan (SSIM, PSNR), the x264 presets the choice was made
// from, and what frames streamed through ffmpeg's stdin cost compared with a still that ffmpeg moves itself.
// Run: npx tsx bench/reels.ts   (needs ffmpeg and the shared fixture photos; prints figures, asserts nothing)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { sharedFile } from '../native/testing/shared-data';
import { requireFfmpeg, toBt709, uploadVideoBitrate } from '../native/video/ffmpeg';
import type { FrameSource } from '../native/video/frame-source';
import {
  encodeSettings,
  planFor,
  renderReel,
  videoEncodeOptions,
  type EncodeSettings,
  type ReelSettings,
  type ReelSources,
  type ReelVisualSource,
} from '../native/video/render';
import { runFfmpeg } from '../native/video/run-ffmpeg';
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

async function timed(label: string, settings: ReelSettings, sources: ReelSources, settingsForEncode: EncodeSettings = encode) {
  const plan = await planFor(settings, sources, ffmpeg);
  const output = join(root, `${label.replace(/\W+/g, '-')}.mp4`);
  const started = performance.now();
  const report = await renderReel(plan, settings, sources, { ffmpeg, signal: new AbortController().signal, output, encode: settingsForEncode });
  const seconds = (performance.now() - started) / 1000;
  return { label, seconds, length: plan.seconds, frames: plan.frames, millis: report.millis, output };
}

/** The encode floor: `frames` frames of one still (decoded once), encoded with the reel's own video options. */
async function encodeFloor(still: Buffer, width: number, height: number, frames: number): Promise<number> {
  const file = join(root, 'floor.png');
  await sharp(still).resize(width, height, { fit: 'cover' }).png().toFile(file);
  const started = performance.now();
  await runFfmpeg({
    ffmpegPath: ffmpeg.path,
    inputs: [{ source: file, options: [] }],
    filters: [`[0:v]${toBt709()},loop=loop=${frames - 1}:size=1,settb=1/30,setpts=N[v]`],
    outputOptions: ['-map', '[v]', ...videoEncodeOptions(encode, { width, height, fps: 30 }), '-an', '-f', 'mp4', '-y'],
    output: join(root, 'floor.mp4'),
    niceness: 10,
  });
  return (performance.now() - started) / 1000;
}

/** SSIM and PSNR (Y, U and V together) of a render against a reference of the same frames, as ffmpeg measures them. */
async function quality(render: string, reference: string): Promise<{ ssim: number; psnr: number }> {
  const { stderr } = await runFfmpeg({
    ffmpegPath: ffmpeg.path,
    inputs: [
      { source: render, options: [] },
      { source: reference, options: [] },
    ],
    filters: ['[0:v]split[a][b]', '[1:v]split[c][d]', '[a][c]ssim', '[b][d]psnr'],
    outputOptions: ['-f', 'null'],
    output: '-',
  });
  return ssimAndPsnr(stderr);
}

/** The SSIM (All) and PSNR (average) that ffmpeg's ssim and psnr filters print at the end. */
function ssimAndPsnr(stderr: string): { ssim: number; psnr: number } {
  return { ssim: Number(/SSIM .*All:([\d.]+)/.exec(stderr)?.[1]), psnr: Number(/PSNR .*average:([\d.]+|inf)/.exec(stderr)?.[1]) };
}

/**
 * SSIM and PSNR of `frames.length` frames of a render, from frame `from` on, against the RGB frames it was made
 * from, those converted to the reel's BT.709 4:2:0 by swscale's accurate path: what the pipe and the encode lost.
 */
async function againstSourceFrames(render: string, frames: Buffer[], width: number, height: number, from: number) {
  const raw = join(root, 'source-frames.rgb');
  writeFileSync(raw, Buffer.concat(frames));
  const { stderr } = await runFfmpeg({
    ffmpegPath: ffmpeg.path,
    inputs: [
      { source: render, options: [] },
      { source: raw, options: ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-video_size', `${width}x${height}`, '-framerate', '30'] },
    ],
    filters: [
      `[0:v]trim=start_frame=${from}:end_frame=${from + frames.length},setpts=PTS-STARTPTS,split[a][b]`,
      `[1:v]scale=${width}:${height}:out_color_matrix=bt709:out_range=tv:flags=bicubic+accurate_rnd+full_chroma_int,format=yuv420p,split[c][d]`,
      '[a][c]ssim',
      '[b][d]psnr',
    ],
    outputOptions: ['-f', 'null'],
    output: '-',
  });
  return ssimAndPsnr(stderr);
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
  const memorySources = { visuals, voice, music };
  const reel = await timed('memories 15 s', memories, memorySources);
  const floor = await encodeFloor(readFileSync(join(photos.path, 'astronaut.png')), 1080, 1920, reel.frames);
  console.log(
    `\nmemories reel, 1080×1920, ${reel.length.toFixed(2)} s (${reel.frames} frames): rendered in ${reel.seconds.toFixed(1)} s = ` +
      `${(reel.seconds / reel.length).toFixed(2)}× real time (prepare ${reel.millis.prepare} ms, loudness pass ${reel.millis.loudness} ms, encode ${reel.millis.encode} ms)`,
  );
  console.log(
    `  encode floor (${reel.frames} frames of a still, the same encoder settings): ${floor.toFixed(1)} s = ${(floor / reel.length).toFixed(2)}× real time; ` +
      `the reel takes ${(reel.seconds / floor).toFixed(2)}× the floor`,
  );

  // Quality: the delivery render and other x264 presets at the same bitrate, each against a near-lossless render
  // of the same plan (crf 1; `high` allows no lossless). The delivery preset is the one past which quality drops.
  const reference = await timed(
    'reference crf 1',
    memories,
    memorySources,
    encodeSettings('final', { uploadBitrate: false, crf: 1, preset: 'ultrafast' }),
  );
  console.log(`  against a near-lossless render of the same plan (crf 1), all at ${uploadVideoBitrate(1080, 1920, 30) / 1e6} Mbit/s:`);
  for (const preset of ['faster', 'veryfast', 'superfast']) {
    const run = preset === encode.preset ? reel : await timed(`memories ${preset}`, memories, memorySources, { ...encode, preset });
    const measured = await quality(run.output, reference.output);
    console.log(
      `    ${preset.padEnd(10)} ${run.seconds.toFixed(1).padStart(5)} s  ${(run.seconds / run.length).toFixed(2)}× real time  ` +
        `SSIM ${measured.ssim.toFixed(4)}  PSNR ${measured.psnr.toFixed(2)} dB${preset === encode.preset ? '  (delivery)' : ''}`,
    );
  }

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
  // Frames 8k… are the eight source frames again, past the fade-in.
  const kept = await againstSourceFrames(piped.output, big, 1080, 1920, 8 * Math.floor(count / 16));
  console.log(`  the piped render against the frames it was made from: SSIM ${kept.ssim.toFixed(4)}, PSNR ${kept.psnr.toFixed(2)} dB`);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (other work on the machine inflates all figures)`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
