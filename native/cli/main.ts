import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { DoctorReport, ImportResult, Job, Person } from '../api/schemas';
import { resolveLibraryRoot } from '../catalog/library';
import { appRoot } from '../core/entry';
import { appVersion } from '../core/version';
import { startServer } from '../server/server';
import { createStudio, type Studio } from '../studio/studio';
import { electronBinary, ensureElectronSqlite, launchDesktop } from './desktop';
import { fail, print, progressPrinter } from './output';

const DEFAULT_PORT = 4747;

const program = new Command()
  .name('likeness')
  .description('Likeness: an offline studio for portraits that look like the person.')
  .version(appVersion())
  .option('--library <dir>', 'library folder (default: $LIKENESS_HOME, else the per-OS app-data folder)')
  .showHelpAfterError();

function library(): string {
  return resolveLibraryRoot(program.opts<{ library?: string }>().library);
}

/** Runs a command against an in-process studio and always closes it (jobs left running are requeued). */
async function withStudio<T>(json: boolean, body: (studio: Studio) => Promise<T>): Promise<void> {
  let studio: Studio | undefined;
  try {
    studio = await createStudio({ library: library() });
    await body(studio);
  } catch (error) {
    fail(error, json);
  } finally {
    await studio?.close();
  }
}

async function serveUntilStopped(options: { port?: number; json?: boolean }): Promise<void> {
  let studio: Studio | undefined;
  try {
    studio = await createStudio({ library: library(), onInternalError: (channel, error) => console.error(`[${channel}]`, error) });
    const rendererDir = join(appRoot(), 'dist', 'renderer');
    let server;
    try {
      server = await startServer({ studio, rendererDir, port: options.port ?? DEFAULT_PORT });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port !== undefined) throw error;
      server = await startServer({ studio, rendererDir, port: 0 });
      if (!options.json) process.stderr.write(`Port ${DEFAULT_PORT} is in use; using ${server.port} instead.\n`);
    }
    const { reconcile, jobs } = studio.startup;
    if (options.json) {
      print({ url: server.url, openUrl: server.openUrl, port: server.port, token: server.token, library: studio.catalog.paths.root, startup: studio.startup }, true, String);
    } else {
      const notes = [
        reconcile.integrity !== 'ok' ? `  Database check: ${reconcile.integrity}` : '',
        jobs.resumed.length ? `  Resumed ${jobs.resumed.length} job(s) interrupted by the last stop.` : '',
        jobs.interrupted.length ? `  ${jobs.interrupted.length} job(s) were interrupted by the last stop (see Jobs).` : '',
        reconcile.orphansQuarantined ? `  Moved ${reconcile.orphansQuarantined} unreferenced file(s) to ${studio.catalog.paths.orphans}.` : '',
      ].filter(Boolean);
      print(null, false, () =>
        [`Likeness is running. Open this link in your browser:`, ``, `  ${server.openUrl}`, ``, `  Library: ${studio!.catalog.paths.root}`, ...notes, ``, `Press Ctrl+C to stop.`].join('\n'),
      );
    }
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await server.close();
  } catch (error) {
    fail(error, options.json ?? false);
  } finally {
    await studio?.close();
  }
}

program
  .command('start')
  .description('open the desktop app where Electron is installed, else serve the UI to your browser')
  .action(async () => {
    const binary = electronBinary();
    const problem = binary ? ensureElectronSqlite() : 'the Electron binary is not installed (run `npm run electron:install` where online)';
    if (binary && !problem) {
      process.exitCode = await launchDesktop(binary, library());
      return;
    }
    process.stderr.write(`Desktop window unavailable: ${problem}. Serving the same UI to your browser instead.\n\n`);
    await serveUntilStopped({});
  });

program
  .command('serve')
  .description('serve the UI and the API on 127.0.0.1 (browser, remote GPU box over an SSH tunnel)')
  .option('--port <port>', `port to listen on (default ${DEFAULT_PORT}, or a free one)`, (v) => Number.parseInt(v, 10))
  .option('--json', 'print the address and token as JSON')
  .action(async (options: { port?: number; json?: boolean }) => serveUntilStopped(options));

program
  .command('doctor')
  .description('check Node, ffmpeg, execution providers, the GPU and the library')
  .option('--json', 'machine-readable output')
  .action(async (options: { json?: boolean }) =>
    withStudio(Boolean(options.json), async (studio) => {
      const report = await studio.api.system.doctor();
      print(report, Boolean(options.json), formatDoctor);
    }),
  );

const catalog = program.command('catalog').description('the catalogue of outputs');
catalog
  .command('import')
  .description('import a folder of images (e.g. outputs of A1111, ComfyUI, Fooocus, InvokeAI) with their generation metadata')
  .argument('<dir>', 'folder (or single image) to import')
  .option('--no-recursive', 'only the folder itself, not its subfolders')
  .option('--json', 'machine-readable output')
  .action(async (dir: string, options: { recursive: boolean; json?: boolean }) =>
    withStudio(Boolean(options.json), async (studio) => {
      const job = await studio.api.catalog.import({ path: dir, recursive: options.recursive });
      const show = progressPrinter('Importing');
      const stopProgress = studio.events.subscribe((event) => {
        if (event.type === 'job:progress' && event.payload.jobId === job.id) show(event.payload.progress, event.payload.message);
      });
      const stop = () => void studio.jobs.cancel(job.id);
      process.once('SIGINT', stop);
      const finished = await studio.jobs.waitFor(job.id);
      process.off('SIGINT', stop);
      stopProgress();
      reportJob(finished, Boolean(options.json), (r) => formatImport(r as ImportResult));
    }),
  );

const people = program.command('people').description('people and their photos');
people
  .command('list')
  .option('--json', 'machine-readable output')
  .action(async (options: { json?: boolean }) =>
    withStudio(Boolean(options.json), async (studio) => {
      print(await studio.api.people.list(), Boolean(options.json), (list) => (list.length ? list.map(formatPerson).join('\n') : 'No people yet. Add one: likeness people add NAME'));
    }),
  );
people
  .command('add')
  .argument('<name>', 'the person’s name')
  .option('--trigger <word>', 'trigger token for training (a rare short word, e.g. ohwx)')
  .addOption(new Option('--class <word>', 'class word (man, woman, person, child…)').default('person'))
  .option('--notes <text>', 'notes')
  .option('--json', 'machine-readable output')
  .action(async (name: string, options: { trigger?: string; class: string; notes?: string; json?: boolean }) =>
    withStudio(Boolean(options.json), async (studio) => {
      const person = await studio.api.people.create({ name, trigger: options.trigger, classWord: options.class, notes: options.notes ?? '' });
      print(person, Boolean(options.json), formatPerson);
    }),
  );

program
  .command('jobs')
  .description('recent jobs and their state')
  .option('--json', 'machine-readable output')
  .action(async (options: { json?: boolean }) =>
    withStudio(Boolean(options.json), async (studio) => {
      print(await studio.api.jobs.list({ limit: 50 }), Boolean(options.json), (jobs) =>
        jobs.length ? jobs.map((j) => `#${j.id}  ${j.status.padEnd(11)} ${j.title}${j.error ? `  (${j.error.message})` : ''}`).join('\n') : 'No jobs yet.',
      );
    }),
  );

function reportJob(job: Job, json: boolean, human: (result: unknown) => string): void {
  if (json) print(job, true, String);
  else if (job.status === 'done') print(job.result, false, human);
  else {
    process.stderr.write(`${job.title}: ${job.status}${job.error ? ` — ${job.error.message}` : ''}\n`);
    if (job.error?.hint) process.stderr.write(`hint: ${job.error.hint}\n`);
  }
  if (job.status !== 'done') process.exitCode = 1;
}

function formatImport(result: ImportResult): string {
  const lines = [`Imported ${result.imported} of ${result.scanned} images (${result.duplicates} already in the catalogue, ${result.failed.length} unreadable, ${result.skipped} other files skipped).`];
  for (const failure of result.failed) lines.push(`  ✗ ${failure.path}: ${failure.reason}`);
  return lines.join('\n');
}

function formatPerson(person: Person): string {
  return `${person.name}  trigger: ${person.trigger}  class: ${person.classWord}  photos: ${person.photoCount}`;
}

function formatDoctor(report: DoctorReport): string {
  const mark = (ok: boolean) => (ok ? 'ok ' : '✗  ');
  const f = report.ffmpeg;
  const lines = [
    `Likeness ${report.appVersion} on ${report.platform.os} ${report.platform.arch}`,
    `${mark(report.node.ok)} Node ${report.node.version} (needs ${report.node.required})`,
    f.found
      ? `${mark(true)} ffmpeg ${f.version} (${f.source}: ${f.path}) — ${Object.entries(f.features ?? {})
          .map(([k, v]) => `${k} ${v ? 'yes' : 'NO'}`)
          .join(', ')}`
      : `${mark(false)} ffmpeg: ${f.error}${f.hint ? `\n     ${f.hint}` : ''}`,
    `   onnxruntime-node ${report.onnxruntime.version ?? `unavailable: ${report.onnxruntime.error}`}`,
    ...report.providers.map((p) => `${mark(p.status === 'ok')} provider ${p.name.padEnd(7)} ${p.status === 'ok' ? `ok (${p.millis} ms)` : p.error}`),
    `   GPU: ${report.gpu.adapters.length ? report.gpu.adapters.join('; ') : 'no adapter name could be read'}`,
    `${mark(report.library.integrity === 'ok')} library ${report.library.path} (schema ${report.library.schemaVersion}, integrity ${report.library.integrity}, ${report.library.outputs} outputs)`,
    `   models folder: ${report.models.path}`,
  ];
  return lines.join('\n');
}

await program.parseAsync(process.argv);
