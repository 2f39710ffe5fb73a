import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { Option } from 'commander';
import { ProviderName } from '../../api/schemas';
import type { ProcessRequest, ProcessResult } from '../../api/namespaces/portrait';
import type { Studio } from '../../studio/studio';
import type { CliContext } from '../context';
import { followJob, print, reportJob, usageError } from '../output';

/** A number option, checked (a usage error names the option). */
export function numberOption(value: string | undefined, name: string, range: [number, number], integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < range[0] || n > range[1]) {
    throw usageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${range[0]} to ${range[1]}, not “${value}”.`);
  }
  return n;
}

export const providerOption = () => new Option('--ep <provider>', 'execution provider').choices(['auto', ...ProviderName.options]).default('auto');

/**
 * One note per provider that could not be used, naming the models that tried it: a library the provider lacks
 * makes every model fail the same way, and six lines of the same reason hide what matters.
 */
export function fallbackNotes(fallbacks: ProcessResult['fallbacks']): string[] {
  const byReason = new Map<string, { provider: string; reason: string; models: string[] }>();
  for (const f of fallbacks) {
    const key = `${f.provider}\n${f.reason}`;
    const entry = byReason.get(key) ?? { provider: f.provider, reason: f.reason, models: [] };
    if (!entry.models.includes(f.model)) entry.models.push(f.model);
    byReason.set(key, entry);
  }
  return [...byReason.values()].map(
    (e) => `note: ${e.provider} could not be used for ${e.models.join(', ')} (${e.reason}); the next provider ran them.`,
  );
}

/** Runs a portrait request as a job with progress on stderr (Ctrl-C cancels), then copies `pick(result)` to `out`. */
export async function runPortraitJob(
  studio: Studio,
  request: ProcessRequest,
  options: {
    json: boolean;
    out: string;
    label: string;
    pick: (result: ProcessResult) => string | undefined;
    human: (result: ProcessResult, out: string) => string;
  },
): Promise<void> {
  const job = await studio.api.portrait.process(request);
  const finished = await followJob(studio, job, options.label);
  if (finished.status !== 'done') {
    reportJob(finished, options.json, String);
    return;
  }
  const result = finished.result as ProcessResult;
  const hash = options.pick(result);
  const out = resolve(options.out);
  if (hash) {
    await mkdir(dirname(out), { recursive: true });
    await copyFile(studio.catalog.store.pathOf(hash), out);
  }
  print({ ...result, out, jobId: job.id }, options.json, (r) =>
    [
      options.human(r, out),
      ...(Object.entries(r.providers).length ? [`Ran on ${[...new Set(Object.values(r.providers))].join(', ')}.`] : []),
      ...fallbackNotes(r.fallbacks),
      ...r.warnings.map((w) => `note: ${w}`),
    ].join('\n'),
  );
}

interface RestoreOptions {
  restore: boolean;
  restoreModel: string;
  strength?: string;
  fidelity?: string;
  colorize?: string | boolean;
  upscale?: string;
  ep: string;
  allowNonCommercial?: boolean;
  out: string;
  json?: boolean;
}

export function registerRestore(cli: CliContext): void {
  cli.program
    .command('restore')
    .description('restore the faces of an old photo, and optionally colorize and upscale it (a PNG in the catalogue, copied to --out)')
    .argument('<photo>', 'the photo (JPEG, PNG, TIFF, WebP…)')
    .option('--no-restore', 'leave the faces as they are (only colorize and/or upscale)')
    .option('--restore-model <id>', 'gfpgan-1.4, restoreformer-plus-plus or codeformer (non-commercial)', 'gfpgan-1.4')
    .option('--strength <0..1>', 'how much of the restored face to use (default 0.8)')
    .option('--fidelity <0..1>', 'CodeFormer: 0 restores most, 1 stays closest to the photo (default 0.5)')
    .option('--colorize [model]', 'add colour: ddcolor (default), ddcolor-artistic, deoldify-stable, deoldify-artistic')
    .addOption(new Option('--upscale <factor>', 'Real-ESRGAN upscaling').choices(['2', '4']))
    .addOption(providerOption())
    .option('--allow-non-commercial', 'allow models licensed for non-commercial use (CodeFormer) for this run')
    .requiredOption('--out <file>', 'where to write the PNG')
    .option('--json', 'machine-readable output')
    .action(async (photo: string, options: RestoreOptions) => {
      const json = Boolean(options.json);
      await cli.withStudio(json, async (studio) => {
        if (extname(options.out).toLowerCase() !== '.png') throw usageError(`--out ${options.out} should end in .png (the result is a PNG).`);
        const request: ProcessRequest = {
          source: { path: resolve(photo) },
          ...(options.restore
            ? {
                restore: {
                  model: options.restoreModel,
                  ...(options.strength !== undefined ? { strength: numberOption(options.strength, 'strength', [0, 1]) } : {}),
                  ...(options.fidelity !== undefined ? { fidelity: numberOption(options.fidelity, 'fidelity', [0, 1]) } : {}),
                },
              }
            : {}),
          ...(options.colorize ? { colorize: { model: typeof options.colorize === 'string' ? options.colorize : 'ddcolor' } } : {}),
          ...(options.upscale ? { upscale: { scale: Number(options.upscale) as 2 | 4 } } : {}),
          provider: options.ep as ProcessRequest['provider'],
          allowNonCommercial: Boolean(options.allowNonCommercial),
        };
        if (!request.restore && !request.colorize && !request.upscale)
          throw usageError(
            'Nothing to do: --no-restore without --colorize or --upscale.',
            'Add --colorize or --upscale 2, or leave out --no-restore.',
          );
        await runPortraitJob(studio, request, {
          json,
          out: options.out,
          label: 'Restoring',
          pick: (r) => r.still?.hash,
          human: (r, out) =>
            `Wrote ${out} (${r.still!.width}×${r.still!.height}, ${r.faces} face${r.faces === 1 ? '' : 's'}). In the catalogue as output ${r.still!.outputId}.`,
        });
      });
    });
}
