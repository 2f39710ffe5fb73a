import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, stat } from 'node:fs/promises';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { TrainerSettings, TrainRequest, type TrainedLora } from '../api/namespaces/people';
import type { Catalog } from '../catalog/catalog';
import { appVersion } from '../core/version';
import { defineJob } from '../jobs/define';
import { sha256File } from '../models/installed';
import { exportVersion } from './export';
import { PhotosRepository } from './photos-repo';
import { slug } from '../core/slug';
import { progressText } from '../api/progress-keys';

const SETTING_KEY = 'people.trainer';

export function readTrainerSettings(catalog: Catalog): TrainerSettings {
  const raw = catalog.getSetting(SETTING_KEY);
  const parsed = TrainerSettings.safeParse(raw ? JSON.parse(raw) : {});
  return parsed.success ? parsed.data : TrainerSettings.parse({});
}

export function writeTrainerSettings(catalog: Catalog, settings: TrainerSettings): void {
  catalog.setSetting(SETTING_KEY, JSON.stringify(settings));
}

function onPath(program: string): boolean {
  const extensions = process.platform === 'win32' ? ['', '.exe', '.cmd', '.bat'] : [''];
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && extensions.some((ext) => existsSync(join(dir, program + ext))));
}

export type TrainerProblemCode = 'not-set' | 'not-found' | 'no-folder';

/** Why the trainer cannot run as set up, in words that say what to do; null when it can. */
export function trainerProblem(settings: TrainerSettings): { code: TrainerProblemCode; message: string } | null {
  if (!settings.program) {
    return {
      code: 'not-set',
      message:
        'No trainer is set up. Likeness does not bundle one: install kohya sd-scripts, then give its command (e.g. accelerate or python with train_network.py) under Train → Trainer settings.',
    };
  }
  const found = isAbsolute(settings.program) || settings.program.includes('/') ? existsSync(settings.program) : onPath(settings.program);
  if (!found) {
    return {
      code: 'not-found',
      message: `The trainer program ${settings.program} was not found. Give its full path, or install it so that it is on the PATH.`,
    };
  }
  if (settings.cwd && !(existsSync(settings.cwd) && statSync(settings.cwd).isDirectory())) {
    return { code: 'no-folder', message: `The trainer's folder ${settings.cwd} does not exist.` };
  }
  return null;
}

export function trainerStatus(catalog: Catalog) {
  const settings = readTrainerSettings(catalog);
  const problem = trainerProblem(settings);
  return { ...settings, configured: problem === null, problem: problem?.message ?? null, problemCode: problem?.code ?? null };
}

export function assertTrainerReady(catalog: Catalog): TrainerSettings {
  const settings = readTrainerSettings(catalog);
  const problem = trainerProblem(settings);
  if (problem)
    throw new StudioError(
      'UNSUPPORTED',
      problem.message,
      'Open Trainer settings on the person’s page (or: likeness people trainer set PROGRAM ARGS…).',
    );
  return settings;
}

/** Fills {dataset} {output_dir} {output_name} {resolution} {steps} {epochs} {repeats} {batch_size} {trigger} {class} {name} in each argument. */
export function fillArguments(args: readonly string[], values: Record<string, string | number>): string[] {
  return args.map((arg) => arg.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole)));
}

export interface TrainerProgress {
  step: number;
  total: number;
  loss: number | null;
}

/**
 * Reads progress from a trainer's console: kohya sd-scripts' tqdm bar (`steps:  45%|████▌ | 450/1000
 * [01:23<01:40, 5.46it/s, avr_loss=0.0812]`), or any `N/M` tqdm bar when there is no `steps:` one.
 */
export function parseTrainerLine(line: string): TrainerProgress | null {
  const bar = /(?:^|\s)steps:\s.*?(\d+)\/(\d+)/.exec(line) ?? /\|\s*(\d+)\/(\d+)\s*\[/.exec(line);
  if (!bar) return null;
  const step = Number(bar[1]);
  const total = Number(bar[2]);
  if (!total || step > total) return null;
  const loss = /(?:avr_)?loss[=:]\s*([0-9.]+(?:e-?\d+)?)/.exec(line);
  return { step, total, loss: loss ? Number(loss[1]) : null };
}

/** A safetensors file starts with an 8-byte little-endian header length and a JSON header. */
async function assertSafetensors(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    const length = Number(head.readBigUInt64LE(0));
    const size = (await handle.stat()).size;
    if (length <= 0 || length > size - 8 || length > 100_000_000) throw new Error('bad header length');
    const header = Buffer.alloc(length);
    await handle.read(header, 0, length, 8);
    JSON.parse(header.toString('utf8'));
  } catch {
    throw new StudioError('MODEL_ERROR', `${path} is not a valid .safetensors file.`, 'Check the trainer’s log; it may have stopped while saving.');
  } finally {
    await handle.close();
  }
}

async function newestSafetensors(dir: string, preferred: string): Promise<string | null> {
  if (existsSync(join(dir, preferred))) return join(dir, preferred);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.safetensors'));
  const dated = await Promise.all(files.map(async (f) => ({ f, t: (await stat(join(dir, f))).mtimeMs })));
  dated.sort((a, b) => b.t - a.t);
  return dated[0] ? join(dir, dated[0].f) : null;
}

/** Runs the trainer, streaming its output to the log and progress; cancel stops the whole process group. */
async function runTrainer(
  settings: TrainerSettings,
  args: string[],
  log: string,
  signal: AbortSignal,
  onProgress: (p: TrainerProgress) => void,
): Promise<{ code: number | null; tail: string[] }> {
  const out = createWriteStream(log, { flags: 'a' });
  out.write(`$ ${settings.program} ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  const cwd = settings.cwd || (isAbsolute(settings.program) ? dirname(settings.program) : undefined);
  const child = spawn(settings.program, args, {
    cwd,
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so cancel reaches accelerate's worker processes too.
    detached: process.platform !== 'win32',
  });
  const tail: string[] = [];
  const lineBuffers = { stdout: '', stderr: '' };
  const consume = (stream: 'stdout' | 'stderr', chunk: Buffer) => {
    const lines = (lineBuffers[stream] + chunk.toString('utf8')).split('\n');
    // tqdm redraws its bar with \r: the latest redraw is the state; the log keeps one line per finished line.
    const open = lines.pop() ?? '';
    for (const line of lines) {
      const last = line
        .split('\r')
        .filter((r) => r.trim())
        .at(-1);
      if (last === undefined) continue;
      const p = parseTrainerLine(last);
      if (p) onProgress(p);
      out.write(`${last}\n`);
      tail.push(last);
      if (tail.length > 8) tail.shift();
    }
    const redraws = open.split('\r').filter((r) => r.trim());
    // The last redraw may be cut off mid-write; a tqdm bar is whole once its closing bracket is there.
    const whole = /\]\s*$/.test(redraws.at(-1) ?? '') ? redraws.at(-1) : redraws.at(-2);
    const p = whole === undefined ? null : parseTrainerLine(whole);
    if (p) onProgress(p);
    // Only the latest redraw is kept, so an hours-long bar without a newline does not grow.
    lineBuffers[stream] = redraws.length > 1 ? `\r${redraws.at(-1)}` : open;
  };
  child.stdout.on('data', (chunk: Buffer) => consume('stdout', chunk));
  child.stderr.on('data', (chunk: Buffer) => consume('stderr', chunk));

  let killTimer: NodeJS.Timeout | undefined;
  const kill = (sig: NodeJS.Signals) => {
    try {
      if (child.pid && process.platform !== 'win32') process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // already gone
    }
  };
  const onAbort = () => {
    out.write('[Likeness] cancelled: stopping the trainer\n');
    kill('SIGTERM');
    killTimer = setTimeout(() => kill('SIGKILL'), 4000);
  };
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', (error) => reject(error));
      child.once('close', (exitCode) => resolve(exitCode));
    });
    for (const rest of [lineBuffers.stdout, lineBuffers.stderr]) if (rest.trim()) out.write(`${rest.split('\r').at(-1)}\n`);
    return { code, tail };
  } catch (error) {
    throw new StudioError('IO_ERROR', `The trainer could not be started: ${(error as Error).message}`, 'Check the program in Trainer settings.');
  } finally {
    clearTimeout(killTimer);
    signal.removeEventListener('abort', onAbort);
    await new Promise<void>((resolve) => out.end(resolve));
  }
}

function insertLora(catalog: Catalog, lora: TrainedLora): void {
  catalog.models.upsert({
    id: lora.id,
    kind: 'lora',
    family: lora.family,
    name: lora.name,
    path: lora.path,
    sha256: lora.sha256,
    size: lora.size,
    license: null,
    commercialUse: null,
    personId: lora.personId,
    sampleSetId: lora.sampleSetId,
    meta: lora.meta,
    installedAt: lora.installedAt,
  });
}

/** Training the same version again gives "Ada v1 (2)": LoRA pickers list names, and two alike could not be told apart. */
function distinctLoraName(catalog: Catalog, personId: number, name: string): string {
  const taken = new Set(catalog.models.lorasOf(personId).map((m) => m.name));
  let candidate = name;
  for (let n = 2; taken.has(candidate); n++) candidate = `${name} (${n})`;
  return candidate;
}

export function listLoras(catalog: Catalog, personId: number): TrainedLora[] {
  return catalog.models.lorasOf(personId).map((m) => ({
    id: m.id,
    name: m.name,
    path: m.path,
    sha256: m.sha256,
    size: m.size,
    family: m.family,
    personId: m.personId,
    sampleSetId: m.sampleSetId,
    version: m.version,
    installedAt: m.installedAt,
    meta: m.meta,
  }));
}

const TrainJobInput = TrainRequest.extend({ personName: z.string().default('') });

/**
 * `people.train`: exports the version as a kohya dataset in <library>/training/…, runs the configured trainer
 * on it (progress from its output, log in <library>/logs/, cancel stops it), then registers the LoRA it wrote
 * against the person and the version.
 */
export const peopleTrainJob = defineJob({
  kind: 'people.train',
  resource: 'gpu',
  // A half-finished training run cannot be continued: start it again.
  resumable: false,
  input: TrainJobInput,
  title: (input: z.output<typeof TrainJobInput>) =>
    `Train a LoRA for ${input.personName || `person ${input.personId}`}${input.version ? ` (v${input.version})` : ''}`,
  async run(input, { catalog, signal, progress, jobId, emit }) {
    const settings = assertTrainerReady(catalog);
    const person = catalog.people.get(input.personId);
    const set = new PhotosRepository(catalog).version(input.personId, input.version);
    const name = `${slug(person.name, 'person')}-v${set.version}`;
    const workdir = join(catalog.paths.root, 'training', `${name}-job${jobId}`);
    const dataset = join(workdir, 'dataset');
    const outputDir = join(workdir, 'output');
    await mkdir(outputDir, { recursive: true });
    await mkdir(catalog.paths.logs, { recursive: true });
    const log = join(catalog.paths.logs, `train-${jobId}.log`);

    progress({ fraction: 0, ...progressText('people.writingDataset') });
    const exported = await exportVersion(
      catalog,
      {
        personId: input.personId,
        version: set.version,
        format: 'kohya',
        out: dataset,
        zip: false,
        targetSteps: settings.targetSteps,
        epochs: settings.epochs,
        batchSize: settings.batchSize,
      },
      { signal },
    );
    const args = fillArguments(settings.args, {
      dataset,
      output_dir: outputDir,
      output_name: name,
      resolution: set.cropSize,
      steps: exported.steps,
      epochs: exported.epochs,
      repeats: exported.repeats,
      batch_size: exported.batchSize,
      trigger: set.trigger,
      class: set.classWord,
      name: person.name,
    });

    let lastStep: number | null = null;
    progress({ fraction: 0.01, ...progressText('people.startingTrainer') });
    const run = await runTrainer(settings, args, log, signal, (p) => {
      lastStep = p.step;
      progress({
        done: p.step,
        total: p.total,
        ...(p.loss !== null
          ? progressText('people.trainStepLoss', { step: p.step, total: p.total, loss: p.loss })
          : progressText('people.trainStep', { step: p.step, total: p.total })),
      });
    });
    signal.throwIfAborted();
    if (run.code !== 0) {
      throw new StudioError(
        'IO_ERROR',
        `The trainer stopped with exit code ${run.code}${run.tail.length ? `: ${run.tail.at(-1)}` : ''}.`,
        `Read the log: ${log}`,
        { tail: run.tail, log },
      );
    }
    const produced = await newestSafetensors(outputDir, `${name}.safetensors`);
    if (!produced) {
      throw new StudioError(
        'MODEL_ERROR',
        'The trainer finished but wrote no .safetensors file.',
        `Check that its arguments save to {output_dir} as safetensors; the log: ${log}`,
      );
    }
    await assertSafetensors(produced);

    const id = `lora-${name}-job${jobId}`;
    const target = join(catalog.paths.models, 'loras', `${id}.safetensors`);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(produced, target);
    const lora: TrainedLora = {
      id,
      name: distinctLoraName(catalog, person.id, `${person.name} v${set.version}`),
      path: target,
      sha256: await sha256File(target),
      size: (await stat(target)).size,
      family: settings.family || null,
      personId: person.id,
      sampleSetId: set.id,
      version: set.version,
      installedAt: Date.now(),
      meta: {
        trigger: set.trigger,
        classWord: set.classWord,
        trainer: settings.program,
        args,
        steps: exported.steps,
        repeats: exported.repeats,
        epochs: exported.epochs,
        batchSize: exported.batchSize,
        resolution: set.cropSize,
        log,
        dataset,
        jobId,
        appVersion: appVersion(),
      },
    };
    insertLora(catalog, lora);
    emit('people:changed', { personId: person.id });
    return { lora, log, steps: lastStep };
  },
});
