import type { FarmStatus } from '../../api/namespaces/farm';
import { FARM_ENV } from '../../farm/connect';
import { startFarmWorker } from '../../farm/farm-worker';
import { parseFarmUrl } from '../../farm/farm-url';
import { createStudio } from '../../studio/studio';
import type { CliContext } from '../context';
import { fail, print, usageError } from '../output';

/** `farm status`, as a person reads it: the address, each worker on a line, the queue. */
export function formatFarmStatus(status: FarmStatus): string {
  if (!status.configured) return 'No farm is set: images are made on this machine. Set one with `likeness farm use redis://:PASSWORD@HOST:6379`.';
  const ago = (at: number) => `${Math.max(0, Math.round((Date.now() - at) / 1000))} s ago`;
  const lines = [`Farm: ${status.url ?? '(unreadable address)'}${status.source === 'flag' ? ' (from --farm)' : ''}`];
  if (!status.reachable)
    return [...lines, `  not reachable: ${status.error ?? 'no answer'}`, ...(status.hint ? [`  hint: ${status.hint}`] : [])].join('\n');
  lines.push(`  ${status.waiting} image(s) waiting, ${status.active} being made`);
  if (!status.workers.length) lines.push('  no workers: start `likeness worker --farm URL` on each GPU box');
  for (const w of status.workers) {
    const now = w.current.map((c) => `${c.batchId.slice(0, 8)}#${c.index + 1} step ${c.step}/${c.steps}`).join(', ');
    lines.push(
      `  ${w.online ? '●' : '○'} ${w.host} — ${w.gpu ?? 'no GPU found'} · ${w.provider ?? 'no image yet'} · ${w.done} done${w.failed ? `, ${w.failed} failed` : ''} · ${now || 'idle'} · seen ${ago(w.lastSeenAt)}`,
    );
  }
  return lines.join('\n');
}

function farmUrlOption(given: string | undefined): string {
  const url = given ?? process.env[FARM_ENV];
  if (!url) throw usageError('Which farm? Give --farm redis://:PASSWORD@HOST:6379 (or set LIKENESS_FARM).');
  return url;
}

export function registerFarm(cli: CliContext): void {
  cli.program
    .command('worker')
    .description("make images for a farm of studios on this machine's GPU (BullMQ on Redis); runs until Ctrl+C")
    .option('--concurrency <n>', 'images at a time (1 per GPU is usual)', '1')
    .option('--json', 'machine-readable log lines')
    .action(async (options: { concurrency: string; json?: boolean; farm?: string }) => {
      const json = Boolean(options.json);
      try {
        const address = parseFarmUrl(farmUrlOption(cli.program.opts<{ farm?: string }>().farm));
        const concurrency = Number(options.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
          throw usageError(`--concurrency is a whole number from 1 to 64, not “${options.concurrency}”.`);
        const log = (line: string) => process.stderr.write(json ? `${JSON.stringify({ at: Date.now(), line })}\n` : `${line}\n`);
        const library = cli.library();
        const worker = await startFarmWorker({
          address,
          library,
          concurrency,
          log,
          // A registry model this box lacks is downloaded (and checked) by the library's own download job.
          downloadModel: async (id) => {
            const studio = await createStudio({ library });
            try {
              const job = await studio.api.models.download({ id });
              const finished = await studio.jobs.waitFor(job.id);
              if (finished.status !== 'done')
                throw new Error(`the download of ${id} ${finished.status}: ${finished.error?.message ?? finished.message ?? ''}`);
            } finally {
              await studio.close();
            }
          },
        });
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        log('stopping: finishing the images in hand (Ctrl+C again to stop at once)');
        process.once('SIGINT', () => process.exit(130));
        await worker.close();
      } catch (error) {
        fail(error, json);
      }
    });

  const farm = cli.program.command('farm').description('the farm: GPU boxes that make images for this studio (BullMQ on Redis)');
  farm
    .command('status')
    .description('the farm this library uses, its workers and its queue')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => print(await studio.api.farm.status(), Boolean(options.json), formatFarmStatus), {
        readOnly: true,
      }),
    );
  farm
    .command('use')
    .description('send this library’s batches to a farm (saved in the library; checked by connecting first)')
    .argument('<url>', 'redis://:PASSWORD@HOST:6379, or rediss:// for TLS')
    .option('--json', 'machine-readable output')
    .action(async (url: string, options: { json?: boolean }) =>
      cli.withStudio(
        Boolean(options.json),
        async (studio) => print(await studio.api.farm.configure({ url }), Boolean(options.json), formatFarmStatus),
        { readOnly: true },
      ),
    );
  farm
    .command('off')
    .description('make images on this machine again (forgets the saved farm)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(
        Boolean(options.json),
        async (studio) => print(await studio.api.farm.configure({ url: null }), Boolean(options.json), formatFarmStatus),
        { readOnly: true },
      ),
    );
}
