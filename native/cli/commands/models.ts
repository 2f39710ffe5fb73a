import { Option } from 'commander';
import type { LoraInfo, ModelInfo, ModelVerification } from '../../api/namespaces/models';
import { DiffusionFamily } from '../../api/namespaces/models';
import { formatBytes } from '../../models/manager';
import type { CliContext } from '../context';
import { followJob, print, reportJob, usageError } from '../output';

export function registerModels(cli: CliContext): void {
  const models = cli.program.command('models').description('models Likeness knows (assets/models.json), folders you added, LoRAs');
  models
    .command('list')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        print(await studio.api.models.list(), Boolean(options.json), (list) => list.map(formatModel).join('\n'));
      }),
    );
  models
    .command('add')
    .description('install a known model from a file you already have (checked against its size and sha256)')
    .argument('<id>', 'model id, as `likeness models list` shows it')
    .requiredOption('--file <path>', 'the model file')
    .option('--as <name>', 'which of the model’s files this is, when it has several')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { file: string; as?: string; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const model = await studio.api.models.installFile({ id, path: options.file, file: options.as });
        // The install queued its check on this machine: see it through here, so no job is left for the next command.
        const check = (await studio.api.jobs.list({})).find(
          (j) => j.kind === 'models.verify' && (j.input as { id?: string }).id === model.id && (j.status === 'queued' || j.status === 'running'),
        );
        const checked = check ? await studio.jobs.waitFor(check.id) : undefined;
        print(
          options.json ? model : checked?.status === 'failed' ? `${formatModel(model)}\n${checked.error?.message ?? ''}` : formatModel(model),
          Boolean(options.json),
          String,
        );
      }),
    );
  models
    .command('download')
    .description('download a known model (resumes an interrupted download; checks sizes and checksums)')
    .argument('<id>', 'model id, as `likeness models list` shows it')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const job = await studio.api.models.download({ id });
        const finished = await followJob(studio, job, 'Downloading');
        reportJob(finished, Boolean(options.json), () => finishedModel(finished.result));
      }),
    );
  models
    .command('verify')
    .description('prove an installed model works here: its files, its inputs and outputs, one golden pass that garbage cannot pass')
    .argument('<id>', 'model id, as `likeness models list` shows it')
    .option('--photo <file>', 'a photo of one face for the face models (default: the newest accepted photo of a person)')
    .addOption(new Option('--provider <provider>', 'where to run it').choices(['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu']).default('cpu'))
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { photo?: string; provider: 'auto' | 'cpu'; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const job = await studio.api.models.verify({ id, photo: options.photo, provider: options.provider });
        const finished = await followJob(studio, job, 'Checking');
        const report = (finished.result ?? (finished.error?.details as { verification?: unknown } | undefined)?.verification) as
          ModelVerification | undefined;
        if (options.json) print(report ?? finished, true, String);
        else if (report) process.stdout.write(`${formatVerification(report)}\n`);
        else reportJob(finished, false, String);
        if (finished.status !== 'done') process.exitCode = 1;
      }),
    );
  models
    .command('add-folder')
    .description('add a Stable Diffusion ONNX folder (diffusers/optimum layout); says which part is missing or does not fit')
    .argument('<dir>', 'the folder with model_index.json')
    .option('--name <name>', 'a name to show')
    .addOption(new Option('--family <family>', 'the model family, when the folder does not tell').choices(DiffusionFamily.options))
    .option('--json', 'machine-readable output')
    .action(async (dir: string, options: { name?: string; family?: DiffusionFamily; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        print(await studio.api.models.addFolder({ path: dir, name: options.name, family: options.family }), Boolean(options.json), formatModel);
      }),
    );
  models
    .command('remove')
    .description('forget an added folder (its files stay), or delete a downloaded model')
    .argument('<id>', 'model id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        print(await studio.api.models.remove({ id }), Boolean(options.json), (r) => (r.removed ? `Removed ${id}.` : `${id} was not installed.`));
      }),
    );
  models
    .command('loras')
    .description('LoRAs in the library')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        print(await studio.api.models.listLoras(), Boolean(options.json), (list) =>
          list.length ? list.map(formatLora).join('\n') : 'No LoRAs yet. Add one: likeness models add-lora FILE',
        );
      }),
    );
  models
    .command('add-lora')
    .description('copy a kohya LoRA (.safetensors) into the library')
    .argument('<file>', 'the .safetensors file')
    .option('--person <name>', 'the person it was trained on')
    .option('--name <name>', 'a name to show')
    .option('--json', 'machine-readable output')
    .action(async (file: string, options: { person?: string; name?: string; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        let personId: number | null = null;
        if (options.person) {
          const person = (await studio.api.people.list()).find((p) => p.name.toLowerCase() === options.person!.toLowerCase());
          if (!person) throw usageError(`No person “${options.person}”.`, 'See `likeness people list`.');
          personId = person.id;
        }
        print(await studio.api.models.addLora({ path: file, personId, name: options.name }), Boolean(options.json), formatLora);
      }),
    );
}

export function finishedModel(result: unknown): string {
  const r = result as { id?: string; files?: number; bytes?: number } | null;
  return r?.id ? `${r.id}: ${r.files} files, ${formatBytes(r.bytes ?? 0)}` : '';
}

/** One line of `models list`: sizes in the unit that fits (YuNet is 230 kB, not “~0.0 GB”). */
export function formatModel(model: ModelInfo | string): string {
  if (typeof model === 'string') return model;
  const licence = `${model.license.name}${model.license.commercialUse === false ? ', non-commercial' : ''}`;
  const size = model.size ? ` ~${formatBytes(model.size)}` : '';
  return `${model.id.padEnd(18)} ${model.state.padEnd(10)} ${model.name} (${model.family ?? model.kind}${size}; ${licence})`;
}

function formatVerification(report: ModelVerification): string {
  const lines = report.checks.map((c) => `${c.skipped ? 'skip' : c.ok ? ' ok ' : 'FAIL'}  ${c.name}: ${c.detail}`);
  return [...lines, report.ok ? `${report.name}: all checks passed (${report.provider})` : report.summary].join('\n');
}

function formatLora(lora: LoraInfo): string {
  return `${lora.id.padEnd(18)} ${lora.name} (${lora.modules} modules${lora.baseModel ? `, for ${lora.baseModel}` : ''})`;
}
