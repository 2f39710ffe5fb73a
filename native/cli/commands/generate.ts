import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Option } from 'commander';
import { ProviderChoice, type GenerateResult } from '../../api/namespaces/generate';
import { SchedulerName } from '../../api/namespaces/models';
import type { Studio } from '../../studio/studio';
import type { CliContext } from '../context';
import { followJob, print, reportJob, usageError } from '../output';

interface GenerateOptions {
  model: string;
  prompt?: string;
  negative?: string;
  template: string[];
  person?: string;
  lora: string[];
  count: string;
  seed?: string;
  steps?: string;
  scheduler?: string;
  size?: string;
  guidance?: string;
  ep: string;
  init?: string;
  strength?: string;
  batchSize: string;
  tiledVae?: boolean;
  out?: string;
  on?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `FILE[:SCALE]`: the scale is the part after the last colon when it is a number (Windows drive letters stay). */
export function parseLoraArgument(value: string): { path: string; scale: number } {
  const match = /^(.*):(-?\d+(?:\.\d+)?)$/.exec(value);
  if (match && match[1]) return { path: match[1], scale: Number(match[2]) };
  return { path: value, scale: 1 };
}

function number(value: string | undefined, name: string, integer = true): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw usageError(`--${name} must be a ${integer ? 'whole ' : ''}number, not “${value}”.`);
  return n;
}

export function registerGenerate(cli: CliContext): void {
  cli.program
    .command('generate')
    .description('generate images with a local ONNX Stable Diffusion model (txt2img, or img2img with --init)')
    .requiredOption('--model <id|dir>', 'a model id (likeness models list) or a diffusers ONNX folder')
    .option('--prompt <text>', 'the prompt ({trigger} and {class} are the person’s); with --template, added to each template’s')
    .option('--negative <text>', 'the negative prompt')
    .option('--template <name>', 'a prompt template (repeatable; see assets/templates)', collect, [])
    .option('--person <name>', 'the person whose trigger and class words fill the prompt')
    .option('--lora <file[:scale]>', 'a kohya LoRA .safetensors, optionally with a scale (repeatable)', collect, [])
    .option('--count <n>', 'images per prompt or template', '1')
    .option('--seed <n>', 'seed of the first image (the next ones count up); random when absent')
    .option('--steps <n>', 'denoising steps')
    .addOption(new Option('--scheduler <name>', 'scheduler').choices(SchedulerName.options))
    .option('--size <WxH|W:H>', 'image size (e.g. 512x768) or aspect ratio (e.g. 2:3)')
    .option('--guidance <g>', 'classifier-free guidance scale (≤ 1 turns it off, as Turbo models need)')
    .addOption(new Option('--ep <provider>', 'execution provider').choices(['auto', 'cpu', 'webgpu', 'cuda', 'dml', 'coreml']).default('auto'))
    .option('--init <image>', 'start from this picture (img2img)')
    .option('--strength <s>', 'img2img: how much to change the picture (0–1; default 0.6)')
    .option('--batch-size <n>', 'images per UNet call', '1')
    .option('--no-tiled-vae', 'decode large images in one piece')
    .option('--on <where>', 'local (this machine) or farm (the farm set by --farm or `likeness farm use`); default: the farm when one is set')
    .option('--out <dir>', 'also copy the PNGs here')
    .option('--json', 'machine-readable output')
    .action(async (options: GenerateOptions) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        // Without a picture to start from, a strength would be silently ignored and a whole txt2img batch run.
        if (options.strength !== undefined && !options.init)
          throw usageError('--strength only applies with --init (img2img).', 'Add --init IMAGE, or leave --strength out.');
        let personId: number | undefined;
        if (options.person) {
          const person = (await studio.api.people.list()).find((p) => p.name.toLowerCase() === options.person!.toLowerCase());
          if (!person) throw usageError(`No person “${options.person}”.`, 'See `likeness people list`.');
          personId = person.id;
        }
        const job = await studio.api.generate.start({
          model: options.model,
          prompt: options.prompt,
          negativePrompt: options.negative,
          templates: options.template,
          personId,
          loras: options.lora.map(parseLoraArgument),
          count: number(options.count, 'count'),
          seed: number(options.seed, 'seed'),
          steps: number(options.steps, 'steps'),
          scheduler: options.scheduler as SchedulerName | undefined,
          size: options.size,
          guidance: number(options.guidance, 'guidance', false),
          provider: ProviderChoice.parse(options.ep),
          init: options.init ? { path: options.init, strength: number(options.strength ?? '0.6', 'strength', false)! } : undefined,
          batchSize: number(options.batchSize, 'batch-size'),
          tiledVae: options.tiledVae === false ? false : 'auto',
          runOn: await runOnChoice(studio, options.on),
        });
        // Fallbacks and unmatched LoRA keys are said out loud, not folded into the progress line.
        // Unmatched LoRA keys are said out loud as they come; fallbacks once at the end, from the result.
        const finished = await followJob(studio, job, 'Generating', (message) => {
          if (/matched no weight/.test(message)) process.stderr.write(`\nwarning: ${message}\n`);
        });
        const result = finished.result as GenerateResult | null;
        const files: string[] = [];
        if (result) {
          for (const id of result.outputs) {
            const output = await studio.api.catalog.getOutput({ id });
            const stored = join(studio.catalog.paths.objects, output.hash.slice(0, 2), output.hash.slice(2));
            if (options.out) {
              await mkdir(options.out, { recursive: true });
              const target = join(options.out, `${String(output.id).padStart(5, '0')}-${output.seed}.png`);
              await copyFile(stored, target);
              files.push(target);
            } else files.push(stored);
          }
          for (const line of fallbackLines(result.fallbacks)) process.stderr.write(`warning: ${line}\n`);
        }
        if (options.json) print({ ...finished, files }, true, String);
        else reportJob(finished, false, () => formatResult(result!, files));
        if (finished.status !== 'done') process.exitCode = 1;
      }),
    );
}

/** `--on local|farm`; without it, the farm when one is set (the setting's whole point), else this machine. */
async function runOnChoice(studio: Studio, on: string | undefined): Promise<'local' | 'farm'> {
  if (on === 'local' || on === 'farm') return on;
  if (on !== undefined) throw usageError(`--on is local or farm, not “${on}”.`);
  return (await studio.api.farm.status()).configured ? 'farm' : 'local';
}

/** One line per provider: each part of the model (text encoder, UNet, VAE) falls back the same way. */
export function fallbackLines(fallbacks: GenerateResult['fallbacks']): string[] {
  const byProvider = new Map<string, { models: string[]; reason: string; remembered: boolean }>();
  for (const f of fallbacks) {
    const entry = byProvider.get(f.provider) ?? { models: [], reason: f.reason, remembered: true };
    if (!entry.models.includes(f.model)) entry.models.push(f.model);
    entry.remembered &&= Boolean(f.remembered);
    byProvider.set(f.provider, entry);
  }
  return [...byProvider].map(
    ([provider, { models, reason, remembered }]) =>
      `${provider} ${remembered ? 'was not tried again (it failed earlier)' : 'could not be used'} for ${models.join(', ')}: ${reason}`,
  );
}

function formatResult(result: GenerateResult, files: string[]): string {
  const lines = [
    `${result.outputs.length} image${result.outputs.length === 1 ? '' : 's'} on ${result.provider} (${result.secondsPerImage.toFixed(2)} s per image, UNet ${(result.unetSecondsPerStep * 1000).toFixed(1)} ms per step):`,
    ...files.map((f) => `  ${f}`),
  ];
  for (const [lora, keys] of Object.entries(result.loraUnmatched))
    if (keys.length)
      lines.push(`${lora}: ${keys.length} keys matched no weight of the model (${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''})`);
  return lines.join('\n');
}
