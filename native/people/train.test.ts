import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeopleImportResult } from '../api/namespaces/people';
import type { StudioEventPayload } from '../api/events';
import type { Person } from '../api/namespaces/people';
import { appRoot } from '../core/entry-points';
import { installModelFile } from '../models/installed';
import { createStudio, type Studio } from '../studio/studio';
import { sharedFile } from '../testing/shared-data';
import { fillArguments, parseTrainerLine } from './train';

describe('reading a trainer’s console', () => {
  it('takes progress and loss from kohya’s tqdm bar, and from plain tqdm bars', () => {
    expect(parseTrainerLine('steps:  45%|████▌     | 450/1000 [01:23<01:40, 5.46it/s, avr_loss=0.0812]')).toEqual({
      step: 450,
      total: 1000,
      loss: 0.0812,
    });
    expect(parseTrainerLine('steps:   0%|          | 0/1600 [00:00<?, ?it/s]')).toEqual({ step: 0, total: 1600, loss: null });
    expect(parseTrainerLine(' 30%|███       | 3/10 [00:01<00:02,  3.1it/s, loss=1.2e-2]')).toEqual({ step: 3, total: 10, loss: 0.012 });
    expect(parseTrainerLine('epoch 1/10')).toBeNull();
    expect(parseTrainerLine('found directory ./data contains 12 image files')).toBeNull();
  });

  it('fills the placeholders of the trainer’s arguments and leaves unknown ones alone', () => {
    expect(
      fillArguments(['--train_data_dir={dataset}', '--resolution={resolution},{resolution}', '--x={unknown}'], { dataset: '/d', resolution: 512 }),
    ).toEqual(['--train_data_dir=/d', '--resolution=512,512', '--x={unknown}']);
  });
});

const photosDir = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const fakeTrainer = join(appRoot(), 'native', 'people', 'testing', 'fake-trainer.mjs');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(photosDir.missing || yunet.missing)('training with an external trainer', () => {
  let root: string;
  let studio: Studio;
  let person: Person;
  const trainerArgs = ['--train_data_dir={dataset}', '--output_dir={output_dir}', '--output_name={output_name}', '--max_train_steps={steps}'];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-train-'));
    studio = await createStudio({ library: join(root, 'library'), jobs: { cancelGraceMs: 8000 } });
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
    person = await studio.api.people.create({ name: 'Eileen', trigger: 'ohwx', classWord: 'woman' });
    const job = await studio.api.people.import({
      personId: person.id,
      paths: [join(photosDir.path, 'astronaut.png'), join(photosDir.path, 'camera.png')],
    });
    expect((await studio.jobs.waitFor(job.id)).result as PeopleImportResult).toMatchObject({ imported: 2 });
    const camera = (await studio.api.people.listPhotos({ personId: person.id })).find((p) => p.originalName === 'camera.png')!;
    await studio.api.people.override({ photoIds: [camera.id], verdict: 'accepted', reason: 'a good likeness' });
    await studio.api.people.freeze({ personId: person.id });
  });

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('says clearly when no trainer is set up', async () => {
    const status = await studio.api.people.trainer();
    expect(status).toMatchObject({
      configured: false,
      problemCode: 'not-set',
      problem: expect.stringMatching(/No trainer is set up.*kohya sd-scripts/),
    });
    const error = await studio.api.people.train({ personId: person.id }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNSUPPORTED', hint: expect.stringMatching(/Trainer settings/) });
    await studio.api.people.setTrainer({ program: join(root, 'no-such-trainer') });
    expect(await studio.api.people.trainer()).toMatchObject({ problemCode: 'not-found', problem: expect.stringMatching(/was not found/) });
  });

  it('runs the trainer on an exported version, follows its progress, keeps its log and registers the LoRA', async () => {
    await studio.api.people.setTrainer({
      program: process.execPath,
      args: [fakeTrainer, ...trainerArgs],
      family: 'sd15',
      targetSteps: 40,
      epochs: 2,
    });
    expect((await studio.api.people.trainer()).configured).toBe(true);
    const progress: StudioEventPayload<'job:progress'>[] = [];
    const job = await studio.api.people.train({ personId: person.id });
    const unsubscribe = studio.events.subscribe((e) => {
      if (e.type === 'job:progress' && e.payload.jobId === job.id) progress.push(e.payload);
    });
    const done = await studio.jobs.waitFor(job.id);
    unsubscribe();
    expect(done.error).toBeNull();
    expect(done.status).toBe('done');
    // 2 images × 10 repeats × 2 epochs = 40 steps, read from the bar.
    expect(progress.filter((p) => p.total === 40).length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ done: 40, total: 40, message: expect.stringMatching(/step 40\/40 · loss/) });

    const result = done.result as { lora: { id: string; path: string; sha256: string; version: number; family: string }; log: string; steps: number };
    expect(result.steps).toBe(40);
    expect(result.lora).toMatchObject({ version: 1, family: 'sd15' });
    expect(result.lora.path.startsWith(studio.catalog.paths.models)).toBe(true);
    expect(createHash('sha256').update(readFileSync(result.lora.path)).digest('hex')).toBe(result.lora.sha256);
    const loras = await studio.api.people.listLoras({ personId: person.id });
    expect(loras).toEqual([
      expect.objectContaining({ id: result.lora.id, personId: person.id, version: 1, meta: expect.objectContaining({ steps: 40, resolution: 512 }) }),
    ]);
    const log = readFileSync(result.log, 'utf8');
    expect(log).toMatch(/contains 2 image files/);
    expect(log).toMatch(/steps: 100%.*40\/40/);
    // Each redraw of the bar is parsed, but the log keeps only the line's last state.
    expect(log.match(/steps:/g)).toHaveLength(1);

    // Training the same version again registers a second LoRA that can be told apart from the first.
    const again = await studio.jobs.waitFor((await studio.api.people.train({ personId: person.id })).id);
    expect(again.status).toBe('done');
    expect((await studio.api.people.listLoras({ personId: person.id })).map((l) => l.name).sort()).toEqual(
      [`${person.name} v1`, `${person.name} v1 (2)`].sort(),
    );
  });

  it('reports a trainer that fails with its last words and where the log is', async () => {
    await studio.api.people.setTrainer({ program: process.execPath, args: [fakeTrainer, ...trainerArgs, '--fail_at=3'], targetSteps: 40, epochs: 2 });
    const done = await studio.jobs.waitFor((await studio.api.people.train({ personId: person.id })).id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatchObject({
      code: 'IO_ERROR',
      message: expect.stringMatching(/exit code 1: RuntimeError: CUDA out of memory/),
      hint: expect.stringMatching(/train-\d+\.log/),
    });
    expect(await studio.api.people.listLoras({ personId: person.id })).toHaveLength(2); // the two LoRAs of the runs above; a failed run adds none
  });

  it('cancels a running training and stops the trainer process', async () => {
    await studio.api.people.setTrainer({
      program: process.execPath,
      args: [fakeTrainer, ...trainerArgs, '--step_ms=150'],
      targetSteps: 400,
      epochs: 2,
    });
    const job = await studio.api.people.train({ personId: person.id });
    await new Promise<void>((resolve) => {
      const unsubscribe = studio.events.subscribe((e) => {
        if (e.type === 'job:progress' && e.payload.jobId === job.id && (e.payload.done ?? 0) >= 2) {
          unsubscribe();
          resolve();
        }
      });
    });
    const outputs = join(studio.catalog.paths.root, 'training');
    const runDir = readdirSync(outputs).find((d) => d.endsWith(`-job${job.id}`))!;
    const pid = Number(readFileSync(join(outputs, runDir, 'output', 'trainer.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);
    studio.jobs.cancel(job.id);
    expect((await studio.jobs.waitFor(job.id)).status).toBe('cancelled');
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
    expect(await studio.api.people.listLoras({ personId: person.id })).toHaveLength(2); // still the two of the runs above
  });
});
