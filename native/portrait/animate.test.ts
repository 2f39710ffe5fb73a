import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog/catalog';
import type { FaceDetector } from '../inference/face-landmarks';
import type { RgbImage } from '../inference/image-tensor';
import { detectFaces, openYunet } from '../inference/yunet';
import { sharedFile } from '../testing/shared-data';
import { runFfmpeg } from '../video/run-ffmpeg';
import { testFfmpeg } from '../video/testing/media-fixtures';
import { drivingMotion, prepareAnimator, type Animator } from './animate';
import { melSpectrogram, melWindows, speechSamples, writeWav } from './audio';
import { findFaces } from './faces';
import { rawRgb } from './image';
import { createLipSyncer } from './lipsync';
import { LIVEPORTRAIT_FILES, openLivePortrait, type LivePortraitPart, type LivePortraitSessions } from './liveportrait';
import { decodeAudioFile, decodeVideoFrames, encodeClip } from './clip-codec';
import { modelFile, openPortraitSession, requirePortraitModel } from './models';
import { loadMotionPresets, planPresetMotion } from './motion';
import { installTinyModels } from './testing/tiny-models';

const run = promisify(execFile);
const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const photos = sharedFile('fixtures/photos');
const { location: ffmpeg, missing: noFfmpeg } = testFfmpeg();

async function collect(animator: Animator): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const frame of animator.frames(new AbortController().signal)) frames.push(Uint8Array.from(frame));
  return frames;
}

function difference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

async function probe(file: string) {
  const { stdout } = await run(ffmpeg!.ffprobe!, ['-v', 'error', '-count_frames', '-show_streams', '-show_format', '-of', 'json', file]);
  return JSON.parse(stdout) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_frames?: string; pix_fmt?: string }[];
    format: { duration: string };
  };
}

describe.skipIf(noFfmpeg ?? yunet.missing ?? photos.missing)('animating a photo with tiny LivePortrait parts (CPU)', () => {
  let root: string;
  let catalog: Catalog;
  let detector: FaceDetector;
  let sessions: LivePortraitSessions;
  let photo: RgbImage;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-animate-'));
    catalog = Catalog.open(root);
    installTinyModels(catalog.paths.models, ['liveportrait', 'edtalk-256']);
    const session = await openYunet(yunet.path);
    detector = { model: 'yunet-n', provider: session.provider, detect: (image) => detectFaces(session, image) };
    const model = requirePortraitModel(catalog, 'liveportrait', { kind: 'portrait-animator' });
    const files = Object.fromEntries(Object.entries(LIVEPORTRAIT_FILES).map(([part, path]) => [part, modelFile(catalog, model, path)])) as Record<
      LivePortraitPart,
      ReturnType<typeof modelFile>
    >;
    sessions = await openLivePortrait(files, { provider: 'cpu' });
    photo = await rawRgb(sharp(join(photos.path, 'astronaut.png')).resize(400, 400));
  });
  afterAll(() => {
    catalog.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('opens the six parts on the CPU (5-D GridSample needs no fallback there)', () => {
    expect(Object.values(sessions.providers).every((p) => p === 'cpu')).toBe(true);
    expect(sessions.fallbacks).toEqual([]);
    expect(sessions.gridSample).toBeUndefined();
  });

  it('makes the planned frames at the planned size from a preset, moving over time, and streams them into an MP4 ffprobe accepts', async () => {
    const [face] = await findFaces(photo, detector);
    const preset = loadMotionPresets().get('turn-and-return')!;
    const fps = 10;
    const frameCount = 30;
    // The same animation twice: once collected here, once streamed into ffmpeg.
    const prepare = () =>
      prepareAnimator({
        photo,
        face: face!,
        sessions,
        motion: { kind: 'preset', plan: planPresetMotion(preset, { fps, frameCount, seed: 1 }) },
        fps,
        frameCount,
        maxSide: 320,
      });
    const animator = await prepare();
    expect([animator.width, animator.height]).toEqual([320, 320]);
    const frames = await collect(animator);
    expect(frames).toHaveLength(frameCount);
    for (const frame of frames) expect(frame.length).toBe(320 * 320 * 3);
    // The head turns away by 2.6 s (frame 26) and is back at rest at the start.
    expect(difference(frames[26]!, frames[0]!)).toBeGreaterThan(difference(frames[1]!, frames[0]!));
    expect(animator.timings.frames).toBe(frameCount);
    expect(animator.timings.runMs).toBeGreaterThan(0);

    const file = join(root, 'clip.mp4');
    const replay = await prepare();
    await encodeClip(ffmpeg!, replay, file, { signal: new AbortController().signal });
    const info = await probe(file);
    const video = info.streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 320, pix_fmt: 'yuv420p', nb_read_frames: String(frameCount) });
    expect(Number(info.format.duration)).toBeCloseTo(3, 1);
  });

  it('lip-syncs to a voice clip (tiny EDTalk) and carries the sound into the clip', async () => {
    const [face] = await findFaces(photo, detector);
    // 1.5 s: a voiced tone that starts after half a second.
    const rate = 22050;
    const voice = Float32Array.from({ length: Math.round(rate * 1.5) }, (_, i) =>
      i > rate / 2 ? 0.4 * Math.sin((2 * Math.PI * 180 * i) / rate) : 0,
    );
    const voiceFile = join(root, 'voice.wav');
    writeFileSync(voiceFile, writeWav(voice, rate));
    const audio = await decodeAudioFile(ffmpeg!, voiceFile, root);
    const fps = 10;
    const frameCount = 15;
    const windows = melWindows(melSpectrogram(speechSamples(audio)), fps, frameCount);
    const edtalk = requirePortraitModel(catalog, 'edtalk-256', { kind: 'lip-sync' });
    const session = await openPortraitSession(modelFile(catalog, edtalk), edtalk.name, { provider: 'cpu' });
    const syncer = createLipSyncer(session, 'edtalk-256', detector, { weight: 1 });
    const make = (lipSync: boolean) =>
      prepareAnimator({
        photo,
        face: face!,
        sessions,
        motion: { kind: 'preset', plan: planPresetMotion(loadMotionPresets().get('blink')!, { fps, frameCount, seed: 2 }) },
        fps,
        frameCount,
        maxSide: 320,
        lipSync: lipSync ? { syncer, windows } : undefined,
      });
    const silent = await collect(await make(false));
    const speaking = await collect(await make(true));
    // Silent first half: the mouth hardly changes; once the voice starts, the tiny model redraws it.
    expect(difference(speaking[12]!, silent[12]!)).toBeGreaterThan(difference(speaking[1]!, silent[1]!));

    const file = join(root, 'speaking.mp4');
    await encodeClip(ffmpeg!, await make(true), file, { audio: voiceFile, signal: new AbortController().signal });
    const info = await probe(file);
    expect(info.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    expect(info.streams.find((s) => s.codec_type === 'audio')!.codec_name).toBe('aac');
  });

  it('follows a driving video relative to its first frame', async () => {
    // The astronaut's face moving a little, its colour drifting: the tiny motion extractor reads colour as pose.
    const drivingFile = join(root, 'driving.mp4');
    await runFfmpeg({
      ffmpegPath: ffmpeg!.path,
      inputs: [{ source: join(photos.path, 'astronaut.png'), options: ['-loop', '1', '-t', '1.2'] }],
      filters: ['[0:v]scale=256:256,hue=h=t*120,format=yuv420p[v]'],
      outputOptions: ['-map', '[v]', '-r', '10', '-c:v', 'libx264', '-y'],
      output: drivingFile,
    });
    const video = await decodeVideoFrames(ffmpeg!, drivingFile, root, { fps: 10, maxSide: 256, maxSeconds: 10 });
    try {
      // 1.2 s at 10 fps (ffmpeg may hold the last frame a little longer).
      expect(video.frameCount).toBeGreaterThanOrEqual(12);
      expect(video.frameCount).toBeLessThanOrEqual(14);
      const n = video.frameCount;
      const progress: number[] = [];
      const { frames, framesWithoutFace } = await drivingMotion(video, detector, sessions.parts.motion, { onFrame: (n) => progress.push(n) });
      expect(frames).toHaveLength(n);
      expect(framesWithoutFace).toBe(0);
      expect(progress.at(-1)).toBe(n);
      const yaws = frames.map((f) => f.yaw);
      expect(Math.max(...yaws) - Math.min(...yaws)).toBeGreaterThan(1);

      const [face] = await findFaces(photo, detector);
      const animator = await prepareAnimator({
        photo,
        face: face!,
        sessions,
        motion: { kind: 'driving', frames },
        fps: 10,
        frameCount: n,
        maxSide: 200,
      });
      const out = await collect(animator);
      expect(out).toHaveLength(n);
      expect(out[0]!.length).toBe(200 * 200 * 3);
      expect(difference(out[n - 1]!, out[0]!)).toBeGreaterThan(0.1);
    } finally {
      await video.dispose();
    }
  });
});
