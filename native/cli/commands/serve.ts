import { join } from 'node:path';
import { StudioError } from '../../api/errors';
import { appRoot } from '../../core/entry-points';
import { startServer } from '../../server/server';
import { createStudio, type Studio } from '../../studio/studio';
import type { CliContext } from '../context';
import { electronBinary, ensureElectronSqlite, launchDesktop } from '../desktop';
import { fail, print, usageError } from '../output';

const DEFAULT_PORT = 4747;

async function serveUntilStopped(cli: CliContext, options: { port?: number; json?: boolean }): Promise<void> {
  let studio: Studio | undefined;
  try {
    studio = await createStudio({ library: cli.library(), onInternalError: (channel, error) => console.error(`[${channel}]`, error) });
    const rendererDir = join(appRoot(), 'dist', 'renderer');
    let server;
    try {
      server = await startServer({ studio, rendererDir, port: options.port ?? DEFAULT_PORT });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port !== undefined)
        throw explainListenError(error, options.port ?? DEFAULT_PORT);
      server = await startServer({ studio, rendererDir, port: 0 });
      if (!options.json) process.stderr.write(`Port ${DEFAULT_PORT} is in use; using ${server.port} instead.\n`);
    }
    const { reconcile, jobs } = studio.startup;
    if (options.json) {
      print(
        {
          url: server.url,
          openUrl: server.openUrl,
          port: server.port,
          token: server.token,
          library: studio.catalog.paths.root,
          startup: studio.startup,
        },
        true,
        String,
      );
    } else {
      const notes = [
        reconcile.integrity !== 'ok' ? `  Database check: ${reconcile.integrity}` : '',
        jobs.resumed.length ? `  Resumed ${jobs.resumed.length} job(s) interrupted by the last stop.` : '',
        jobs.interrupted.length ? `  ${jobs.interrupted.length} job(s) were interrupted by the last stop (see Jobs).` : '',
        reconcile.orphansQuarantined ? `  Moved ${reconcile.orphansQuarantined} unreferenced file(s) to ${studio.catalog.paths.orphans}.` : '',
      ].filter(Boolean);
      print(null, false, () =>
        [
          `Likeness is running. Open this link in your browser:`,
          ``,
          `  ${server.openUrl}`,
          ``,
          `  Library: ${studio!.catalog.paths.root}`,
          ...notes,
          ``,
          `Press Ctrl+C to stop.`,
        ].join('\n'),
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

/** `--port N`: 0 (a free port) to 65535, said as a usage error (exit 2) rather than a crash in listen(). */
export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port > 65_535) {
    throw usageError(
      `--port must be a whole number from 0 to 65535, not “${value}”.`,
      'Leave out --port to use 4747, or a free port if that one is taken.',
    );
  }
  return port;
}

/** A port that cannot be listened on is the user's to change, not a bug in Likeness. */
export function explainListenError(error: unknown, port: number): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE')
    return new StudioError(
      'CONFLICT',
      `Port ${port} is already in use (another Likeness, or another program).`,
      'Choose another with --port N, or leave out --port to use 4747 or a free port.',
    );
  if (code === 'EACCES')
    return new StudioError('IO_ERROR', `Listening on port ${port} needs administrator rights here.`, 'Choose a port above 1024 with --port N.');
  return error;
}

/** `start` (desktop where Electron can run, else the browser UI) and `serve`. */
export function registerServe(cli: CliContext): void {
  cli.program
    .command('start')
    .description('open the desktop app where Electron is installed, else serve the UI to your browser')
    .action(async () => {
      const binary = electronBinary();
      const problem = binary ? ensureElectronSqlite() : 'the Electron binary is not installed (run `npm run electron:install` where online)';
      if (binary && !problem) {
        process.exitCode = await launchDesktop(binary, cli.library());
        return;
      }
      process.stderr.write(`Desktop window unavailable: ${problem}. Serving the same UI to your browser instead.\n\n`);
      await serveUntilStopped(cli, {});
    });

  cli.program
    .command('serve')
    .description('serve the UI and the API on 127.0.0.1 (browser, remote GPU box over an SSH tunnel)')
    .option('--port <port>', `port to listen on (default ${DEFAULT_PORT}, or a free one)`)
    .option('--json', 'print the address and token as JSON')
    .action(async (options: { port?: string; json?: boolean }) => {
      let port: number | undefined;
      try {
        port = options.port === undefined ? undefined : parsePort(options.port);
      } catch (error) {
        return fail(error, Boolean(options.json));
      }
      await serveUntilStopped(cli, { ...options, port });
    });
}
