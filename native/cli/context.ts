import type { Command } from 'commander';
import { resolveLibraryRoot } from '../catalog/library';
import { createStudio, type Studio } from '../studio/studio';
import { fail } from './output';

/** What every command file gets: the library chosen on the command line and a way to run against it. */
export interface CliContext {
  program: Command;
  library(): string;
  /** Runs `body` against an in-process studio and always closes it (jobs left running are handed back). */
  withStudio(json: boolean, body: (studio: Studio) => Promise<void>, options?: { readOnly?: boolean }): Promise<void>;
}

export function cliContext(program: Command): CliContext {
  const library = () => resolveLibraryRoot(program.opts<{ library?: string }>().library);
  return {
    program,
    library,
    async withStudio(json, body, options = {}) {
      let studio: Studio | undefined;
      try {
        studio = await createStudio({ library: library(), startJobs: !options.readOnly });
        await body(studio);
      } catch (error) {
        fail(error, json);
      } finally {
        await studio?.close();
      }
    },
  };
}
