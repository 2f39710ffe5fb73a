import type { ModelInfo } from '../../api/namespaces/models';
import type { CliContext } from '../context';
import { print } from '../output';

export function registerModels(cli: CliContext): void {
  const models = cli.program.command('models').description('models Likeness knows (assets/models.json) and which are installed');
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
        print(await studio.api.models.installFile({ id, path: options.file, file: options.as }), Boolean(options.json), formatModel);
      }),
    );
}

function formatModel(model: ModelInfo): string {
  const licence = `${model.license.name}${model.license.commercialUse ? '' : ', non-commercial'}`;
  return `${model.id.padEnd(16)} ${model.state.padEnd(10)} ${model.name} (${model.kind}; ${licence})`;
}
