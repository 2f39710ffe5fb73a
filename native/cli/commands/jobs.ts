import type { CliContext } from '../context';
import { print } from '../output';

export function registerJobs(cli: CliContext): void {
  cli.program
    .command('jobs')
    .description('recent jobs and their state')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(
        Boolean(options.json),
        async (studio) => {
          print(await studio.api.jobs.list({ limit: 50 }), Boolean(options.json), (jobs) =>
            jobs.length
              ? jobs.map((j) => `#${j.id}  ${j.status.padEnd(11)} ${j.title}${j.error ? `  (${j.error.message})` : ''}`).join('\n')
              : 'No jobs yet.',
          );
        },
        { readOnly: true },
      ),
    );
}
