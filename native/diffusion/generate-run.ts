import { join } from 'node:path';
import sharp from 'sharp';
import type { z } from 'zod';
import { StudioError } from '../api/errors';
import type { GenerateRequest, GenerateResult, PlannedImage } from '../api/namespaces/generate';
import { addOutput } from '../catalog/add-output';
import type { Catalog } from '../catalog/catalog';
import { makeThumbnail } from '../catalog/image-input';
import { addPngText } from '../catalog/provenance/png-text';
import { toStudioError } from '../core/errors';
import { appVersion } from '../core/version';
import { ensurePersonProfile, likenessTools, scoreImage } from '../likeness/score';
import type { RgbImage } from '../inference/image-tensor';
import { fallbackProgress, fallbackRecord, type FallbackNotice } from '../inference/session';
import type { JobContext } from '../jobs/define';
import type { ProviderName } from '../api/schemas';
import type { FarmMaker } from '../farm/protocol';
import { modelHash, resolveDiffusionModel, resolveLora, type ResolvedModel } from '../models/manager';
import { img2img } from './img2img';
import { encodePng, readInit } from './init-image';
import { DiffusionModelCache, type DiffusionModel } from './loader';
import { a1111Parameters } from './parameters';
import { schedulers } from './schedulers';
import { txt2img, type PipelineOutput, type StepEvent } from './txt2img';
import type { GenerateJobInput } from './generate-job';
import { planRequest } from './plan-from-catalog';
import { progressText } from '../api/progress-keys';

// The body of the `generate` job (generate-job.ts), loaded on its first run.

/** Sessions stay open in the GPU worker between jobs; another model or LoRA set replaces them. */
const modelCache = new DiffusionModelCache();

/** Indices of this batch's images already in the catalogue (a resumed job skips them). */
export function doneIndices(catalog: Catalog, batchId: string): Set<number> {
  const rows = catalog.db.prepare(`SELECT json_extract(provenance, '$.batchIndex') AS i FROM outputs WHERE batch_id = ?`).pluck().all(batchId) as (
    number | null
  )[];
  return new Set(rows.filter((i): i is number => i !== null));
}

/** Images that can share one pipeline call: same prompt, size and settings, consecutive, at most batchSize. */
function groups(images: PlannedImage[], batchSize: number): PlannedImage[][] {
  const out: PlannedImage[][] = [];
  const same = (a: PlannedImage, b: PlannedImage) =>
    a.prompt === b.prompt &&
    a.negativePrompt === b.negativePrompt &&
    a.width === b.width &&
    a.height === b.height &&
    a.steps === b.steps &&
    a.guidance === b.guidance &&
    a.scheduler === b.scheduler;
  for (const image of images) {
    const last = out.at(-1);
    if (last && last.length < batchSize && same(last[0]!, image)) last.push(image);
    else out.push([image]);
  }
  return out;
}

/**
 * A batch, in five steps: (1) what to make — the model, the plan, what a resumed batch already has; (2) the
 * likeness scorer and the gate's count so far; (3) the model loaded with its LoRAs; (4) group by group:
 * denoise, store, score, until the plan is done or the gate has kept enough; (5) what the batch did.
 */
export async function runGenerate(input: GenerateJobInput, context: JobContext): Promise<GenerateResult> {
  const { catalog, signal, progress } = context;
  const { request } = input;
  if (request.runOn === 'farm') return (await import('./generate-on-farm')).runGenerateOnFarm(input, context);

  progress({ fraction: 0, ...progressText('generate.checkingModel') });
  const resolved = resolveDiffusionModel(catalog, request.model);
  const skip = doneIndices(catalog, input.batchId);
  const todo = planRequest(catalog, request, input.seed, resolved).filter((p) => !skip.has(p.index));

  const tally = await startTally(catalog, input, skip.size, signal);

  const loaded = await loadModel(context, request, resolved);

  const made: Made = { outputs: [], unetSeconds: 0, stepsRun: 0, totalSeconds: 0, finished: 0 };
  const initCache = new Map<string, { image: RgbImage; hash: string }>();
  for (const group of groups(todo, request.batchSize)) {
    signal.throwIfAborted();
    if (tally.gate && tally.kept >= tally.gate.keep) break;
    const { out, init } = await denoiseGroup(context, request, group, { model: loaded.model, todo: todo.length, finished: made.finished, initCache });
    made.unetSeconds += out.timings.unetMs / 1000;
    made.stepsRun += out.timings.steps * group.length;
    made.totalSeconds += out.timings.totalMs / 1000;
    for (const [k, planned] of group.entries()) {
      const { id, added } = await storeImage(context, {
        png: await encodePng(out.images[k]!),
        planned,
        request,
        batchId: input.batchId,
        resolved,
        modelHash: loaded.hash,
        by: renderedLocally(loaded.model),
        timings: { ...out.timings, perImageMs: out.timings.totalMs / group.length },
        init: init && request.init ? { hash: init.hash, strength: request.init.strength, path: request.init.path } : undefined,
        truncated: out.truncated,
        fallbacks: loaded.fallbacks,
      });
      made.outputs.push(id);
      await tallyImage(context, tally, id, added, request.personId ?? null);
    }
    made.finished += group.length;
  }

  const { model } = loaded;
  progress({ fraction: 1, ...progressText('generate.done', { count: made.outputs.length, provider: model.provider }) });
  const { likeness, gate } = tally;
  return {
    batchId: input.batchId,
    outputs: made.outputs,
    provider: model.provider,
    fallbacks: loaded.fallbacks.map(fallbackRecord),
    loraUnmatched: loaded.loraUnmatched,
    secondsPerImage: made.outputs.length ? made.totalSeconds / made.outputs.length : 0,
    unetSecondsPerStep: made.stepsRun ? made.unetSeconds / made.stepsRun : 0,
    likeness: likeness ? { model: likeness.model, scored: likeness.scored(), unavailable: likeness.unavailable } : null,
    ...(gate ? { gate: { ...gate, kept: tally.kept, tried: tally.tried, met: tally.kept >= gate.keep } } : {}),
  };
}

/** What the batch has made so far, and the time its pipeline calls took. */
interface Made {
  outputs: number[];
  unetSeconds: number;
  stepsRun: number;
  totalSeconds: number;
  /** Images of this run finished (a resumed batch counts from 0). */
  finished: number;
}

type Gate = NonNullable<z.output<typeof GenerateRequest>['likenessGate']>;

/** The likeness scorer of the batch (when it has a person), and the gate's count: images tried, images kept. */
export interface Tally {
  likeness: LiveLikeness | null;
  gate: Gate | undefined;
  kept: number;
  tried: number;
}

/**
 * Step 2: the person's scorer, and what a resumed batch already counts toward the gate (it first scores what a
 * crash left unscored). A gate that cannot score refuses the batch before any image is made.
 */
export async function startTally(catalog: Catalog, input: GenerateJobInput, alreadyMade: number, signal: AbortSignal): Promise<Tally> {
  const { request } = input;
  const gate = request.likenessGate;
  const likeness = request.personId ? await liveLikeness(catalog, request.personId, signal) : null;
  if (gate && !likeness?.scorer) {
    throw new StudioError(
      'MODEL_ERROR',
      `The likeness gate cannot run: ${likeness?.unavailable ?? 'no person to compare with'}`,
      'Install the face detector (Models page) and accept a few photos of the person first, or generate without the gate.',
    );
  }
  if (likeness?.scorer && alreadyMade) for (const id of unscoredInBatch(catalog, input.batchId)) await likeness.scorer(id);
  return { likeness, gate, kept: gate ? keptInBatch(catalog, input.batchId, gate.minLikeness) : 0, tried: alreadyMade };
}

/** Scores a stored image as it lands (so Review can rank the batch while it still runs) and counts it for the gate. */
export async function tallyImage({ emit, catalog }: JobContext, tally: Tally, id: number, added: boolean, personId: number | null): Promise<void> {
  tally.tried++;
  const score = tally.likeness?.scorer ? await tally.likeness.scorer(id) : null;
  if (score !== null && tally.gate && score >= tally.gate.minLikeness) tally.kept++;
  if (added) emit('output:added', catalog.outputs.summary(id));
  if (score !== null) emit('likeness:changed', { ids: [id], personId });
}

/** Step 3: the model's hash (for the A1111 text), its sessions with the LoRAs merged, and the providers it fell back from. */
async function loadModel({ catalog, signal, progress }: JobContext, request: z.output<typeof GenerateRequest>, resolved: ResolvedModel) {
  const hash = await modelHash(catalog, resolved, (status) => progress({ fraction: 0, ...status }));
  signal.throwIfAborted();
  const loras = request.loras.map((use) => ({ ...resolveLora(catalog, use), scale: use.scale }));
  const fallbacks: FallbackNotice[] = [];
  const { model, reused } = await modelCache.get(resolved.info, {
    provider: request.provider,
    loras: loras.map((l) => ({ path: l.path, scale: l.scale, name: l.name })),
    scratchDir: join(catalog.paths.root, 'cache', 'lora-merge'),
    onStatus: (status) => progress({ fraction: 0, ...status }),
    onFallback: (notice) => {
      fallbacks.push(notice);
      progress({ fraction: 0, ...fallbackProgress(notice) });
    },
  });
  // A reused model announced its fallbacks when it was loaded; say them again for this job.
  if (reused) fallbacks.push(...model.fallbacks);
  const loraUnmatched = Object.fromEntries(model.loras.map((l) => [l.name, l.reports.flatMap((r) => r.unmatched)]));
  const unmatchedCount = Object.values(loraUnmatched).reduce((n, keys) => n + keys.length, 0);
  if (unmatchedCount) progress({ fraction: 0, ...progressText('generate.loraUnmatched', { count: unmatchedCount, model: resolved.name }) });
  return { hash, model, fallbacks, loraUnmatched };
}

/** Step 4, one group: the pipeline call (txt2img, or img2img from the start image), with step progress and live previews. */
async function denoiseGroup(
  { signal, progress, emit, jobId }: JobContext,
  request: z.output<typeof GenerateRequest>,
  group: PlannedImage[],
  at: { model: DiffusionModel; todo: number; finished: number; initCache: Map<string, { image: RgbImage; hash: string }> },
): Promise<{ out: PipelineOutput; init: { image: RgbImage; hash: string } | undefined }> {
  const first = group[0]!;
  const { finished, todo } = at;
  let lastPreview = 0;
  const onStep = (event: StepEvent) => {
    const fraction = (finished + (event.step / event.steps) * group.length) / Math.max(1, todo);
    progress({
      fraction: Math.min(0.999, fraction),
      ...(group.length === 1
        ? progressText('generate.step', { index: finished + 1, total: todo, step: event.step, steps: event.steps })
        : progressText('generate.stepBatch', {
            first: finished + 1,
            last: finished + group.length,
            total: todo,
            step: event.step,
            steps: event.steps,
          })),
    });
    const now = Date.now();
    if (now - lastPreview >= 300 || event.step === event.steps) {
      lastPreview = now;
      void previewDataUrl(event.preview()).then((image) =>
        emit('generate:preview', { jobId, index: first.index, step: event.step, steps: event.steps, image }),
      );
    }
  };
  const params = {
    prompt: first.prompt,
    negativePrompt: first.negativePrompt,
    width: first.width,
    height: first.height,
    steps: first.steps,
    guidance: first.guidance,
    scheduler: first.scheduler,
    seeds: group.map((g) => g.seed),
    tiledVae: request.tiledVae,
  };
  if (!request.init) return { out: await txt2img(at.model, params, { signal, onStep }), init: undefined };
  const key = `${first.width}x${first.height}`;
  const init = at.initCache.get(key) ?? (await readInit(request.init.path, first.width, first.height));
  at.initCache.set(key, init);
  return { out: await img2img(at.model, { ...params, init: init.image, strength: request.init.strength }, { signal, onStep }), init };
}

/**
 * Scores each new image against the person, when the face detector is installed and the person has accepted
 * photos; otherwise says why not (the batch runs all the same).
 */
type LiveLikeness = Awaited<ReturnType<typeof liveLikeness>>;

async function liveLikeness(catalog: Catalog, personId: number, signal: AbortSignal) {
  let count = 0;
  try {
    const tools = await likenessTools(catalog);
    const profile = await ensurePersonProfile(catalog, personId, tools, signal);
    if (!profile) throw new StudioError('INVALID_INPUT', `${catalog.people.get(personId).name} has no accepted photo with a face to compare with.`);
    const reference = { kind: 'person', personId } as const;
    return {
      model: tools.embedder.spec.id as string | null,
      unavailable: null as string | null,
      scored: () => count,
      // A face that cannot be scored leaves that image unscored; the batch goes on.
      scorer: async (outputId: number): Promise<number | null> => {
        try {
          const output = catalog.outputs.summary(outputId);
          const score = await scoreImage(catalog, { id: outputId, hash: output.hash }, reference, profile, tools);
          count++;
          return score.score;
        } catch (error) {
          if (signal.aborted || toStudioError(error).code === 'DISK_FULL') throw error;
          return null;
        }
      },
    };
  } catch (error) {
    if (signal.aborted) throw error;
    return { model: null, unavailable: toStudioError(error).message, scored: () => count, scorer: null };
  }
}

/** Images of this batch (a resumed one) that already reached the gate. */
function keptInBatch(catalog: Catalog, batchId: string, minLikeness: number): number {
  return catalog.db
    .prepare('SELECT count(*) FROM outputs WHERE batch_id = ? AND deleted_at IS NULL AND likeness >= ?')
    .pluck()
    .get(batchId, minLikeness) as number;
}

/** Images a crashed run stored but did not score yet. */
function unscoredInBatch(catalog: Catalog, batchId: string): number[] {
  return catalog.db
    .prepare(
      'SELECT o.id FROM outputs o LEFT JOIN output_likeness l ON l.output_id = o.id WHERE o.batch_id = ? AND l.output_id IS NULL ORDER BY o.id',
    )
    .pluck()
    .all(batchId) as number[];
}

async function previewDataUrl(image: RgbImage): Promise<string> {
  const png = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel: 3 })
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

/** What made an image, as its provenance records it: this machine's sessions, or a farm worker's report. */
export interface RenderedBy {
  provider: ProviderName;
  providers: Record<string, ProviderName>;
  loras: { name: string; path: string | null; sha256: string; scale: number; matched: number; packed: number; unmatched: number }[];
  vaeEncoderSampling: DiffusionModel['vaeEncoderSampling'];
  farm?: FarmMaker;
}

function renderedLocally(model: DiffusionModel): RenderedBy {
  return {
    provider: model.provider,
    providers: model.providers,
    vaeEncoderSampling: model.vaeEncoderSampling,
    loras: model.loras.map((l) => ({
      name: l.name,
      path: l.path,
      sha256: l.sha256,
      scale: l.scale,
      matched: l.reports.reduce((n, r) => n + r.matched, 0),
      // Merged into slices of attention weights onnxruntime's optimizer packed (Olive/ORT-optimised UNets).
      packed: l.reports.reduce((n, r) => n + r.packed, 0),
      unmatched: l.reports.reduce((n, r) => n + r.unmatched.length, 0),
    })),
  };
}

export interface StoreInput {
  /** The image as the pipeline gave it, encoded (the A1111 text is added here). */
  png: Buffer;
  planned: PlannedImage;
  request: z.output<typeof GenerateRequest>;
  batchId: string;
  resolved: ResolvedModel;
  modelHash: string;
  by: RenderedBy;
  timings: Record<string, number>;
  init: { hash: string; strength: number; path: string } | undefined;
  truncated: boolean;
  fallbacks: FallbackNotice[];
}

/** PNG with the A1111 parameters chunk, its thumbnail, and the output row with full provenance, in one transaction. */
export async function storeImage({ catalog, jobId }: JobContext, input: StoreInput): Promise<{ id: number; added: boolean }> {
  const { planned, by, resolved } = input;
  const loras = by.loras.map((l) => ({ name: l.name, scale: l.scale, sha256: l.sha256 }));
  const parameters = a1111Parameters({
    prompt: planned.prompt,
    negativePrompt: planned.negativePrompt,
    steps: planned.steps,
    scheduler: planned.scheduler,
    guidance: planned.guidance,
    seed: planned.seed,
    width: planned.width,
    height: planned.height,
    model: resolved.name,
    modelHash: input.modelHash,
    loras,
    strength: input.init?.strength,
    provider: by.provider,
    appVersion: appVersion(),
  });
  const png = addPngText(input.png, [{ keyword: 'parameters', text: parameters }]);
  const thumbnail = await makeThumbnail(png, 'generated.png');
  const stored = await catalog.store.putBuffer(png);
  // The same image again (same seed and settings) is one row.
  const { outputId: id, added } = await addOutput(
    catalog,
    { stored, mime: 'image/png', width: planned.width, height: planned.height, thumbnail },
    {
      source: 'generate',
      generator: 'likeness',
      jobId,
      personId: input.request.personId ?? null,
      batchId: input.batchId,
      template: planned.template,
      model: resolved.name,
      modelHash: input.modelHash,
      loras: loras.map((l) => ({ name: l.name, weight: l.scale, hash: l.sha256 })),
      prompt: planned.prompt,
      negativePrompt: planned.negativePrompt,
      seed: planned.seed,
      steps: planned.steps,
      scheduler: schedulers[planned.scheduler].label,
      guidance: planned.guidance,
      provider: by.provider,
      appVersion: appVersion(),
      timings: Object.fromEntries(Object.entries(input.timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
      provenance: {
        pipeline: input.init ? 'img2img' : 'txt2img',
        // How the start image's latents were drawn (loader.ts deterministicVaeEncoder); `unseeded`: the same
        // settings may not give the same bytes again.
        ...(input.init ? { vaeEncoder: by.vaeEncoderSampling, ...(by.vaeEncoderSampling === 'unseeded' ? { reproducible: false } : {}) } : {}),
        batchIndex: planned.index,
        modelId: resolved.id,
        modelPath: resolved.info.dir,
        family: resolved.info.family,
        schedulerId: planned.scheduler,
        providers: by.providers,
        fallbacks: input.fallbacks.map(fallbackRecord),
        loras: by.loras,
        // Made by a farm worker: which box, GPU and provider.
        ...(by.farm ? { farm: by.farm } : {}),
        license: resolved.license,
        ...(input.init ? { init: input.init } : {}),
        ...(input.truncated ? { promptTruncated: true } : {}),
        ...(input.request.likenessGate ? { likenessGate: input.request.likenessGate } : {}),
        parameters,
      },
      originalName: null,
      originalPath: null,
    },
  );
  return { id, added };
}
