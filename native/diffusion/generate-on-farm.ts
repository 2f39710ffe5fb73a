import { hostname } from 'node:os';
import { StudioError } from '../api/errors';
import type { GenerateResult, PlannedImage } from '../api/namespaces/generate';
import { progressText } from '../api/progress-keys';
import type { ProviderName } from '../api/schemas';
import { farmChoice } from '../farm/connect';
import { FarmQueue } from '../farm/farm-queue';
import type { FarmItem, FarmResult } from '../farm/protocol';
import type { JobContext } from '../jobs/define';
import { modelHash, resolveDiffusionModel, resolveLora } from '../models/manager';
import { sha256File } from '../models/installed';
import type { GenerateJobInput } from './generate-job';
import { doneIndices, startTally, storeImage, tallyImage } from './generate-run';
import { planRequest } from './plan-from-catalog';

/** With a likeness gate, items are sent a few at a time, so a gate met early leaves little work to throw away. */
const GATE_WINDOW_PER_WORKER = 2;
const GATE_WINDOW_MIN = 4;
/** Every item is looked at this often even when no event arrived (events are missed while Redis restarts). */
const SWEEP_MS = 3_000;

/**
 * A batch made by the farm's workers, in five steps: (1) what to make, as on this machine; (2) the farm and the
 * files its workers need (LoRAs, the start image), sent once by hash; (3) the items queued, one per image;
 * (4) each image stored once as it comes back, scored, counted for the gate; (5) what the batch did. The job row
 * here stays the user's handle: cancel reaches the workers, and a restarted studio picks up where it was.
 */
export async function runGenerateOnFarm(input: GenerateJobInput, context: JobContext): Promise<GenerateResult> {
  const { catalog, signal, progress } = context;
  const { request, batchId } = input;

  // 1. What to make (images a resumed batch stored already are skipped).
  const choice = farmChoice(catalog);
  if (!choice)
    throw new StudioError(
      'UNSUPPORTED',
      'This batch runs on the farm, but no farm is set for this library.',
      'Start Likeness with --farm redis://:PASSWORD@HOST:6379, or set the farm on the Jobs page (likeness farm use URL).',
    );
  progress({ fraction: 0, ...progressText('generate.checkingModel') });
  const resolved = resolveDiffusionModel(catalog, request.model);
  const hash = await modelHash(catalog, resolved, (status) => progress({ fraction: 0, ...status }));
  const skip = doneIndices(catalog, batchId);
  const todo = planRequest(catalog, request, input.seed, resolved).filter((p) => !skip.has(p.index));
  const tally = await startTally(catalog, input, skip.size, signal);

  // 2. The farm, and the files travelling once.
  const farm = await FarmQueue.open(choice.address);
  let unwatch = () => {};
  try {
    const loras = await Promise.all(
      request.loras.map(async (use) => {
        const lora = resolveLora(catalog, use);
        const sha256 = await sha256File(lora.path);
        await farm.uploadBlob(sha256, lora.path);
        return { name: lora.name, path: lora.path, sha256, scale: use.scale };
      }),
    );
    const init = request.init ? { sha256: await sha256File(request.init.path), path: request.init.path, strength: request.init.strength } : undefined;
    if (init) await farm.uploadBlob(init.sha256, init.path);
    signal.throwIfAborted();
    const toItem = (planned: PlannedImage): FarmItem => ({
      version: 1,
      batchId,
      index: planned.index,
      studio: hostname(),
      model: { id: resolved.id, name: resolved.name, family: resolved.info.family, sha256: hash },
      loras: loras.map((l) => ({ name: l.name, sha256: l.sha256, scale: l.scale })),
      image: {
        prompt: planned.prompt,
        negativePrompt: planned.negativePrompt,
        seed: planned.seed,
        width: planned.width,
        height: planned.height,
        steps: planned.steps,
        guidance: planned.guidance,
        scheduler: planned.scheduler,
      },
      provider: request.provider,
      tiledVae: request.tiledVae,
      ...(init ? { init: { sha256: init.sha256, strength: init.strength } } : {}),
    });

    // 3. The items, all at once (or a window of them under a likeness gate).
    const planned = new Map(todo.map((p) => [p.index, p]));
    const outstanding = new Set<number>();
    const stepOf = new Map<number, number>();
    let next = 0;
    const gateMet = () => Boolean(tally.gate && tally.kept >= tally.gate.keep);
    // The gate's window follows the workers online, asked at most once a sweep (the loop wakes on every event).
    let window = { size: GATE_WINDOW_MIN, askedAt: -Infinity };
    const windowSize = async () => {
      if (!tally.gate) return Infinity;
      if (Date.now() - window.askedAt >= SWEEP_MS) {
        const online = (await farm.status()).workers.filter((w) => w.online).length;
        window = { size: Math.max(GATE_WINDOW_MIN, GATE_WINDOW_PER_WORKER * online), askedAt: Date.now() };
      }
      return window.size;
    };
    const queueMore = async () => {
      const room = (await windowSize()) - outstanding.size;
      const items: FarmItem[] = [];
      while (next < todo.length && items.length < room && !gateMet()) items.push(toItem(todo[next++]!));
      if (!items.length) return;
      progress({ fraction: fraction(), ...progressText('generate.farmSending', { count: items.length }) });
      await farm.add(items);
      for (const item of items) outstanding.add(item.index);
    };

    // 4. Results as they land: each stored once (a second copy of an item that ran twice is dropped).
    const made = {
      outputs: [] as number[],
      failures: [] as { index: number; reason: string; attempts: number }[],
      seconds: 0,
      providers: new Map<ProviderName, number>(),
    };
    const settledCount = () => made.outputs.length + made.failures.length;
    function fraction() {
      const running = [...stepOf.values()].reduce((n, f) => n + f, 0);
      return Math.min(0.999, (settledCount() + running) / Math.max(1, todo.length));
    }
    const say = () =>
      progress({
        fraction: fraction(),
        done: settledCount(),
        total: todo.length,
        ...progressText('generate.farmProgress', { done: settledCount(), total: todo.length, active: stepOf.size }),
      });
    const changed = new Set<number>();
    let wake: (() => void) | undefined;
    function onFarmEvent(jobId: string, report: { step: number; steps: number } | null) {
      const match = jobId.startsWith(`${batchId}-`) ? Number(jobId.slice(batchId.length + 1)) : NaN;
      if (!outstanding.has(match)) return;
      if (report) {
        stepOf.set(match, report.step / Math.max(1, report.steps));
        say();
      } else changed.add(match);
      wake?.();
    }
    unwatch = farm.watch(onFarmEvent);
    const land = async (index: number, result: FarmResult) => {
      const image = planned.get(index)!;
      const png = Buffer.from(result.png, 'base64');
      const { id, added } = await storeImage(context, {
        png,
        planned: image,
        request,
        batchId,
        resolved,
        modelHash: hash,
        by: {
          provider: result.maker.provider,
          providers: result.providers,
          vaeEncoderSampling: result.vaeEncoderSampling,
          loras: result.loras.map((l) => ({
            ...l,
            path: loras.find((mine) => mine.sha256 === l.sha256)?.path ?? null,
            unmatched: l.unmatched.length,
          })),
          farm: result.maker,
        },
        timings: result.timings,
        init: init ? { hash: init.sha256, strength: init.strength, path: init.path } : undefined,
        truncated: result.truncated,
        fallbacks: result.fallbacks,
      });
      made.outputs.push(id);
      made.seconds += (result.timings.totalMs ?? 0) / 1000;
      made.providers.set(result.maker.provider, (made.providers.get(result.maker.provider) ?? 0) + 1);
      await tallyImage(context, tally, id, added, request.personId ?? null);
    };

    // A resumed batch: images stored before the stop whose items were not yet taken off the farm.
    for (const index of skip) await farm.remove(batchId, index);
    // A batch run again (Retry after a cancel or a failure) starts afresh: no cancel marker, and the items that
    // failed or were stopped last time are made again instead of read back as failed.
    await farm.startOver(batchId);
    await queueMore();
    let lastSweep = Date.now();
    while (outstanding.size) {
      if (signal.aborted) {
        await farm.cancel(batchId, outstanding);
        signal.throwIfAborted();
      }
      const sweep = Date.now() - lastSweep >= SWEEP_MS;
      if (sweep) {
        lastSweep = Date.now();
        // Written progress is where a cancel from another process (the CLI beside the server) is noticed.
        say();
      }
      const look = sweep ? [...outstanding] : [...changed].filter((i) => outstanding.has(i));
      changed.clear();
      for (const index of look) {
        const state = await farm.itemState(batchId, index);
        if (state.state === 'pending') continue;
        if (state.state === 'missing') {
          // Lost from Redis (restarted without its append-only file) or removed by hand: sent again.
          if (!doneIndices(catalog, batchId).has(index)) await farm.add([toItem(planned.get(index)!)]);
          else {
            outstanding.delete(index);
            stepOf.delete(index);
          }
          continue;
        }
        if (state.state === 'done') await land(index, state.result);
        else made.failures.push({ index, reason: state.reason, attempts: state.attempts });
        outstanding.delete(index);
        stepOf.delete(index);
        await farm.remove(batchId, index);
        say();
      }
      if (gateMet() && outstanding.size) {
        await farm.cancel(batchId, outstanding);
        break;
      }
      await queueMore();
      if (!outstanding.size) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => done(), SWEEP_MS);
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        wake = done;
        signal.addEventListener('abort', done, { once: true });
        if (changed.size || signal.aborted) done();
      });
    }

    // 5. What the batch did; images that failed on every worker fail the job (a retry makes only those).
    const provider = [...made.providers.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'cpu';
    if (made.failures.length) {
      const first = made.failures[0]!;
      throw new StudioError(
        'MODEL_ERROR',
        `${made.failures.length} of ${todo.length} images failed on the farm (${made.outputs.length} made). Image ${first.index + 1}, after ${first.attempts} tries: ${first.reason}`,
        'Fix what the message names, then Retry: the images already made are kept and only the missing ones are made.',
        { failures: made.failures.slice(0, 20), outputs: made.outputs },
      );
    }
    progress({ fraction: 1, ...progressText('generate.done', { count: made.outputs.length, provider }) });
    const { likeness, gate } = tally;
    return {
      batchId,
      outputs: made.outputs,
      provider,
      fallbacks: [],
      loraUnmatched: {},
      secondsPerImage: made.outputs.length ? made.seconds / made.outputs.length : 0,
      unetSecondsPerStep: 0,
      likeness: likeness ? { model: likeness.model, scored: likeness.scored(), unavailable: likeness.unavailable } : null,
      ...(gate ? { gate: { ...gate, kept: tally.kept, tried: tally.tried, met: tally.kept >= gate.keep } } : {}),
      farm: { url: choice.address.redacted, items: todo.length },
    };
  } finally {
    unwatch();
    await farm.close();
  }
}
