import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';
import { addPngText } from '../catalog/provenance/png-text';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StudioEvent } from '../api/events';
import type { ReelResult } from '../api/namespaces/reels';
import { rememberScratchObject } from '../catalog/scratch-objects';
import { createStudio, type Studio } from '../studio/studio';
import { sharedFile } from '../testing/shared-data';
import type { FrameSource } from './frame-source';
import { renderIntoCatalog } from './reel-job';
import { requireTemplate } from './templates';
import { ffprobe, makeMusic, makeVoice, testFfmpeg } from './testing/media-fixtures';

const { location: ffmpeg, missing } = testFfmpeg();
const photos = sharedFile('fixtures/photos');

describe.skipIf(missing ?? photos.missing)('reels through the studio (job, catalogue, API)', () => {
  let root: string;
  let studio: Studio;
  let outputIds: number[];
  const events: StudioEvent[] = [];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-reel-job-'));
    studio = await createStudio({ library: join(root, 'library'), jobs: { workerIdleMs: 60_000 } });
    studio.events.subscribe((event) => events.push(event));
    const job = await studio.api.catalog.import({ path: photos.path });
    await studio.jobs.waitFor(job.id);
    const page = await studio.api.catalog.listOutputs({ sort: 'oldest' });
    outputIds = page.items.filter((o) => o.originalName !== 'coffee.png').map((o) => o.id);
    await makeVoice(ffmpeg!.path, join(root, 'voice.wav'), 2.5);
    await makeMusic(ffmpeg!.path, join(root, 'music.wav'), 3);
  });

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('lists the three templates with what they take', async () => {
    const templates = await studio.api.reels.listTemplates();
    expect(templates.map((t) => t.id).sort()).toEqual(['before-after', 'memories', 'talking']);
    expect(templates.find((t) => t.id === 'memories')).toMatchObject({ visuals: { min: 3, max: 20 }, titleStyle: 'card', voice: 'optional' });
    expect(templates.find((t) => t.id === 'talking')).toMatchObject({ voice: 'required', visuals: { min: 1, max: 1 } });
  });

  it('takes audio larger than one request body in chunks, reads its type from the content, and names the user’s file', async () => {
    // A fresh library (no objects/.tmp yet) and 70 s of WAV: 6.7 MB, over what one JSON body of base64 may carry.
    const fresh = await createStudio({ library: join(root, 'fresh-library') });
    try {
      await makeVoice(ffmpeg!.path, join(root, 'long.wav'), 70);
      const bytes = readFileSync(join(root, 'long.wav'));
      expect(bytes.length).toBeGreaterThan(6 * 2 ** 20);
      const stage = async (name: string, data: Buffer) => {
        const uploadId = randomUUID();
        for (let offset = 0; offset < data.length || offset === 0; offset += 2 ** 20) {
          await fresh.api.people.upload({ uploadId, name, offset, data: data.subarray(offset, offset + 2 ** 20).toString('base64') });
          if (!data.length) break;
        }
        return uploadId;
      };
      const asset = await fresh.api.reels.uploadAudio({ uploadId: await stage('interview.wav', bytes) });
      expect(asset).toMatchObject({ name: 'interview.wav', mime: 'audio/wav', size: bytes.length });
      expect(Math.abs(asset.durationMs - 70_000)).toBeLessThan(100);
      // Claimed to be an MP3, really text: refused with the name the user gave it.
      const error = await fresh.api.reels
        .uploadAudio({ uploadId: await stage('song.mp3', Buffer.from('<html>not audio</html>')) })
        .catch((e: Error) => e);
      expect(error).toMatchObject({ code: 'INVALID_INPUT', message: 'song.mp3 has no sound Likeness can read.' });
      // Inline, as the CLI sends it: the type is what the bytes are, not what was claimed.
      const inline = await fresh.api.reels.uploadAudio({
        name: 'take.wav',
        mime: 'text/html',
        base64: readFileSync(join(root, 'voice.wav')).toString('base64'),
      });
      expect(fresh.catalog.objectMime(inline.hash)).toBe('audio/wav');
    } finally {
      await fresh.close();
    }
  });

  it('stores an uploaded recording after measuring it, and refuses what is not sound', async () => {
    const base64 = readFileSync(join(root, 'voice.wav')).toString('base64');
    const asset = await studio.api.reels.uploadAudio({ name: 'take 1.wav', mime: 'audio/wav;codecs=1', base64 });
    expect(asset).toMatchObject({ name: 'take 1.wav', mime: 'audio/wav' });
    expect(Math.abs(asset.durationMs - 2500)).toBeLessThan(60);
    expect(studio.catalog.objectMime(asset.hash)).toBe('audio/wav');
    await expect(
      studio.api.reels.uploadAudio({ name: 'notes.txt', base64: Buffer.from('not audio at all').toString('base64') }),
    ).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/no sound Likeness can read/),
    });
  });

  it('is marked AI-generated exactly when a model made or changed one of its pictures', async () => {
    const visuals = outputIds.slice(0, 3).map((outputId) => ({ outputId }));
    expect(await studio.api.reels.plan({ template: 'memories', visuals, aiLabel: 'visible' })).toMatchObject({ aiContent: [], aiMark: 'off' });
    // An image another tool generated (A1111's parameters in its PNG), imported as it came.
    const incoming = join(root, 'generated');
    mkdirSync(incoming);
    const png = await sharp({ create: { width: 96, height: 128, channels: 3, background: '#8a6' } })
      .png()
      .toBuffer();
    writeFileSync(
      join(incoming, 'a1111-00001.png'),
      addPngText(png, [{ keyword: 'parameters', text: 'a portrait\nSteps: 20, Sampler: Euler a, Seed: 5, Size: 96x128' }]),
    );
    await studio.jobs.waitFor((await studio.api.catalog.import({ path: incoming })).id);
    const generated = (await studio.api.catalog.listOutputs({ limit: 100 })).items.find((o) => o.originalName === 'a1111-00001.png')!;
    const mixed = [...visuals.slice(0, 2), { outputId: generated.id }];
    expect(await studio.api.reels.plan({ template: 'memories', visuals: mixed, aiLabel: 'visible' })).toMatchObject({
      aiContent: [{ name: 'a1111-00001.png', why: 'generated with a1111' }],
      aiMark: 'visible',
    });
    expect(await studio.api.reels.plan({ template: 'memories', visuals: mixed })).toMatchObject({ aiMark: 'metadata' });
    expect(await studio.api.reels.plan({ template: 'memories', visuals: mixed, aiLabel: 'off' })).toMatchObject({ aiMark: 'off' });
    // A photo given by path carries its own metadata the same way.
    expect(
      await studio.api.reels.plan({ template: 'memories', visuals: [...visuals.slice(0, 2), { path: join(incoming, 'a1111-00001.png') }] }),
    ).toMatchObject({ aiContent: [{ why: 'generated with a1111' }] });
    await studio.api.catalog.trash({ ids: [generated.id] });
  });

  it('plans without rendering: length and warnings', async () => {
    const plan = await studio.api.reels.plan({
      template: 'memories',
      visuals: outputIds.map((outputId) => ({ outputId })),
      title: 'Plan',
      secondsPerVisual: 2,
    });
    // No face detector in this library: the plan says the moves aim at the centre, and how to install it.
    expect(plan).toMatchObject({
      width: 1080,
      height: 1920,
      segments: 4,
      transitions: 'xfade',
      warnings: [expect.stringMatching(/Faces are not looked for/)],
    });
    expect(plan.seconds).toBeCloseTo((75 + 3 * 60 - 3 * 24) / 30, 5);
    await expect(studio.api.reels.plan({ template: 'memories', visuals: [{ outputId: outputIds[0]! }] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringMatching(/takes 3–20/),
    });
    // Rendering checks the same before queueing: no job for a request that cannot work.
    const jobsBefore = (await studio.api.jobs.list()).length;
    await expect(studio.api.reels.render({ template: 'memories', visuals: [{ outputId: outputIds[0]! }] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    await expect(studio.api.reels.render({ template: 'nope', visuals: [{ outputId: outputIds[0]! }] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      hint: expect.stringMatching(/memories/),
    });
    expect((await studio.api.jobs.list()).length).toBe(jobsBefore);
  });

  it(
    'renders a memories reel from catalogue photos into a video output with a thumbnail, announced by output:added',
    { timeout: 240_000 },
    async () => {
      const voice = await studio.api.reels.uploadAudio({ name: 'voice.wav', base64: readFileSync(join(root, 'voice.wav')).toString('base64') });
      const job = await studio.api.reels.render({
        template: 'memories',
        size: '1080x1080',
        visuals: outputIds.map((outputId) => ({ outputId })),
        voice: { hash: voice.hash },
        music: { path: join(root, 'music.wav') },
        title: 'Summer',
        captions: { text: 'A summer by the sea.' },
        secondsPerVisual: 1.2,
        aiLabel: 'visible',
        name: 'Summer.mp4',
      });
      expect(job).toMatchObject({ kind: 'reels.render', title: 'Reel: Summer', status: 'queued' });
      const finished = await studio.jobs.waitFor(job.id);
      expect(finished.error).toBeNull();
      expect(finished.status).toBe('done');
      const result = finished.result as ReelResult;
      expect(result.outputId).toEqual(expect.any(Number));
      expect(result.loudness!.integrated).toBeGreaterThanOrEqual(-15);
      expect(result.loudness!.integrated).toBeLessThanOrEqual(-13);
      expect(result.loudness!.truePeak).toBeLessThanOrEqual(-1);

      const output = await studio.api.catalog.getOutput({ id: result.outputId! });
      expect(output).toMatchObject({
        kind: 'video',
        width: 1080,
        height: 1080,
        source: 'reel',
        template: 'memories',
        originalName: 'Summer.mp4',
        jobId: job.id,
      });
      expect(output.durationMs).toBe(result.durationMs);
      expect(output.provenance).toMatchObject({
        template: 'memories',
        transitions: 'xfade',
        visuals: outputIds.map((outputId) => expect.objectContaining({ outputId })),
      });
      expect(studio.catalog.objectMime(output.hash)).toBe('video/mp4');
      expect(studio.catalog.objectMime(output.thumbHash!)).toBe('image/webp');
      const probe = await ffprobe(ffmpeg!.ffprobe!, studio.catalog.store.pathOf(output.hash));
      expect(Math.abs(Number(probe.format.duration) * 1000 - output.durationMs!)).toBeLessThanOrEqual(1000 / 30);
      // Unedited photos only: "visible" was asked for, but nothing a model made is in it — no mark, no AI metadata.
      expect(probe.format.tags?.comment).toBeUndefined();
      expect(output.provenance).toMatchObject({ aiContent: [], aiMarked: false });
      expect(events.some((e) => e.type === 'output:added' && e.payload.id === output.id && e.payload.kind === 'video')).toBe(true);
      // Nothing left behind in the store's temp folder.
      expect(readdirSync(studio.catalog.store.tmpDir)).toEqual([]);
    },
  );

  it('the seam for animated portraits: frames streamed by a producer become a catalogue video', { timeout: 120_000 }, async () => {
    const size = 128;
    const animation: FrameSource = {
      width: size,
      height: size,
      fps: 25,
      frameCount: 40,
      pixelFormat: 'rgb24',
      async *frames(signal) {
        for (let i = 0; i < 40 && !signal.aborted; i++) yield Buffer.alloc(size * size * 3, (i * 6) % 256);
      },
    };
    const added: number[] = [];
    const result = await renderIntoCatalog(
      studio.catalog,
      {
        settings: { template: requireTemplate('talking'), width: 1080, height: 1080, aiLabel: 'visible', aiLabelText: 'AI-generated' },
        sources: { visuals: [{ kind: 'stream', name: 'animated portrait', source: animation }], voice: join(root, 'voice.wav') },
        provenance: { animatedFrom: outputIds[0] },
        aiContent: [{ name: 'animated portrait', why: 'animated by a model' }],
        personId: null,
        quality: 'final',
        name: 'Animated.mp4',
      },
      { signal: new AbortController().signal, jobId: null, emit: (id) => added.push(id) },
    );
    expect(added).toEqual([result.outputId]);
    const output = await studio.api.catalog.getOutput({ id: result.outputId! });
    expect(output).toMatchObject({
      kind: 'video',
      width: 1080,
      height: 1080,
      originalName: 'Animated.mp4',
      provenance: expect.objectContaining({ animatedFrom: outputIds[0] }),
    });
    // 40 frames at 25 fps = 1.6 s; the 2.5 s voice (starting with the animation) plus its tail sets the length.
    expect(output.durationMs).toBe(3500);
  });

  it('a preview is small, playable from the store and not a catalogue output', { timeout: 120_000 }, async () => {
    const before = studio.catalog.outputs.count();
    const job = await studio.api.reels.render({
      template: 'before-after',
      visuals: outputIds.slice(0, 2).map((outputId) => ({ outputId })),
      quality: 'preview',
    });
    expect(job.title).toBe('Preview: Before / after');
    const finished = await studio.jobs.waitFor(job.id);
    const result = finished.result as ReelResult;
    expect(result).toMatchObject({ outputId: null, width: 360, height: 640 });
    expect(studio.catalog.objectMime(result.hash)).toBe('video/mp4');
    expect(studio.catalog.outputs.count()).toBe(before);
  });

  it('keeps only the latest previews, never an object an output uses', async () => {
    const hashes = await Promise.all(['a', 'b', 'c', 'd'].map((s) => studio.catalog.store.putBuffer(Buffer.from(`preview ${s}`))));
    for (const { hash, size } of hashes) studio.catalog.addObject({ hash, size, mime: 'video/mp4' });
    const removed: string[] = [];
    for (const { hash } of hashes) removed.push(...(await rememberScratchObject(studio.catalog, 'test-previews', hash, 2)));
    expect(removed).toEqual([hashes[0]!.hash, hashes[1]!.hash]);
    expect(existsSync(studio.catalog.store.pathOf(hashes[0]!.hash))).toBe(false);
    expect(studio.catalog.objectMime(hashes[3]!.hash)).toBe('video/mp4');
  });

  it('cancelling a render job ends ffmpeg, adds nothing and leaves no partial file', { timeout: 120_000 }, async () => {
    const before = studio.catalog.outputs.count();
    const job = await studio.api.reels.render({ template: 'memories', visuals: outputIds.map((outputId) => ({ outputId })), secondsPerVisual: 8 });
    await new Promise<void>((resolve) => {
      const stop = studio.events.subscribe((event) => {
        if (
          event.type === 'job:progress' &&
          event.payload.jobId === job.id &&
          event.payload.message === 'Rendering' &&
          event.payload.progress > 0.3
        ) {
          stop();
          resolve();
        }
      });
    });
    await studio.api.jobs.cancel({ id: job.id });
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.status).toBe('cancelled');
    expect(studio.catalog.outputs.count()).toBe(before);
    expect(readdirSync(studio.catalog.store.tmpDir)).toEqual([]);
  });

  it('a missing ffmpeg is refused before queueing, with how to install one', async () => {
    studio.catalog.setSetting('ffmpeg.path', join(root, 'no-ffmpeg-here'));
    try {
      await expect(studio.api.reels.render({ template: 'talking', visuals: [{ outputId: outputIds[0]! }] })).rejects.toMatchObject({
        code: 'FFMPEG_MISSING',
        hint: expect.stringMatching(/Install ffmpeg/),
      });
    } finally {
      studio.catalog.setSetting('ffmpeg.path', null);
    }
  });
});
