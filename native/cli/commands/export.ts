import type { OutputExportResult } from '../../api/namespaces/review';
import type { CliContext } from '../context';
import { followJob, reportJob } from '../output';

export function registerExport(cli: CliContext): void {
  const exportCommand = cli.program.command('export').description('copy outputs out of the library');
  exportCommand
    .command('picks')
    .description('export the picks with their generation metadata (PNG text, EXIF), optionally XMP sidecars and a contact sheet')
    .requiredOption('--out <dir>', 'folder to export to (created if needed)')
    .option('--xmp', 'write an XMP sidecar (rating, label, tags, note) beside each file')
    .option('--format <format>', 'original (as stored), jpeg or png', 'original')
    .option('--size <n>', 'longest side in pixels (never enlarged)')
    .option('--quality <n>', 'JPEG quality (40–100)', '92')
    .option('--min-stars <n>', 'only picks with at least this many stars')
    .option('--contact-sheet', 'also write contact sheets of the picks')
    .option('--json', 'machine-readable output')
    .action(
      async (options: {
        out: string;
        xmp?: boolean;
        format: string;
        size?: string;
        quality: string;
        minStars?: string;
        contactSheet?: boolean;
        json?: boolean;
      }) =>
        cli.withStudio(Boolean(options.json), async (studio) => {
          const number = (value: string | undefined) =>
            value === undefined ? undefined : Number.isFinite(Number(value)) ? Number(value) : (value as never);
          const job = await studio.api.review.export({
            outDir: options.out,
            filter: { flag: 'pick', ...(options.minStars ? { minStars: number(options.minStars) } : {}) },
            format: options.format as never,
            size: number(options.size),
            quality: number(options.quality),
            xmp: Boolean(options.xmp),
            contactSheet: Boolean(options.contactSheet),
          });
          const finished = await followJob(studio, job, 'Exporting');
          reportJob(finished, Boolean(options.json), (r) => formatExport(r as OutputExportResult));
        }),
    );
}

function formatExport(result: OutputExportResult): string {
  const lines = [
    `Exported ${result.exported} file${result.exported === 1 ? '' : 's'} to ${result.outDir}${result.sidecars ? ` with ${result.sidecars} XMP sidecars` : ''}.`,
  ];
  if (result.alreadyThere)
    lines.push(`  ${result.alreadyThere} already in that folder from an earlier export with the same settings: kept as they are.`);
  for (const sheet of result.contactSheets) lines.push(`  contact sheet: ${sheet}`);
  for (const failure of result.failed) lines.push(`  ✗ #${failure.id}: ${failure.reason}`);
  return lines.join('\n');
}
