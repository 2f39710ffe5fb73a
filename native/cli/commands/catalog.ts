import type { ImportResult } from '../../api/schemas';
import type { CliContext } from '../context';
import { followJob, reportJob } from '../output';

export function registerCatalog(cli: CliContext): void {
  const catalog = cli.program.command('catalog').description('the catalogue of outputs');
  catalog
    .command('import')
    .description('import a folder of images (e.g. outputs of A1111, ComfyUI, Fooocus, InvokeAI) with their generation metadata')
    .argument('<dir>', 'folder (or single image) to import')
    .option('--no-recursive', 'only the folder itself, not its subfolders')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, options: { recursive: boolean; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const job = await studio.api.catalog.import({ path: dir, recursive: options.recursive });
        const finished = await followJob(studio, job, 'Importing');
        reportJob(finished, Boolean(options.json), (r) => formatImport(r as ImportResult));
      }),
    );
}

function formatImport(result: ImportResult): string {
  const lines = [
    `Imported ${result.imported} of ${result.scanned} images (${result.duplicates} already in the catalogue, ${result.failed.length} unreadable, ${result.skipped} other files skipped).`,
  ];
  for (const failure of result.failed) lines.push(`  ✗ ${failure.path}: ${failure.reason}`);
  return lines.join('\n');
}
