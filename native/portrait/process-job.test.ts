import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioEvent } from '../api/events';
import type { ProcessResult } from '../api/namespaces/portrait';
import { buildOnnxModel } from '../inference/onnx-builder';
import { faceApiSamples, portraitsOf } from '../likeness/testing/faces';
import { installModelFile } from '../models/installed';
import { createStudio, type Studio } from '../studio/studio';
import { sharedFile } from '../testing/shared-data';
import { ffprobe, makeVoice, testFfmpeg } from '../video/testing/media-fixtures';
import { rgbToLab, meanChroma } from './color';
import { locateEspeak } from './narration';
import { loadSource } from './request';
import { installTinyModels } from './testing/tiny-models';
import { missingTool } from '../testing/tools';

const espeakMissing = missingTool(locateEspeak() ?? 'espeak-ng', ['--version'], 'apt install espeak-ng');

const run = promisify(execFile);
const { location: ffmpeg, missing: noFfmpeg } = testFfmpeg();
const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const photos = sharedFile('fixtures/photos');

describe.skipIf(noFfmpeg ?? yunet.missing ?? photos.missing)('portrait.process through the studio (job, catalogue, API) with tiny models', () => {
  let root: string;
  let studio: Studio;
  let camera: number;
  let coffee: number;
  const events: StudioEvent[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-portrait-job-'));
    studio = await createStudio({ library: join(root, 'library'), jobs: { workerIdleMs: 60_000 } });
    studio.events.subscribe((event) => events.push(event));
    const models = studio.catalog.paths.models;
    await installModelFile(models, 'yunet-n', yunet.path);
    installTinyModels(models, ['gfpgan-1.4', 'codeformer', 'ddcolor', 'real-esrgan-x2', 'liveportrait', 'edtalk-256']);
    const job = await studio.api.catalog.import({ path: photos.path });
    await studio.jobs.waitFor(job.id);
    const page = await studio.api.catalog.listOutputs({ sort: 'oldest' });
    camera = page.items.find((o) => o.originalName === 'camera.png')!.id;
    coffee = page.items.find((o) => o.originalName === 'coffee.png')!.id;
    await makeVoice(ffmpeg!.path, join(root, 'voice.wav'), 1.6);
  });

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('reports which models are installed and which licences allow commercial use', async () => {
    const status = await studio.api.portrait.status();
    const byId = Object.fromEntries(status.models.map((m) => [m.id, m]));
    expect(byId['gfpgan-1.4']).toMatchObject({ kind: 'face-restorer', installed: true, usable: true, commercialUse: true });
    expect(byId.codeformer).toMatchObject({ installed: true, usable: false, commercialUse: false });
    expect(byId['wav2lip-gan-96']).toMatchObject({ installed: false, commercialUse: false });
    expect(byId['restoreformer-plus-plus']!.installed).toBe(false);
    expect(status).toMatchObject({ nonCommercialAllowed: false, ffmpeg: true });
    const presets = await studio.api.portrait.listPresets();
    expect(presets.map((p) => p.id)).toContain('gentle-nod');
  });

  it('finds the face of the black-and-white camera.png, and none in coffee.png', async () => {
    const inspection = await studio.api.portrait.inspect({ source: { outputId: camera } });
    expect(inspection).toMatchObject({ width: 512, height: 512, blackAndWhite: true, detector: true });
    expect(inspection.faces.length).toBeGreaterThanOrEqual(1);
    expect((await studio.api.portrait.inspect({ source: { outputId: coffee } })).faces).toEqual([]);
  });

  it('restores, colorizes and upscales into a still output with provenance, announced to Review', async () => {
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      restore: { model: 'gfpgan-1.4', strength: 0.9 },
      colorize: { model: 'ddcolor', size: 256 },
      upscale: { scale: 2 },
      provider: 'cpu',
    });
    expect(job.resource).toBe('gpu');
    // Titled by the photo's name, not its catalogue id.
    expect(job.title).toBe('Restore, colorize, upscale ×2 camera.png');
    const done = await studio.jobs.waitFor(job.id);
    expect(done.status).toBe('done');
    const result = done.result as ProcessResult;
    expect(result.still).toMatchObject({ width: 1024, height: 1024 });
    expect(result.video).toBeNull();
    expect(result.providers).toEqual({ upscale: 'cpu', restore: 'cpu', colorize: 'cpu' });
    const output = await studio.api.catalog.getOutput({ id: result.still!.outputId! });
    expect(output).toMatchObject({ kind: 'image', source: 'restore', originalName: 'camera restored.png', provider: 'cpu' });
    expect(output.model).toBe('Real-ESRGAN ×2, GFPGAN 1.4, DDColor');
    const provenance = output.provenance as {
      steps: { step: string }[];
      models: { id: string; files: { sha256: string }[] }[];
      source: { outputId: number };
    };
    expect(provenance.steps.map((s) => s.step)).toEqual(['upscale', 'restore', 'colorize']);
    expect(provenance.models.map((m) => m.id)).toEqual(['real-esrgan-x2', 'gfpgan-1.4', 'ddcolor']);
    expect(provenance.models[0]!.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(provenance.source.outputId).toBe(camera);
    expect(events.some((e) => e.type === 'output:added' && e.payload.id === output.id)).toBe(true);
    // It is in colour now.
    const { image } = await loadSource(studio.catalog, { outputId: output.id });
    expect(meanChroma(rgbToLab(image))).toBeGreaterThan(5);
  });

  it('checks that the result still looks like the person in the original: an upscale keeps the face, a damaging restorer is named', async () => {
    const kept = (
      await studio.jobs.waitFor((await studio.api.portrait.process({ source: { outputId: camera }, upscale: { scale: 2 }, provider: 'cpu' })).id)
    ).result as ProcessResult;
    expect(kept.identity).toMatchObject({ model: 'dlib-resnet-v1', still: { verdict: 'same' }, video: null });
    expect(kept.warnings.join(' ')).not.toMatch(/no longer look like/);
    // A restorer that paints a stranger's face (from face-api's sample photos) over the one it was given.
    const stranger = await sharp((await portraitsOf(faceApiSamples[1]!, yunet.path))[0]!)
      .resize(512, 512)
      .removeAlpha()
      .raw()
      .toBuffer();
    const painted = new Float32Array(3 * 512 * 512);
    for (let i = 0; i < 512 * 512; i++) for (let c = 0; c < 3; c++) painted[c * 512 * 512 + i] = (stranger[i * 3 + c]! / 255) * 2 - 1;
    mkdirSync(join(studio.catalog.paths.models, 'restoreformer-plus-plus'), { recursive: true });
    writeFileSync(
      join(studio.catalog.paths.models, 'restoreformer-plus-plus', 'restoreformer_plus_plus.onnx'),
      buildOnnxModel({
        name: 'paints-a-stranger',
        inputs: [{ name: 'input', type: 'float', shape: [1, 3, 512, 512] }],
        outputs: [{ name: 'output', type: 'float', shape: [1, 3, 512, 512] }],
        nodes: [
          { op: 'Mul', inputs: ['input', 'zero'], outputs: ['nothing'] },
          { op: 'Add', inputs: ['nothing', 'face'], outputs: ['output'] },
        ],
        initializers: [
          { name: 'zero', type: 'float', dims: [], data: Float32Array.of(0) },
          { name: 'face', type: 'float', dims: [1, 3, 512, 512], data: painted },
        ],
      }),
    );
    const changed = (
      await studio.jobs.waitFor(
        (
          await studio.api.portrait.process({
            source: { outputId: camera },
            restore: { model: 'restoreformer-plus-plus', strength: 1 },
            provider: 'cpu',
          })
        ).id,
      )
    ).result as ProcessResult;
    expect(changed.identity?.still?.verdict).not.toBe('same');
    expect(changed.warnings.join(' ')).toMatch(/may no longer look like the person \(likeness \d+ of 100\)|no face is found in the restored photo/);
    const [score] = await studio.api.likeness.getScores({ ids: [changed.still!.outputId!] });
    expect(score).toMatchObject({ reference: expect.stringMatching(/^original:[0-9a-f]{64}$/), model: 'dlib-resnet-v1' });
  });

  it('keeps a preview aside instead of adding it to the catalogue', async () => {
    const before = (await studio.api.catalog.listOutputs({})).total;
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      colorize: { model: 'ddcolor' },
      quality: 'preview',
      provider: 'cpu',
    });
    const done = await studio.jobs.waitFor(job.id);
    const result = done.result as ProcessResult;
    expect(result.still).toMatchObject({ outputId: null });
    expect(studio.catalog.objectMime(result.still!.hash)).toBe('image/png');
    expect((await studio.api.catalog.listOutputs({})).total).toBe(before);
  });

  it('animates with a preset and a voice into a video output ffprobe accepts', async () => {
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      animate: {
        motion: { preset: 'gentle-nod' },
        fps: 10,
        maxSide: 256,
        seed: 5,
        speech: { audio: { path: join(root, 'voice.wav') }, model: 'edtalk-256' },
      },
      provider: 'cpu',
    });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.error).toBeNull();
    const result = done.result as ProcessResult;
    // As long as the voice: 1.6 s at 10 fps.
    expect(result.video).toMatchObject({ frames: 16, fps: 10, width: 256, height: 256, durationMs: 1600 });
    expect(result.providers['animate.generator']).toBe('cpu');
    expect(result.timings.animationRunMs).toBeGreaterThan(0);
    const output = await studio.api.catalog.getOutput({ id: result.video!.outputId! });
    expect(output).toMatchObject({ kind: 'video', source: 'animate', seed: 5, durationMs: 1600 });
    // Timings are milliseconds (Review prints “ms” after each); the loop's frame rate is a setting of the animation.
    expect(Object.keys(output.timings ?? {}).filter((key) => !key.endsWith('Ms'))).toEqual([]);
    expect((output.provenance as { animation: { framesPerSecond: number } }).animation.framesPerSecond).toBeGreaterThan(0);
    const provenance = output.provenance as { animation: { preset: string; frames: number; speech: { model: string } } };
    expect(provenance.animation).toMatchObject({ preset: 'gentle-nod', frames: 16, speech: { model: 'edtalk-256' } });
    const probe = await ffprobe(ffmpeg!.ffprobe!, studio.catalog.store.pathOf(output.hash));
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
    // The clip's likeness to the original: sampled frames (two a second), their mean and worst.
    expect(result.identity?.video).not.toBeNull();
    const [clip] = await studio.api.likeness.getScores({ ids: [output.id] });
    expect(clip).toMatchObject({ reference: expect.stringMatching(/^original:/), frames: { sampled: expect.any(Number) } });
    expect(clip!.frames!.sampled).toBeGreaterThanOrEqual(3);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 256, height: 256 });
  });

  it('keeps the frames’ length when the clip is longer than the voice (the sound is padded with silence)', async () => {
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      animate: { motion: { preset: 'blink' }, seconds: 2.5, fps: 10, maxSide: 256, speech: { audio: { path: join(root, 'voice.wav') } } },
      provider: 'cpu',
    });
    const done = await studio.jobs.waitFor(job.id);
    const result = done.result as ProcessResult;
    expect(result.video).toMatchObject({ frames: 25, durationMs: 2500 });
    const probe = await ffprobe(ffmpeg!.ffprobe!, studio.catalog.store.pathOf(result.video!.hash));
    expect(Number(probe.format.duration)).toBeCloseTo(2.5, 1);
  });

  it.skipIf(espeakMissing)('speaks typed words (espeak-ng) and records them in the provenance', async () => {
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      animate: { motion: { preset: 'blink' }, fps: 10, maxSide: 256, speech: { audio: { text: 'Hello, my dear.', language: 'en' } } },
      provider: 'cpu',
    });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.error).toBeNull();
    const result = done.result as ProcessResult;
    const output = await studio.api.catalog.getOutput({ id: result.video!.outputId! });
    const speech = (output.provenance as { animation: { speech: { narration: { text: string; engine: string } } } }).animation.speech;
    expect(speech.narration).toMatchObject({ text: 'Hello, my dear.', engine: expect.stringMatching(/eSpeak/i) });
    const probe = await ffprobe(ffmpeg!.ffprobe!, studio.catalog.store.pathOf(output.hash));
    expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);
  });

  it('refuses a non-commercial model until allowed, and says why before queueing', async () => {
    await expect(studio.api.portrait.process({ source: { outputId: camera }, restore: { model: 'codeformer' } })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringMatching(/CodeFormer is licensed for non-commercial use only/),
    });
    const status = await studio.api.portrait.setNonCommercial({ allowed: true });
    expect(status.models.find((m) => m.id === 'codeformer')!.usable).toBe(true);
    const job = await studio.api.portrait.process({ source: { outputId: camera }, restore: { model: 'codeformer', fidelity: 0.3 }, provider: 'cpu' });
    expect((await studio.jobs.waitFor(job.id)).status).toBe('done');
    await studio.api.portrait.setNonCommercial({ allowed: false });
  });

  it('says what is missing: a model not installed, a photo without a face', async () => {
    await expect(studio.api.portrait.process({ source: { outputId: camera }, colorize: { model: 'deoldify-stable' } })).rejects.toMatchObject({
      code: 'MODEL_ERROR',
      hint: expect.stringMatching(/likeness models download deoldify-stable/),
    });
    const job = await studio.api.portrait.process({ source: { outputId: coffee }, restore: {}, provider: 'cpu' });
    const failed = await studio.jobs.waitFor(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/No face was found in coffee\.png/) });
  });

  it('saves the still and the clip of one request, each with its own models', async () => {
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      restore: { model: 'gfpgan-1.4', strength: 0.65 },
      animate: { motion: { preset: 'blink' }, seconds: 1, fps: 10, maxSide: 256, seed: 3 },
      provider: 'cpu',
    });
    const done = await studio.jobs.waitFor(job.id);
    expect(done.error).toBeNull();
    const result = done.result as ProcessResult;
    const still = await studio.api.catalog.getOutput({ id: result.still!.outputId! });
    const clip = await studio.api.catalog.getOutput({ id: result.video!.outputId! });
    expect(still.model).toBe('GFPGAN 1.4');
    expect((still.provenance as { models: { id: string }[] }).models.map((m) => m.id)).toEqual(['gfpgan-1.4']);
    expect(Object.keys(still.timings ?? {})).toEqual(['restoreMs']);
    expect((clip.provenance as { still: number }).still).toBe(still.id);
  });

  it('refuses to upscale a scan too large before queueing, and says what to do', async () => {
    // 4100×4000 ×2 would be 66 megapixels (a plain grey JPEG: only its header is read).
    const scan = join(root, 'large-scan.jpg');
    await sharp({ create: { width: 4100, height: 4000, channels: 3, background: '#8a8070' } })
      .jpeg()
      .toFile(scan);
    const jobsBefore = (await studio.api.jobs.list({})).length;
    await expect(studio.api.portrait.process({ source: { path: scan }, upscale: { scale: 2 }, provider: 'cpu' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: 'Upscaling 4100×4000 ×2 would make 66 megapixels, more than 64.',
      hint: 'Skip upscaling: the scan is already large.',
    });
    expect((await studio.api.jobs.list({})).length).toBe(jobsBefore);
  });

  it('refuses a driving “video” that is a photo before queueing', async () => {
    const jobsBefore = (await studio.api.jobs.list({})).length;
    await expect(
      studio.api.portrait.process({
        source: { outputId: camera },
        restore: {},
        animate: { motion: { driving: { path: join(photos.path, 'astronaut.png') } } },
      }),
    ).rejects.toMatchObject({ message: 'astronaut.png has no video Likeness can read.', hint: 'Check that it plays in a video player.' });
    expect((await studio.api.jobs.list({})).length).toBe(jobsBefore);
  });

  it('leaves no restored still behind when the animation after it fails', async () => {
    // A driving video without a face (the coffee cup, panned): the restore step succeeds, the animation cannot.
    const driving = join(root, 'no-face.mp4');
    await run(ffmpeg!.path, [
      '-v',
      'error',
      '-y',
      '-loop',
      '1',
      '-i',
      join(photos.path, 'coffee.png'),
      '-t',
      '1',
      '-r',
      '10',
      '-pix_fmt',
      'yuv420p',
      driving,
    ]);
    const before = (await studio.api.catalog.listOutputs({})).total;
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      restore: { model: 'gfpgan-1.4', strength: 0.55 },
      animate: { motion: { driving: { path: driving } }, fps: 10, maxSide: 256 },
      provider: 'cpu',
    });
    const failed = await studio.jobs.waitFor(job.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatchObject({ message: expect.stringMatching(/No face was found at the start of the driving video/) });
    expect((await studio.api.catalog.listOutputs({})).total).toBe(before);
  });

  it('cancels an animation between frames', async () => {
    const before = (await studio.api.catalog.listOutputs({})).total;
    const job = await studio.api.portrait.process({
      source: { outputId: camera },
      restore: { model: 'gfpgan-1.4', strength: 0.45 },
      animate: { motion: { preset: 'look-around' }, seconds: 60, fps: 30, maxSide: 256 },
      provider: 'cpu',
    });
    // Wait until frames are being made, then cancel.
    const animating = () =>
      events.some((e) => e.type === 'job:progress' && e.payload.jobId === job.id && /^Animating: frame/.test(e.payload.message ?? ''));
    for (let i = 0; i < 1200 && !animating(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(animating()).toBe(true);
    await studio.api.jobs.cancel({ id: job.id });
    const cancelled = await studio.jobs.waitFor(job.id);
    expect(cancelled.status).toBe('cancelled');
    // No half-made clip was added, nor the still restored before it.
    expect((await studio.api.catalog.listOutputs({ kind: 'video' })).items.filter((o) => o.originalName === 'camera look-around.mp4')).toEqual([]);
    expect((await studio.api.catalog.listOutputs({})).total).toBe(before);
  });
});
