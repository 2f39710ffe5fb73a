import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StudioError } from '../api/errors';
import type { ProviderName } from '../api/schemas';
import { OnnxType } from '../inference/onnx-builder';
import { externalDataFiles, indexOnnxModel, replaceInitializers, replaceNodes } from '../inference/onnx-weights';
import { openSession, type FallbackNotice, type OpenedSession, type ProviderChoice } from '../inference/session';
import type { DiffusionModelInfo } from '../models/diffusion-folder';
import { mergeLoras, parseLora, type LoraFile, type LoraTarget, type MergeReport } from './lora';
import { ClipTokenizer } from './tokenizer';
import { progressText, type ProgressText } from '../api/progress-keys';
import type { ProviderRequirement } from '../inference/providers';

export interface LoraChoice {
  path: string;
  scale: number;
  /** The name to record (the library's); the file name otherwise. */
  name?: string;
}

export interface LoadOptions {
  provider: ProviderChoice;
  /** Told about every provider that could not be used, with the reason (announce it, never silently). */
  onFallback?: (notice: FallbackNotice) => void;
  loras?: readonly LoraChoice[];
  /** Where merged weights too large to keep inside the model go (deleted when the model is released). */
  scratchDir?: string;
  /** Progress while loading ("Loading unet…"). */
  onStatus?: (status: ProgressText) => void;
  /** The providers the model runs on at all (from the model's info; see DiffusionModelInfo.runsOn). */
  runsOn?: ProviderRequirement | undefined;
}

export interface LoadedLora {
  name: string;
  path: string;
  sha256: string;
  scale: number;
  reports: MergeReport[];
}

/** A Stable Diffusion model ready to run: tokenizers and open sessions, LoRAs merged. */
export interface DiffusionModel {
  info: DiffusionModelInfo;
  tokenizer: ClipTokenizer;
  tokenizer2: ClipTokenizer | undefined;
  textEncoder: OpenedSession;
  textEncoder2: OpenedSession | undefined;
  unet: OpenedSession;
  vaeDecoder: OpenedSession;
  /** Opened on first use (only img2img needs it). */
  vaeEncoder(): Promise<OpenedSession>;
  /**
   * How its latents are drawn, once it is open: `seeded` (mean and log-variance out, sampled with the seed),
   * `mean` (the export sampled inside the graph; that node now gives zeros, so the mean), `unseeded` (a
   * sampling node this cannot take out: the run is not byte-reproducible).
   */
  vaeEncoderSampling: 'seeded' | 'mean' | 'unseeded' | undefined;
  /** The provider that runs the UNet (where the time goes): shown to the user, stored with every output. */
  provider: ProviderName;
  providers: Record<string, ProviderName>;
  fallbacks: FallbackNotice[];
  loras: LoadedLora[];
  release(): Promise<void>;
}

/** Protobuf's limit for one message, with room to spare: merged weights beyond it go to a scratch file. */
const INLINE_LIMIT = 1_900_000_000;

async function openComponent(
  path: string,
  label: string,
  target: LoraTarget | undefined,
  loras: readonly { file: LoraFile; scale: number }[],
  options: LoadOptions,
  cleanup: string[],
  reports: Map<string, MergeReport[]>,
): Promise<OpenedSession> {
  const sessionOptions = {
    model: label,
    provider: options.provider,
    requirement: options.runsOn,
    ...(options.onFallback ? { onFallback: options.onFallback } : {}),
  };
  const relevant = target ? loras.filter((l) => l.file.modules.some((m) => m.target === target)) : [];
  if (!relevant.length || !target) return openSession(path, sessionOptions);
  const folder = dirname(path);
  const bytes = readFileSync(path);
  const index = indexOnnxModel(bytes, label);
  const merge = mergeLoras(bytes, folder, target, relevant, index);
  for (const report of merge.reports) reports.set(report.lora, [...(reports.get(report.lora) ?? []), report]);
  if (!merge.replacements.length) return openSession(path, sessionOptions);
  const mergedBytes = merge.replacements.reduce((n, r) => n + r.values.length * (r.info.dataType === OnnxType.float16 ? 2 : 4), 0);
  if (bytes.byteLength + mergedBytes < INLINE_LIMIT) {
    const { model } = replaceInitializers(bytes, index, merge.replacements, 'inline');
    return openSession(model, { ...sessionOptions, externalDataFolder: folder });
  }
  // Too large to carry inline: a scratch folder with the merged weights beside links to the original data files.
  if (!options.scratchDir)
    throw new StudioError('INTERNAL', `${label}: the merged LoRA weights (${Math.round(mergedBytes / 1e6)} MB) need a scratch folder.`);
  mkdirSync(options.scratchDir, { recursive: true });
  const scratch = mkdtempSync(join(options.scratchDir, 'merged-'));
  cleanup.push(scratch);
  for (const file of externalDataFiles(index)) linkOrFail(join(folder, file), join(scratch, file));
  const { model, data } = replaceInitializers(bytes, index, merge.replacements, { file: 'likeness-lora-merged.bin' });
  writeFileSync(join(scratch, 'likeness-lora-merged.bin'), data);
  return openSession(model, { ...sessionOptions, externalDataFolder: scratch });
}

function linkOrFail(source: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  try {
    linkSync(source, target);
  } catch {
    try {
      symlinkSync(source, target);
    } catch (error) {
      throw new StudioError(
        'IO_ERROR',
        `Could not link ${source} into the scratch folder to merge the LoRA: ${(error as Error).message}`,
        'Keep the library and the model on the same disk, or allow symbolic links.',
      );
    }
  }
}

/**
 * Opens a model's sessions on one provider choice (each component announces its own fallback), merging the
 * LoRAs into the UNet and text encoders first.
 */
export async function loadDiffusionModel(info: DiffusionModelInfo, options: LoadOptions): Promise<DiffusionModel> {
  const loras = (options.loras ?? []).map((choice) => {
    const file = parseLora(choice.path);
    return { file: { ...file, name: choice.name ?? file.name }, scale: choice.scale };
  });
  const fallbacks: FallbackNotice[] = [];
  const onFallback = (notice: FallbackNotice) => {
    fallbacks.push(notice);
    options.onFallback?.(notice);
  };
  const withFallbacks = { ...options, onFallback, runsOn: info.runsOn };
  const cleanup: string[] = [];
  const reports = new Map<string, MergeReport[]>();
  const opened: OpenedSession[] = [];
  const open = async (path: string, label: string, target?: LoraTarget) => {
    options.onStatus?.(progressText('generate.loading', { component: label }));
    const session = await openComponent(path, label, target, loras, withFallbacks, cleanup, reports);
    opened.push(session);
    return session;
  };
  const release = async () => {
    await Promise.all(opened.map((s) => s.release().catch(() => undefined)));
    for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { components } = info;
    const tokenizer = ClipTokenizer.fromFolder(components.tokenizer);
    const tokenizer2 = components.tokenizer2 ? ClipTokenizer.fromFolder(components.tokenizer2) : undefined;
    const textEncoder = await open(components.textEncoder, 'text_encoder', 'text_encoder');
    const textEncoder2 = components.textEncoder2 ? await open(components.textEncoder2, 'text_encoder_2', 'text_encoder_2') : undefined;
    const unet = await open(components.unet, 'unet', 'unet');
    const vaeDecoder = await open(components.vaeDecoder, 'vae_decoder');
    let vaeEncoder: Promise<OpenedSession> | undefined;
    const providers: Record<string, ProviderName> = { text_encoder: textEncoder.provider, unet: unet.provider, vae_decoder: vaeDecoder.provider };
    if (textEncoder2) providers.text_encoder_2 = textEncoder2.provider;
    const model: DiffusionModel = {
      info,
      tokenizer,
      tokenizer2,
      textEncoder,
      textEncoder2,
      unet,
      vaeDecoder,
      vaeEncoder() {
        if (!components.vaeEncoder)
          throw new StudioError(
            'MODEL_ERROR',
            `${info.name} has no vae_encoder: it cannot start from an image.`,
            'Use a model folder with vae_encoder/model.onnx for img2img.',
          );
        const path = components.vaeEncoder;
        vaeEncoder ??= (async () => {
          options.onStatus?.(progressText('generate.loading', { component: 'vae_encoder' }));
          const original = readFileSync(path);
          const { bytes, unseeded } = deterministicVaeEncoder(original);
          const session = await openSession(bytes === original ? path : bytes, {
            model: 'vae_encoder',
            provider: options.provider,
            requirement: info.runsOn,
            onFallback,
            externalDataFolder: dirname(path),
          });
          opened.push(session);
          providers.vae_encoder = session.provider;
          // encodeImage takes latent_sample when there is one, else samples latent_parameters with the seed.
          model.vaeEncoderSampling = unseeded ? 'unseeded' : session.outputs.latent_sample ? 'mean' : 'seeded';
          return session;
        })();
        return vaeEncoder;
      },
      vaeEncoderSampling: undefined,
      provider: unet.provider,
      providers,
      fallbacks,
      loras: loras.map(({ file, scale }) => ({
        name: file.name,
        path: file.path,
        sha256: file.sha256,
        scale,
        reports: reports.get(file.name) ?? [],
      })),
      release,
    };
    return model;
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * diffusers' exporter samples the VAE encoder's latent distribution inside the graph (latent_dist.sample(),
 * exported as RandomNormalLike), with noise no seed controls: the same img2img would differ on every run. That
 * node is replaced by Sub(x, x) — zeros of the same shape — so the graph returns the distribution's mean, which
 * the seeded noise of img2img then starts from. Other random nodes stay, and the run says it is not reproducible.
 */
export function deterministicVaeEncoder(bytes: Uint8Array): { bytes: Uint8Array; unseeded: boolean } {
  const index = indexOnnxModel(bytes, 'vae_encoder');
  const random = index.nodes.filter((n) => n.domain === '' && /^Random(Normal|Uniform)(Like)?$|^Multinomial$|^Bernoulli$/.test(n.opType));
  const like = random.filter((n) => n.opType === 'RandomNormalLike' && n.inputs[0]);
  const rewritten = like.length
    ? replaceNodes(
        bytes,
        index,
        like.map((node) => ({
          node,
          with: { opType: 'Sub', inputs: [node.inputs[0]!, node.inputs[0]!], outputs: node.outputs, name: `${node.name}_mean` },
        })),
      )
    : bytes;
  return { bytes: rewritten, unseeded: random.length > like.length };
}

/** A key that changes when the model, provider or any LoRA (file or scale) changes. */
export function modelKey(info: DiffusionModelInfo, options: LoadOptions): string {
  const loras = (options.loras ?? []).map((l) => {
    const stat = statSync(l.path, { throwIfNoEntry: false });
    return [l.path, l.scale, l.name ?? '', stat?.size ?? 0, stat?.mtimeMs ?? 0];
  });
  return JSON.stringify([info.dir, info.family, options.provider, loras]);
}

/**
 * Keeps the last loaded model open between jobs of a GPU worker (loading takes seconds); a different model,
 * provider or LoRA set releases the old one first, so only one model holds memory at a time.
 */
export class DiffusionModelCache {
  private current: { key: string; model: Promise<DiffusionModel> } | undefined;

  async get(info: DiffusionModelInfo, options: LoadOptions): Promise<{ model: DiffusionModel; reused: boolean }> {
    const key = modelKey(info, options);
    if (this.current?.key === key) {
      try {
        return { model: await this.current.model, reused: true };
      } catch {
        this.current = undefined;
      }
    }
    await this.release();
    const model = loadDiffusionModel(info, options);
    this.current = { key, model };
    try {
      return { model: await model, reused: false };
    } catch (error) {
      this.current = undefined;
      throw error;
    }
  }

  async release(): Promise<void> {
    const previous = this.current;
    this.current = undefined;
    if (previous) await previous.model.then((m) => m.release()).catch(() => undefined);
  }
}
