// Job kinds for the queue's own tests (loaded into real worker threads through `kindsModule`).
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { StudioError } from '../../api/errors';
import { progressText } from '../../api/progress-keys';
import { defineJob, jobKinds } from '../define';

const SleepInput = z.object({ ms: z.number().int().min(0), steps: z.number().int().min(1).default(10), label: z.string().default('') });

function sleeper(kind: string, resource: 'cpu' | 'gpu', resumable: boolean) {
  return defineJob({
    kind,
    resource,
    resumable,
    input: SleepInput,
    title: (input) => `${kind} ${input.label}`,
    async run(input, { signal, progress }) {
      const startedAt = Date.now();
      for (let step = 0; step < input.steps; step++) {
        await sleep(input.ms / input.steps, undefined, { signal });
        progress({ done: step + 1, total: input.steps, message: `step ${step + 1}` });
      }
      return { startedAt, finishedAt: Date.now(), label: input.label };
    },
  });
}

/** Reports translatable progress (a key + params), then, with `plainLast`, one plain message. */
const noted = defineJob({
  kind: 'test.noted',
  resource: 'cpu',
  resumable: false,
  input: z.object({ frames: z.number().int().min(1), plainLast: z.boolean().default(false) }),
  title: () => 'noted',
  async run(input, { progress }) {
    for (let frame = 1; frame <= input.frames; frame++) {
      progress({ done: frame, total: input.frames, ...progressText('portrait.animatingFrame', { done: frame, total: input.frames }) });
    }
    if (input.plainLast) progress({ done: input.frames, total: input.frames, message: 'photo.png' });
    return null;
  },
});

export default jobKinds([
  noted,
  sleeper('test.sleep', 'cpu', true),
  sleeper('test.gpu-sleep', 'gpu', false),
  // Each job announces itself in `dir` and waits until `parties` jobs have: they can only all finish if the
  // queue runs that many at once (deterministic, unlike comparing timestamps on a loaded machine).
  defineJob({
    kind: 'test.rendezvous',
    resource: 'cpu',
    resumable: false,
    input: z.object({ dir: z.string(), label: z.string(), parties: z.number().int().min(1), timeoutMs: z.number().default(30_000) }),
    title: (input) => `rendezvous ${input.label}`,
    async run(input, { signal }) {
      writeFileSync(join(input.dir, input.label), '');
      const deadline = Date.now() + input.timeoutMs;
      while (readdirSync(input.dir).length < input.parties) {
        if (Date.now() > deadline) throw new StudioError('INTERNAL', `only ${readdirSync(input.dir).length} of ${input.parties} jobs ran at once`);
        await sleep(20, undefined, { signal });
      }
      return input.label;
    },
  }),
  // A GPU job that fails if another GPU job runs while it does: each marks itself in `dir` while running and
  // looks for the others' marks (overlap is caught by the job itself, not by comparing clocks).
  defineJob({
    kind: 'test.exclusive-gpu',
    resource: 'gpu',
    resumable: false,
    input: z.object({ dir: z.string(), label: z.string(), checks: z.number().int().min(1).default(5) }),
    title: (input) => `exclusive ${input.label}`,
    async run(input, { signal }) {
      const mark = join(input.dir, input.label);
      writeFileSync(mark, '');
      try {
        for (let i = 0; i < input.checks; i++) {
          const others = readdirSync(input.dir).filter((name) => name !== input.label);
          if (others.length) throw new StudioError('INTERNAL', `${others.join(', ')} ran on the GPU at the same time as ${input.label}`);
          await sleep(20, undefined, { signal });
        }
      } finally {
        rmSync(mark, { force: true });
      }
      return input.label;
    },
  }),
  defineJob({
    kind: 'test.stubborn',
    resource: 'cpu',
    resumable: false,
    input: z.object({ ms: z.number() }),
    title: () => 'ignores cancel',
    async run(input, { progress }) {
      progress({ fraction: 0.5, message: 'busy' });
      const until = Date.now() + input.ms;
      while (Date.now() < until) {
        // Blocks the worker's event loop: the cancel message cannot be handled.
      }
      return 'finished anyway';
    },
  }),
  defineJob({
    kind: 'test.fail',
    resource: 'cpu',
    resumable: false,
    input: z.object({}),
    title: () => 'always fails',
    async run() {
      throw new StudioError('CORRUPT_FILE', 'The test input is damaged.', 'Use another file.');
    },
  }),
]);
