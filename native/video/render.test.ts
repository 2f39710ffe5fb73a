import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStudioError } from '../api/errors';
import { sharedFile } from '../testing/shared-data';
import { missingTool } from '../testing/tools';
import { requireFfmpeg } from './ffmpeg';
import type { FrameSource } from './frame-source';
import { measureLoudness } from './ffmpeg-measure';
import { audioMixGraph } from './graph';
import { planReel, type Box, type ReelPlan } from './plan';
import { runFfmpeg } from './run-ffmpeg';
import { encodeSettings, planFor, renderReel, type ReelSettings, type ReelSources, type RenderProgress } from './render';
import { requireTemplate } from './templates';
import { ffprobe, makeMusic, makeVoice, movieBoxes, testFfmpeg, topLevelBoxes } from './testing/media-fixtures';

const { location: ffmpeg, missing } = testFfmpeg();
const photos = sharedFile('fixtures/photos');
const skip = missing ?? photos.missing;
const root = mkdtempSync(join(tmpdir(), 'likeness-reels-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const voice = join(root, 'voice.wav');
const music = join(root, 'music.wav');
beforeAll(async () => {
  if (skip) return;
  await makeVoice(ffmpeg!.path, voice, 3);
  await makeMusic(ffmpeg!.path, music, 4);
});

async function still(name: string) {
  const data = readFileSync(join(photos.path, name));
  const { width, height } = await sharp(data).metadata();
  return { kind: 'still' as const, name, data, width: width!, height: height! };
}

function settingsFor(template: string, overrides: Partial<ReelSettings> = {}): ReelSettings {
  return { template: requireTemplate(template), width: 1080, height: 1920, aiLabel: 'metadata', aiLabelText: 'AI-generated', ...overrides };
}

async function render(
  settings: ReelSettings,
  sources: ReelSources,
  options: { xfade?: boolean; signal?: AbortSignal; onProgress?: (p: RenderProgress) => void } = {},
) {
  const output = join(root, `${settings.template.id}-${settings.width}x${settings.height}-${Date.now()}.mp4`);
  const plan = await planFor(settings, sources, ffmpeg!, { xfade: options.xfade });
  const report = await renderReel(plan, settings, sources, {
    ffmpeg: ffmpeg!,
    signal: options.signal ?? new AbortController().signal,
    output,
    // veryfast keeps the tests quick on two cores; delivery uses `faster` (same profile and format).
    encode: encodeSettings('final', { preset: 'veryfast' }),
    onProgress: options.onProgress,
    metadata: { title: settings.title ?? 'A reel' },
  });
  return { output, plan, report };
}

/** Frame `n` of a video, decoded by ffmpeg to RGB (exactly that frame: selected by number, not by seeking). */
function decodedFrame(file: string, n: number, bytes: number): Buffer {
  const args = ['-v', 'error', '-i', file, '-vf', `select=eq(n\\,${n})`, '-fps_mode', 'passthrough', '-frames:v', '1'];
  return execFileSync(ffmpeg!.path, [...args, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: bytes * 2 });
}

/** The delivery format, checked on the file with ffprobe, the MP4 box order and ffmpeg's ebur128. */
async function expectDelivery(file: string, plan: ReelPlan, options: { sound: boolean }) {
  const probe = await ffprobe(ffmpeg!.ffprobe!, file);
  const video = probe.streams.find((s) => s.codec_type === 'video')!;
  const audio = probe.streams.find((s) => s.codec_type === 'audio')!;
  expect(video).toMatchObject({
    codec_name: 'h264',
    profile: 'High',
    pix_fmt: 'yuv420p',
    width: plan.width,
    height: plan.height,
    r_frame_rate: '30/1',
  });
  expect(Number(video.nb_frames)).toBe(plan.frames);
  expect(Math.abs(Number(video.duration) - plan.seconds)).toBeLessThanOrEqual(1 / 30);
  expect(Math.abs(Number(probe.format.duration) - plan.seconds)).toBeLessThanOrEqual(1 / 30);
  expect(audio).toMatchObject({ codec_name: 'aac', profile: 'LC', sample_rate: '48000', channels: 2 });
  const boxes = await topLevelBoxes(file);
  expect(boxes.indexOf('moov')).toBeGreaterThanOrEqual(0);
  expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
  // YouTube's upload spec (YouTube Help, "Recommended upload encoding settings"): closed GOP of half the frame
  // rate, at least 8 Mbit/s for SDR 1080p at 30 fps, BT.709; YouTube and Instagram ask for no edit lists.
  // x264 writes its settings into the stream.
  const x264 = /x264 - core[^\0]*/.exec(readFileSync(file).toString('latin1'))![0];
  expect(x264).toMatch(/open_gop=0/);
  expect(x264).toMatch(/keyint=15 /);
  expect(video).toMatchObject({ color_space: 'bt709', color_primaries: 'bt709', color_transfer: 'bt709', color_range: 'tv' });
  if (Math.min(plan.width, plan.height) >= 1080) expect(x264).toMatch(/ bitrate=8000 /);
  expect(await movieBoxes(file)).not.toContain('elst');
  if (options.sound) {
    const loudness = await measureLoudness(ffmpeg!.path, file);
    expect(loudness.integrated).toBeGreaterThanOrEqual(-15);
    expect(loudness.integrated).toBeLessThanOrEqual(-13);
    expect(loudness.truePeak).toBeLessThanOrEqual(-1);
  }
  return probe;
}

describe.skipIf(skip)('reel rendering with ffmpeg', () => {
  it(
    'memories, 1080×1920: the delivery format, voice over ducked music at the loudness target, the AI comment, progress',
    { timeout: 240_000 },
    async () => {
      const settings = settingsFor('memories', {
        title: '爷爷的夏天 1952',
        captions: { text: 'Grandpa loved the sea. 他每天早上都去码头。' },
        secondsPerVisual: 1.6,
        aiLabel: 'visible',
      });
      const progress: RenderProgress[] = [];
      const { output, plan, report } = await render(
        settings,
        { visuals: [await still('astronaut.png'), await still('camera.png'), await still('chelsea.png')], voice, music },
        { onProgress: (p) => progress.push(p) },
      );
      expect(plan.transitionMode).toBe('xfade');
      expect(report.loudness).not.toBeNull();
      const probe = await expectDelivery(output, plan, { sound: true });
      expect(probe.format.tags).toMatchObject({ comment: expect.stringMatching(/^AI-generated/), title: '爷爷的夏天 1952' });
      // Progress follows ffmpeg's clock up to the end.
      const rendering = progress.filter((p) => p.message === 'Rendering').map((p) => p.fraction);
      expect(rendering.length).toBeGreaterThan(2);
      expect(rendering).toEqual([...rendering].sort((a, b) => a - b));
      expect(Math.max(...rendering)).toBeGreaterThan(0.9);
    },
  );

  it(
    'memories, what the frames show: a title card, moving stills, blended crossfades, captions and the AI mark where planned',
    { timeout: 240_000 },
    async () => {
      // Two renders of one timeline, decoded frame by frame: the reel as asked, and the same with another title, no
      // captions and no visible mark. Where the plan puts text the frames differ; elsewhere they agree.
      const visuals = [await still('astronaut.png'), await still('camera.png'), await still('chelsea.png')];
      const common = { width: 540, height: 960, secondsPerVisual: 2, title: 'Summer 1952' };
      const marked = await render(settingsFor('memories', { ...common, captions: { text: 'Grandpa loved the sea.' }, aiLabel: 'visible' }), {
        visuals,
        music,
      });
      const plain = await render(settingsFor('memories', { ...common, title: 'Winter 1931', aiLabel: 'metadata' }), { visuals, music });
      const plan = marked.plan;
      expect(plain.plan.frames).toBe(plan.frames);
      const { width: w, height: h, fps } = plan;
      const frame = (file: string, n: number) => decodedFrame(file, n, w * h * 3);
      /** Mean absolute difference of two frames inside a box (pixels), or outside it. */
      const differ = (a: Buffer, b: Buffer, box: Box = { x: 0, y: 0, w, h }, outside = false) => {
        let sum = 0;
        let n = 0;
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++) {
            const inside = x >= box.x && x < box.x + box.w && y >= box.y && y < box.y + box.h;
            if (inside === outside) continue;
            const o = (y * w + x) * 3;
            sum += Math.abs(a[o]! - b[o]!) + Math.abs(a[o + 1]! - b[o + 1]!) + Math.abs(a[o + 2]! - b[o + 2]!);
            n += 3;
          }
        return sum / Math.max(1, n);
      };
      const text = (kind: string) => plan.texts.find((t) => t.kind === kind)!;
      const inPixels = (box: Box): Box => (box.w <= 1 ? { x: box.x * w, y: box.y * h, w: box.w * w, h: box.h * h } : box);

      // The title card: its words, where the plan puts them, while the card is on.
      const [title, first, second] = plan.segments;
      expect(title!.kind).toBe('title');
      const titleFrame = Math.floor(title!.frames / 2);
      const titleBox = inPixels(text('title').region);
      expect(differ(frame(marked.output, titleFrame), frame(plain.output, titleFrame), titleBox)).toBeGreaterThan(2);

      // A still moves (pan and zoom): its first and last frames outside any transition are not the same picture.
      const fadeFrames = plan.transitions[0]!.frames;
      const a0 = frame(plain.output, first!.startFrame + fadeFrames);
      const a1 = frame(plain.output, first!.startFrame + first!.frames - fadeFrames - 1);
      expect(differ(a0, a1)).toBeGreaterThan(1);

      // The crossfade into the second photo: halfway through, the frame is a blend of the two, not either one.
      const into = plan.transitions.find((t) => t.startFrame >= second!.startFrame - 1)!;
      const before = frame(plain.output, into.startFrame - 1);
      const after = frame(plain.output, into.startFrame + into.frames);
      const middle = frame(plain.output, into.startFrame + Math.floor(into.frames / 2));
      const apart = differ(before, after);
      expect(apart).toBeGreaterThan(10);
      expect(differ(middle, before)).toBeGreaterThan(apart / 5);
      expect(differ(middle, after)).toBeGreaterThan(apart / 5);
      const average = Buffer.from(before.map((v, i) => (v + after[i]!) >> 1));
      expect(differ(middle, average)).toBeLessThan(apart / 2);

      // Captions and the mark: the frames differ in the caption's area and the mark's corner, and agree elsewhere.
      const caption = text('caption');
      const n = Math.round(((caption.start + caption.end) / 2) * fps);
      const [withText, without] = [frame(marked.output, n), frame(plain.output, n)];
      const captionBox = inPixels(caption.region);
      const mark = text('ai');
      const markBox = { ...inPixels(mark.region), w: mark.fontPx * 10, h: mark.fontPx * 2.5 };
      expect(differ(withText, without, captionBox)).toBeGreaterThan(5);
      expect(differ(withText, without, markBox)).toBeGreaterThan(5);
      // Every band of rows clear of those two boxes: the same picture, up to the encoder's noise (measured: 0.7).
      let rest = 0;
      let count = 0;
      for (let row = 0; row < 16; row++) {
        const band = { x: 0, y: (row * h) / 16, w, h: h / 16 };
        const overlaps = [captionBox, markBox].some((b) => b.y < band.y + band.h && b.y + b.h > band.y);
        if (overlaps) continue;
        rest += differ(withText, without, band);
        count++;
      }
      expect(count).toBeGreaterThanOrEqual(6);
      expect(rest / count).toBeLessThan(1.5);
    },
  );

  it('talking portrait, 1080×1080: frames streamed through a pipe at 25 fps, the voice, SRT captions', { timeout: 180_000 }, async () => {
    const size = 192;
    let produced = 0;
    const animation: FrameSource = {
      width: size,
      height: size,
      fps: 25,
      frameCount: 50,
      pixelFormat: 'rgb24',
      async *frames() {
        for (let i = 0; i < 50; i++) {
          // A bar sweeping across a gradient: every frame differs, as an animated face would.
          const frame = Buffer.alloc(size * size * 3);
          for (let y = 0; y < size; y++)
            for (let x = 0; x < size; x++) {
              const o = (y * size + x) * 3;
              const bar = Math.abs(x - (i * size) / 50) < 8;
              frame[o] = bar ? 255 : x;
              frame[o + 1] = bar ? 255 : y;
              frame[o + 2] = 128;
            }
          produced++;
          yield frame;
        }
      },
    };
    const settings = settingsFor('talking', {
      width: 1080,
      height: 1080,
      captions: { cues: [{ start: 0.2, end: 1.5, text: 'Hello from the pipe' }] },
    });
    const { output, plan } = await render(settings, { visuals: [{ kind: 'stream', name: 'animation', source: animation }], voice });
    expect(produced).toBe(50);
    // The animation lasts 2 s, the voice 3 s: the reel follows the voice and holds the last frame.
    expect(plan.seconds).toBeCloseTo(4, 5);
    await expectDelivery(output, plan, { sound: true });
  });

  it('before/after, 1920×1080, without xfade (as in old static builds): the fallback wipe, same timing', { timeout: 180_000 }, async () => {
    const old = await sharp(readFileSync(join(photos.path, 'astronaut.png')))
      .greyscale()
      .blur(2)
      .linear(0.8, 30)
      .png()
      .toBuffer();
    const settings = settingsFor('before-after', { width: 1920, height: 1080, roleLabels: ['1952', 'Restored'], secondsPerVisual: 3.4 });
    const sources: ReelSources = {
      visuals: [{ kind: 'still', name: 'old.png', data: old, width: 512, height: 512 }, await still('astronaut.png')],
      music,
    };
    const { output, plan } = await render(settings, sources, { xfade: false });
    expect(plan.transitionMode).toBe('fallback');
    await expectDelivery(output, plan, { sound: true });
    // Mid-wipe, the left of the frame already shows the colour restoration and the right the grey original.
    const frame = decodedFrame(output, Math.round(plan.transitions[0]!.startFrame + plan.transitions[0]!.frames / 2), 1920 * 1080 * 3);
    const saturation = (x: number, y: number) => {
      const o = (y * 1920 + x) * 3;
      return Math.max(frame[o]!, frame[o + 1]!, frame[o + 2]!) - Math.min(frame[o]!, frame[o + 1]!, frame[o + 2]!);
    };
    const band = (x0: number) => {
      let sum = 0;
      for (let y = 300; y < 800; y += 10) for (let x = x0; x < x0 + 100; x += 10) sum += saturation(x, y);
      return sum;
    };
    expect(band(700)).toBeGreaterThan(band(1150) * 3);
  });

  it(
    'colours survive the trip as BT.709: pure red, green and blue photos decode, as players read HD video, within a few levels',
    { timeout: 180_000 },
    async () => {
      const solid = async (name: string, r: number, g: number, b: number) => ({
        kind: 'still' as const,
        name,
        data: await sharp({ create: { width: 1080, height: 1920, channels: 3, background: { r, g, b } } })
          .png()
          .toBuffer(),
        width: 1080,
        height: 1920,
      });
      const settings = settingsFor('memories', { secondsPerVisual: 2 });
      const { output, plan } = await render(settings, {
        visuals: [await solid('red.png', 255, 0, 0), await solid('green.png', 0, 255, 0), await solid('blue.png', 0, 0, 255)],
        music,
      });
      const probe = await ffprobe(ffmpeg!.ffprobe!, output);
      expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ color_space: 'bt709', color_range: 'tv' });
      const stills = plan.segments.filter((s) => s.kind === 'still');
      expect(stills).toHaveLength(3);
      const centre = (segment: (typeof stills)[number]) => {
        // Decoded with BT.709 coefficients whatever the tags say: what a browser or phone does with HD video.
        const pixel = execFileSync(ffmpeg!.path, [
          '-v',
          'error',
          '-ss',
          String((segment.startFrame + segment.frames / 2) / plan.fps),
          '-i',
          output,
          '-frames:v',
          '1',
          '-vf',
          `crop=2:2:${plan.width / 2}:${plan.height / 2},scale=in_color_matrix=bt709:in_range=tv,format=rgb24`,
          '-f',
          'rawvideo',
          '-',
        ]);
        return [...pixel.subarray(0, 3)];
      };
      const [red, green] = stills.map(centre);
      for (const [got, want] of [
        [red!, [255, 0, 0]],
        [green!, [0, 255, 0]],
      ] as const)
        got.forEach((value, channel) => expect(Math.abs(value - want[channel]!)).toBeLessThanOrEqual(6));
    },
  );

  const espeak = missingTool('espeak-ng', ['--version'], 'apt install espeak-ng');
  it.skipIf(espeak)('talking portrait with a real synthetic voice (espeak-ng), captions from text', { timeout: 180_000 }, async () => {
    const speech = join(root, 'speech.wav');
    execFileSync('espeak-ng', ['-w', speech, 'This was my grandfather, in the summer of nineteen fifty two.']);
    const settings = settingsFor('talking', { captions: { text: 'This was my grandfather, in the summer of 1952.' }, title: 'Grandpa' });
    const { output, plan } = await render(settings, { visuals: [await still('astronaut.png')], voice: speech, music });
    await expectDelivery(output, plan, { sound: true });
  });

  describe('loudness of voices recorded any way', () => {
    const renderVoice = async (name: string, expression: string, seconds: number) => {
      const file = join(root, `${name}.wav`);
      execFileSync(ffmpeg!.path, [
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `aevalsrc='${expression}':s=48000:d=${seconds}`,
        '-c:a',
        'pcm_s16le',
        file,
      ]);
      const { output, report } = await render(settingsFor('talking', { width: 1080, height: 1080 }), {
        visuals: [await still('astronaut.png')],
        voice: file,
      });
      // ebur128 (ffmpeg), as the platforms measure the delivered file: integrated loudness and true peak.
      return { loudness: await measureLoudness(ffmpeg!.path, output), warnings: report.plan.warnings };
    };

    it('a short beep lands at −14 LUFS under −1 dBTP', { timeout: 120_000 }, async () => {
      const { loudness, warnings } = await renderVoice('beep', '0.9*sgn(sin(2*PI*880*t))*lt(t,0.4)', 3);
      expect(loudness.integrated).toBeGreaterThanOrEqual(-15);
      expect(loudness.integrated).toBeLessThanOrEqual(-13);
      expect(loudness.truePeak).toBeLessThanOrEqual(-1);
      expect(warnings.filter((w) => /quieter/.test(w))).toEqual([]);
    });

    it('a voice recorded hot (peaks near full scale) is brought up with its peaks limited, not left short', { timeout: 120_000 }, async () => {
      // loudnorm's linear mode refuses a gain that would push the peak past its ceiling and falls back to its
      // dynamic mode, which needs seconds to settle; a bounded limiter takes those peaks instead.
      const tone = '(sin(2*PI*150*t)+0.5*sin(2*PI*300*t)+0.3*sin(2*PI*450*t))*pow(sin(2*PI*3.7*t),2)';
      const { loudness } = await renderVoice('hot', `0.25*${tone}*gt(mod(t,2.3),0.35)+0.95*lt(mod(t,0.9),0.004)`, 4);
      expect(loudness.integrated).toBeGreaterThanOrEqual(-15);
      expect(loudness.integrated).toBeLessThanOrEqual(-13);
      expect(loudness.truePeak).toBeLessThanOrEqual(-1);
    });

    it('a test microphone’s beep (50 ms a second) reaches the target too: the limiter takes its peaks', { timeout: 120_000 }, async () => {
      const { loudness, warnings } = await renderVoice('beeps', '0.5*sin(2*PI*1000*t)*lt(mod(t,1),0.05)', 6);
      expect(loudness.integrated).toBeGreaterThanOrEqual(-15);
      expect(loudness.truePeak).toBeLessThanOrEqual(-1);
      expect(warnings.filter((w) => /quieter/.test(w))).toEqual([]);
    });

    it('clicks too sparse to reach −14 without flattening the sound: quieter, and it says by how much', { timeout: 120_000 }, async () => {
      const { loudness, warnings } = await renderVoice('clicks', '0.5*sin(2*PI*1000*t)*lt(mod(t,2),0.01)', 6);
      expect(loudness.truePeak).toBeLessThanOrEqual(-1);
      const said = warnings.map((w) => /plays (\d+) dB quieter/.exec(w)).find(Boolean);
      expect(said, warnings.join('; ')).toBeTruthy();
      // What it says matches what the file measures, within the AAC encode's spread.
      expect(Math.abs(-14 - Number(said![1]) - loudness.integrated)).toBeLessThanOrEqual(1.5);
    });
  });

  it('ducks the music under the voice: its level drops while the voice speaks', { timeout: 60_000 }, async () => {
    // A quiet recording (as phones make them) of a high "voice" (1.5 kHz and up): far from the music's notes
    // (220–330 Hz), so the music can be measured apart with a low-pass filter.
    const quiet = join(root, 'quiet-voice.wav');
    await makeVoice(ffmpeg!.path, quiet, 3, { pitchHz: 1500, gain: 0.02 });
    const template = requireTemplate('memories');
    const plan = planReel({
      template,
      width: 1080,
      height: 1920,
      fps: 30,
      visuals: [1, 2, 3].map((i) => ({ kind: 'still' as const, width: 900, height: 1600, label: `p${i}` })),
      title: 'Title',
      voiceSeconds: 3,
      voiceLoudness: (await measureLoudness(ffmpeg!.path, quiet)).integrated,
      music: true,
      musicLoudness: (await measureLoudness(ffmpeg!.path, music)).integrated,
      aiLabel: 'off',
      aiLabelText: 'AI-generated',
      xfade: true,
    });
    // The quiet voice is raised to speech level before it keys the compressor.
    expect(plan.voice!.gainDb).toBeGreaterThan(15);
    const { fadeInSeconds, fadeOutSeconds, duck } = template.mix;
    const graph = audioMixGraph(plan, quiet, music, { fadeInSeconds, fadeOutSeconds, ...duck });
    const mixed = join(root, 'mix.wav');
    await runFfmpeg({
      ffmpegPath: ffmpeg!.path,
      inputs: graph.inputs,
      filters: graph.filters,
      outputOptions: ['-map', `[${graph.audio}]`, '-y'],
      output: mixed,
    });
    const musicLevel = (start: number, end: number) => {
      const log = spawnSync(
        ffmpeg!.path,
        ['-hide_banner', '-i', mixed, '-af', `atrim=${start}:${end},lowpass=f=400,lowpass=f=400,astats=measure_perchannel=none`, '-f', 'null', '-'],
        {
          encoding: 'utf8',
        },
      ).stderr;
      return Number(/RMS level dB: (-?[\d.]+)/.exec(log)![1]);
    };
    const voiceStart = plan.voice!.startSeconds;
    const before = musicLevel(0.7, voiceStart - 0.1);
    const during = musicLevel(voiceStart + 0.5, voiceStart + 2.8);
    expect(before - during).toBeGreaterThan(8);
  });

  it.skipIf(process.platform === 'win32')(
    'reads what the binary lacks: without xfade the fallback, without loudnorm an error naming it',
    async () => {
      const fake = (name: string, drop: string) => {
        const file = join(root, name);
        writeFileSync(
          file,
          `#!/bin/sh\ncase "$*" in\n  *-filters*) "${ffmpeg!.path}" "$@" | grep -v -E ' (${drop}) ' ;;\n  *) exec "${ffmpeg!.path}" "$@" ;;\nesac\n`,
        );
        chmodSync(file, 0o755);
        return { path: file, source: 'setting' as const, ffprobe: ffmpeg!.ffprobe };
      };
      const settings = settingsFor('memories', { title: 'Old build' });
      const sources: ReelSources = { visuals: [await still('astronaut.png'), await still('camera.png'), await still('chelsea.png')] };
      const plan = await planFor(settings, sources, fake('ffmpeg-no-xfade', 'xfade'));
      expect(plan.transitionMode).toBe('fallback');
      expect(plan.warnings.join(' ')).toMatch(/no xfade filter/);
      await expect(planFor(settings, sources, fake('ffmpeg-no-loudnorm', 'xfade|loudnorm|sidechaincompress'))).rejects.toMatchObject({
        code: 'UNSUPPORTED',
        message: expect.stringMatching(/lacks the loudnorm filter, the sidechaincompress filter, which reels need/),
        hint: expect.stringMatching(/apt install ffmpeg/),
      });
    },
  );

  it('cancelling stops ffmpeg and leaves neither the partial file nor the work folder', { timeout: 120_000 }, async () => {
    const workRoot = join(root, 'work');
    mkdirSync(workRoot);
    const settings = settingsFor('memories', { secondsPerVisual: 6 });
    const sources: ReelSources = { visuals: [await still('astronaut.png'), await still('camera.png'), await still('chelsea.png')], music };
    const plan = await planFor(settings, sources, ffmpeg!);
    const controller = new AbortController();
    const output = join(root, 'cancelled.mp4');
    let sawPartial = false;
    const rendering = renderReel(plan, settings, sources, {
      ffmpeg: ffmpeg!,
      signal: controller.signal,
      output,
      workRoot,
      encode: encodeSettings('final', { preset: 'veryfast' }),
      onProgress: (p) => {
        if (p.message === 'Rendering' && p.fraction > 0.3 && !controller.signal.aborted) {
          sawPartial = existsSync(output);
          controller.abort();
        }
      },
    });
    await expect(rendering).rejects.toMatchObject({ name: 'AbortError' });
    expect(sawPartial).toBe(true);
    expect(existsSync(output)).toBe(false);
    expect(readdirSync(workRoot)).toEqual([]);
  });
});

describe('ffmpeg resolution', () => {
  it('a configured ffmpeg that does not exist is named, with how to install one', () => {
    let error: unknown;
    try {
      requireFfmpeg(join(root, 'no-such-ffmpeg'));
    } catch (e) {
      error = e;
    }
    expect(isStudioError(error) && error.code).toBe('FFMPEG_MISSING');
    expect((error as Error).message).toMatch(/no-such-ffmpeg, which does not exist/);
    expect((error as { hint: string }).hint).toMatch(/Install ffmpeg/);
  });
});
