import { existsSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { StudioError } from '../api/errors';
import { progressText } from '../api/progress-keys';
import { ProviderName } from '../api/schemas';
import { defineJob } from '../jobs/define';
import type { ModelVerification, VerifyCheck } from '../api/namespaces/models';
import type { Catalog } from '../catalog/catalog';
import { toStudioError } from '../core/errors';
import type { DiffusionFamily } from '../api/namespaces/models';
import { loadDiffusionModel } from '../diffusion/loader';
import { txt2img } from '../diffusion/txt2img';
import { faceDetectorFromFile, installedFaceDetector } from '../inference/face-detector';
import type { FaceDetector } from '../inference/face-landmarks';
import { compareEmbeddings, openFaceEmbedder } from '../inference/face-embedder';
import type { RgbImage } from '../inference/image-tensor';
import { providerCandidates } from '../inference/providers';
import type { ProviderChoice } from '../inference/session';
import { registryEmbedderSpec } from '../likeness/embedders';
import { colorize, colorizerSpecs } from '../portrait/colorize';
import { labToRgb, meanChroma, rgbToLab } from '../portrait/color';
import { alignFace, findFaces } from '../portrait/faces';
import { rawRgb, resizeRgb } from '../portrait/image';
import { createLipSyncer, lipSyncSpecs } from '../portrait/lipsync';
import {
  extractFeatures,
  extractMotion,
  generate,
  LIVEPORTRAIT_FILES,
  openLivePortrait,
  rotationMatrix,
  transformKeypoints,
} from '../portrait/liveportrait';
import { LIVEPORTRAIT_ZOOM, LIVEPORTRAIT_ZOOM_ABOUT } from '../portrait/animate';
import { modelFile, openPortraitSession } from '../portrait/models';
import { restoreFaces, restorerSpecs } from '../portrait/restore';
import { upscale, upscalerSpecs } from '../portrait/upscale';
import { inspectDiffusionFolder } from './diffusion-folder';
import { installState, modelFilePath, sha256File } from './installed';
import { findModel, type RegistryModel } from './registry';

/**
 * `likeness models verify ID`: proves an installed model on this machine — its files (sizes, pinned sha256),
 * its I/O against the registry, and one golden pass whose sanity checks cannot pass on garbage (a restoration
 * keeps the face where it was, a colourisation has colour, LivePortrait's neutral frame is the photo again, one
 * diffusion step gives a finite picture with something in it). Run after every install and on demand; the last
 * report is kept beside the model and shown on the Models page.
 */

export const VERIFY_FILE = '.likeness-verify.json';

export interface VerifyOptions {
  /** A photo with one face for the face models' golden pass (else the library's newest person photo). */
  photo?: string | undefined;
  provider?: ProviderChoice;
  signal?: AbortSignal;
  onCheck?: (check: VerifyCheck) => void;
}

/** Pearson correlation of two equal-size images' luma: 1 for the same picture, ~0 for unrelated ones. */
export function lumaCorrelation(a: RgbImage, b: RgbImage): number {
  const n = a.width * a.height;
  const luma = (image: RgbImage, i: number) => 0.299 * image.data[i * 3]! + 0.587 * image.data[i * 3 + 1]! + 0.114 * image.data[i * 3 + 2]!;
  let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0];
  for (let i = 0; i < n; i++) {
    const [x, y] = [luma(a, i), luma(b, i)];
    sa += x;
    sb += y;
    saa += x * x;
    sbb += y * y;
    sab += x * y;
  }
  const cov = sab / n - (sa / n) * (sb / n);
  const va = saa / n - (sa / n) ** 2;
  const vb = sbb / n - (sb / n) ** 2;
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : 0;
}

/** Standard deviation of all pixel values: ~0 for a constant (dead) output. */
export function spread(image: RgbImage): number {
  let [s, ss] = [0, 0];
  for (const v of image.data) {
    s += v;
    ss += v * v;
  }
  const n = image.data.length;
  return Math.sqrt(Math.max(0, ss / n - (s / n) ** 2));
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

/** The photo for face models' golden pass: the one given, else the newest photo of a person in the library. */
async function goldenPhoto(catalog: Catalog, photo: string | undefined): Promise<{ image: RgbImage; name: string } | undefined> {
  let source: { bytes: Buffer; name: string } | undefined;
  if (photo) source = { bytes: await readFile(photo), name: photo };
  else {
    // An accepted photo of a person: vetting found exactly one face, large and sharp enough.
    const row = catalog.db
      .prepare(
        `SELECT object_hash AS hash, original_name AS name FROM photos
         WHERE removed_at IS NULL AND coalesce(override_verdict, verdict) = 'accepted' ORDER BY id DESC LIMIT 1`,
      )
      .get() as { hash: string; name: string } | undefined;
    if (row && catalog.store.has(row.hash)) source = { bytes: await readFile(catalog.store.pathOf(row.hash)), name: row.name };
  }
  if (!source) return undefined;
  const image = await rawRgb(sharp(source.bytes).rotate().resize({ width: 1280, height: 1280, fit: 'inside', withoutEnlargement: true }));
  return { image, name: source.name };
}

/** A picture with structure at every scale (for models that need no face: upscalers, colourisers). */
function testPattern(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = 128 + 100 * Math.sin(x / 7) * Math.cos(y / 11);
      data[i + 1] = (x * 2 + y) % 256;
      data[i + 2] = 128 + 90 * Math.sin((x + y) / 23);
    }
  return { data, width, height };
}

class Checks {
  readonly list: VerifyCheck[] = [];
  constructor(
    private readonly onCheck?: (check: VerifyCheck) => void,
    private readonly signal?: AbortSignal,
  ) {}
  add(name: string, ok: boolean, detail: string, skipped = false): void {
    const check = { name, ok, detail, ...(skipped ? { skipped: true } : {}) };
    this.list.push(check);
    this.onCheck?.(check);
  }
  skip(name: string, detail: string): void {
    this.add(name, true, detail, true);
  }
  /** Runs a step; an error is a failed check naming the fault (the report goes on with the next model part). */
  async run(name: string, step: () => Promise<string | { ok: boolean; detail: string }>): Promise<boolean> {
    // Cancelling stops between steps (a cancelled check is not a failed one).
    this.signal?.throwIfAborted();
    try {
      const result = await step();
      const { ok, detail } = typeof result === 'string' ? { ok: true, detail: result } : result;
      this.add(name, ok, detail);
      return ok;
    } catch (error) {
      const e = toStudioError(error);
      this.add(name, false, e.message);
      return false;
    }
  }
}

async function checkFiles(catalog: Catalog, model: RegistryModel, checks: Checks): Promise<boolean> {
  const state = installState(catalog.paths.models, model);
  if (state !== 'installed') {
    checks.add('files', false, `${model.name} is not ${state === 'incomplete' ? 'completely ' : ''}installed.`);
    return false;
  }
  return checks.run('files', async () => {
    const problems: string[] = [];
    let hashed = 0;
    for (const file of model.files) {
      const path = modelFilePath(catalog.paths.models, model.id, file);
      if (!existsSync(path)) continue;
      if (file.sha256) {
        const sha = await sha256File(path);
        hashed++;
        if (sha !== file.sha256) problems.push(`${file.path} has sha256 ${sha.slice(0, 12)}…, expected ${file.sha256.slice(0, 12)}…`);
      }
    }
    return problems.length
      ? { ok: false, detail: `${model.name}: ${problems.join('; ')}. Download it again.` }
      : `${model.files.length} file(s) present${hashed ? `, ${hashed} matching the pinned sha256` : ''}`;
  });
}

async function faceOf(checks: Checks, detector: FaceDetector | undefined, golden: Awaited<ReturnType<typeof goldenPhoto>>, what: string) {
  if (!golden) {
    checks.skip(what, 'no photo of a face: give one with --photo (or add a person’s photos) to run this check');
    return undefined;
  }
  if (!detector) {
    checks.skip(what, 'the face detector (yunet-n) is not installed: install it to run this check');
    return undefined;
  }
  const [face] = await findFaces(golden.image, detector);
  if (!face) checks.add(what, false, `no face was found in ${golden.name}: give a photo of one face with --photo`);
  return face;
}

/** One golden pass per kind of model. */
async function goldenPass(catalog: Catalog, model: RegistryModel, checks: Checks, options: VerifyOptions, provider: ProviderChoice): Promise<void> {
  const golden = await goldenPhoto(catalog, options.photo);
  const detector = await installedFaceDetector(catalog.paths.models).catch(() => undefined);
  const open = (label: string, path?: string) => openPortraitSession(modelFile(catalog, model, path), label, { provider, fresh: true });

  switch (model.kind) {
    case 'face-detector': {
      const own = await faceDetectorFromFile(modelFilePath(catalog.paths.models, model.id, model.files[0]!));
      await checks.run('golden: no face in a plain picture', async () => {
        const found = await own.detect(testPattern(320, 240));
        return { ok: found.length === 0, detail: `${found.length} face(s) in a test pattern` };
      });
      if (!golden) return checks.skip('golden: finds the face', 'no photo given: --photo FILE of a face runs this check');
      await checks.run('golden: finds the face', async () => {
        const faces = (await own.detect(golden.image)).filter((f) => f.score >= 0.6);
        return { ok: faces.length >= 1, detail: `${faces.length} face(s) in ${golden.name}${faces[0] ? `, score ${round(faces[0].score)}` : ''}` };
      });
      return;
    }
    case 'face-embedder': {
      const spec = registryEmbedderSpec(model);
      if (!spec) return checks.add('golden', false, `${model.name} has no embedding settings in the registry`);
      const embedder = await openFaceEmbedder(spec, modelFilePath(catalog.paths.models, model.id, model.files[0]!), { provider });
      const face = await faceOf(checks, detector, golden, 'golden: the same face is alike, a non-face is not');
      if (!face || !golden) return;
      await checks.run('golden: the same face is alike, a non-face is not', async () => {
        const brighter: RgbImage = { ...golden.image, data: golden.image.data.map((v) => Math.min(255, v * 1.08 + 4)) };
        const [a] = await embedder.embed(golden.image, [face]);
        const [b] = await embedder.embed(brighter, [face]);
        const [noise] = await embedder.embedChips([testPattern(spec.size, spec.size)]);
        // Higher is more alike, in either metric.
        const similarity = (x: Float32Array, y: Float32Array) => (spec.metric === 'euclidean' ? -1 : 1) * compareEmbeddings(x, y, spec.metric);
        const finite = [a!, b!, noise!].every((v) => v.every(Number.isFinite));
        const [same, other] = [similarity(a!, b!), similarity(a!, noise!)];
        const sameLine = spec.metric === 'euclidean' ? -spec.calibration.same : spec.calibration.same;
        return {
          ok: finite && same >= sameLine && same - other > 0.1,
          detail: `${spec.metric} same face ${round(Math.abs(same), 3)} (needs ${spec.metric === 'euclidean' ? '≤' : '≥'} ${spec.calibration.same}), test pattern ${round(Math.abs(other), 3)}`,
        };
      });
      return;
    }
    case 'face-restorer': {
      const session = await open(model.name);
      const face = await faceOf(checks, detector, golden, 'golden: the face stays where it was');
      if (!face || !golden) return;
      await checks.run('golden: the face stays where it was', async () => {
        const { image } = await restoreFaces(session, restorerSpecs[model.id]!, golden.image, [face]);
        const before = alignFace(golden.image, face.landmarks, 256).crop;
        const after = alignFace(image, face.landmarks, 256).crop;
        const correlation = lumaCorrelation(before, after);
        const [again] = detector ? await findFaces(image, detector) : [];
        const moved = again
          ? Math.hypot(again.landmarks.nose.x - face.landmarks.nose.x, again.landmarks.nose.y - face.landmarks.nose.y) / face.box.width
          : 1;
        return {
          ok: correlation >= 0.5 && spread(after) > 3 && moved < 0.15,
          detail: `restored face correlates ${round(correlation)} with the photo's, found again ${round(moved * 100, 0)} % of its width away`,
        };
      });
      return;
    }
    case 'colorizer': {
      const session = await open(model.name);
      await checks.run('golden: the result has colour', async () => {
        const source = golden?.image ?? testPattern(256, 256);
        const grey = rgbToLab(source);
        grey.a.fill(0);
        grey.b.fill(0);
        const { image } = await colorize(session, colorizerSpecs[model.id]!, labToRgb(grey));
        const chroma = meanChroma(rgbToLab(image));
        return { ok: chroma > 2 && image.data.every(Number.isFinite), detail: `mean chroma ${round(chroma, 1)} (a grey picture has 0)` };
      });
      return;
    }
    case 'upscaler': {
      const session = await open(model.name);
      await checks.run('golden: the upscaled picture is the picture', async () => {
        const source = golden
          ? await resizeRgb(golden.image, 200, Math.max(8, Math.round((200 * golden.image.height) / golden.image.width)))
          : testPattern(200, 150);
        const scale = upscalerSpecs[model.id]!.scale;
        const out = await upscale(session, source, scale);
        const back = await resizeRgb(out, source.width, source.height);
        const correlation = lumaCorrelation(source, back);
        return {
          ok: out.width === source.width * scale && correlation >= 0.9,
          detail: `×${scale}: ${out.width}×${out.height}, correlates ${round(correlation, 3)} with the source`,
        };
      });
      return;
    }
    case 'portrait-animator': {
      const files = Object.fromEntries(
        Object.entries(LIVEPORTRAIT_FILES).map(([part, path]) => [part, modelFile(catalog, model, path)]),
      ) as Parameters<typeof openLivePortrait>[0];
      const sessions = await openLivePortrait(files, { provider, fresh: true });
      checks.add(
        'parts',
        true,
        Object.entries(sessions.providers)
          .map(([part, p]) => `${part} on ${p}`)
          .join(', '),
      );
      const face = await faceOf(checks, detector, golden, 'golden: the neutral frame is the photo again');
      if (!face || !golden) return;
      await checks.run('golden: the neutral frame is the photo again', async () => {
        const aligned = alignFace(golden.image, face.landmarks, 512, LIVEPORTRAIT_ZOOM, LIVEPORTRAIT_ZOOM_ABOUT);
        const crop256 = await resizeRgb(aligned.crop, 256, 256);
        const feature = await extractFeatures(sessions.parts.feature, crop256);
        const own = await extractMotion(sessions.parts.motion, crop256);
        const keypoints = transformKeypoints(own, rotationMatrix(own.pitch, own.yaw, own.roll));
        const frame = await generate(sessions.parts.generator, feature, keypoints, keypoints);
        const correlation = lumaCorrelation(await resizeRgb(frame, 256, 256), crop256);
        return { ok: correlation >= 0.6 && spread(frame) > 3, detail: `the rendered neutral face correlates ${round(correlation)} with the crop` };
      });
      return;
    }
    case 'lip-sync': {
      const session = await open(model.name);
      const face = await faceOf(checks, detector, golden, 'golden: silence keeps the face');
      if (!face || !golden || !detector) return;
      await checks.run('golden: silence keeps the face', async () => {
        const crop = alignFace(golden.image, face.landmarks, 512, LIVEPORTRAIT_ZOOM, LIVEPORTRAIT_ZOOM_ABOUT).crop;
        const syncer = createLipSyncer(session, model.id, detector, { weight: 1 });
        if (!lipSyncSpecs[model.id]) throw new StudioError('INTERNAL', `${model.id} has no lip-sync settings`);
        const out = await syncer.apply(crop, new Float32Array(80 * 16).fill(-4));
        const correlation = lumaCorrelation(out, crop);
        return { ok: correlation >= 0.8, detail: `the face with a silent mouth correlates ${round(correlation)} with the crop` };
      });
      return;
    }
    case 'diffusion': {
      const dir = join(catalog.paths.models, model.id);
      const info = { ...inspectDiffusionFolder(dir, { family: model.family as DiffusionFamily, name: model.name }), runsOn: model.runsOn };
      checks.add('folder', true, `${info.family}, ${info.nativeSize} px, components ${Object.keys(info.components).join(', ')}`);
      if (model.runsOn && !providerCandidates(provider, model.runsOn).length)
        return checks.skip('golden: one step', `${model.name} runs only on ${model.runsOn.providers.join(' / ')}: run this on such a machine`);
      const loaded = await loadDiffusionModel(info, { provider });
      try {
        await checks.run('golden: one step gives a finite picture with something in it', async () => {
          const size = info.fixedSize ?? { width: info.nativeSize, height: info.nativeSize };
          const { images } = await txt2img(loaded, {
            prompt: 'a portrait photo of a person, studio light',
            negativePrompt: '',
            width: size.width,
            height: size.height,
            steps: 1,
            guidance: 1,
            scheduler: 'euler',
            seeds: [1],
          });
          const image = images[0]!;
          return { ok: spread(image) > 2, detail: `${image.width}×${image.height} on ${loaded.provider}, pixel spread ${round(spread(image), 1)}` };
        });
      } finally {
        await loaded.release();
      }
      return;
    }
    default:
      checks.skip('golden', `no golden pass for ${model.kind} models yet`);
  }
}

/** Verifies an installed registry model; the report is also written beside the model (VERIFY_FILE). */
export async function verifyModel(catalog: Catalog, id: string, options: VerifyOptions = {}): Promise<ModelVerification> {
  const model = findModel(id);
  const checks = new Checks(options.onCheck, options.signal);
  const provider = options.provider ?? 'cpu';
  if (await checkFiles(catalog, model, checks)) {
    try {
      await goldenPass(catalog, model, checks, options, provider);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // Opening a part (the I/O check) or the pass itself failed: name the model and the fault.
      const e = toStudioError(error);
      checks.add('open and run', false, e.message);
    }
  }
  const failed = checks.list.filter((c) => !c.ok);
  const report: ModelVerification = {
    id: model.id,
    name: model.name,
    at: Date.now(),
    provider,
    ok: failed.length === 0,
    summary: failed.length
      ? `${model.name} failed: ${failed.map((c) => `${c.name} — ${c.detail}`).join('; ')}`
      : `${model.name} works: ${checks.list.filter((c) => !c.skipped).length} check(s) passed${checks.list.some((c) => c.skipped) ? `, ${checks.list.filter((c) => c.skipped).length} skipped` : ''}`,
    checks: checks.list,
  };
  if (existsSync(join(catalog.paths.models, model.id)))
    await writeFile(join(catalog.paths.models, model.id, VERIFY_FILE), `${JSON.stringify(report, null, 2)}\n`).catch(() => undefined);
  return report;
}

/** A failed check as the error a job ends with: the summary names the model and the fault; the report goes along. */
export function verificationFailed(report: ModelVerification): StudioError {
  return new StudioError(
    'MODEL_ERROR',
    report.summary,
    `Download it again (likeness models download ${report.id}), or install the right file; if a fresh download fails too, the published file changed.`,
    { verification: report },
  );
}

/** The last report written beside a model, if any. */
export function lastVerification(modelsDir: string, id: string): ModelVerification | null {
  const path = join(modelsDir, id, VERIFY_FILE);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as ModelVerification;
  } catch {
    return null;
  }
}

const VerifyInput = z.object({ id: z.string(), photo: z.string().optional(), provider: z.union([z.literal('auto'), ProviderName]).default('cpu') });

export const modelsVerifyJob = defineJob({
  kind: 'models.verify',
  resource: 'gpu',
  // Read-only and quick to run again.
  resumable: true,
  input: VerifyInput,
  title: (input: z.output<typeof VerifyInput>) => `Check ${findModel(input.id).name}`,
  async run(input, { catalog, signal, progress }) {
    const model = findModel(input.id);
    let done = 0;
    const report = await verifyModel(catalog, model.id, {
      photo: input.photo,
      provider: input.provider,
      signal,
      onCheck: (check) =>
        progress({ fraction: Math.min(0.95, ++done / 5), ...progressText('models.verifyCheck', { name: model.name, check: check.name }) }),
    });
    if (!report.ok) throw verificationFailed(report);
    progress({ fraction: 1, ...progressText('models.verified', { name: model.name }) });
    return report;
  },
});
