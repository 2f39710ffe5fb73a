import { Command } from 'commander';
import { appVersion } from '../core/version';
import { registerAnimate } from './commands/animate';
import { registerCatalog } from './commands/catalog';
import { registerDoctor } from './commands/doctor';
import { registerExport } from './commands/export';
import { registerFarm } from './commands/farm';
import { registerGenerate } from './commands/generate';
import { registerGpu } from './commands/gpu';
import { registerJobs } from './commands/jobs';
import { registerModels } from './commands/models';
import { registerPeople } from './commands/people';
import { registerReel } from './commands/reel';
import { registerReview } from './commands/review';
import { registerRestore } from './commands/restore';
import { registerServe } from './commands/serve';
import { registerTokenize } from './commands/tokenize';
import { registerScore } from './commands/score';
import { cliContext } from './context';
import { FARM_ENV } from '../farm/connect';

const libraryFlag = '--library <dir>';
const libraryHelp = 'library folder (default: $LIKENESS_HOME, else the per-OS app-data folder)';
const farmFlag = '--farm <url>';
const farmHelp = 'a farm of GPU boxes for this run: redis://:PASSWORD@HOST:6379 or rediss:// (default: $LIKENESS_FARM, else the library’s)';

const program = new Command()
  .name('likeness')
  .description('Likeness: an offline studio for portraits that look like the person.')
  .version(appVersion())
  .option(libraryFlag, libraryHelp)
  .option(farmFlag, farmHelp)
  // `people export --version 3` and `score --version 3` are the person's version, not the app's: the program's
  // own options are read only before the command, and every command takes --library itself (below).
  .enablePositionalOptions()
  // The full help after every typo buries the one line that matters; point at it instead.
  .showHelpAfterError("(add --help for this command's options)")
  // Commander exits 1 on usage mistakes; the README promises 2 for invalid input, like our own validation.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

const cli = cliContext(program);
registerServe(cli);
registerDoctor(cli);
registerCatalog(cli);
registerPeople(cli);
registerJobs(cli);
registerModels(cli);
registerGenerate(cli);
registerGpu(cli);
registerTokenize(cli);
registerScore(cli);
registerReel(cli);
registerReview(cli);
registerExport(cli);
registerRestore(cli);
registerAnimate(cli);
registerFarm(cli);

// --library after the command (`likeness people list --library X`) as well as before it.
const leaves = (command: Command): Command[] => (command.commands.length ? command.commands.flatMap(leaves) : [command]);
for (const command of leaves(program)) command.option(libraryFlag, libraryHelp).option(farmFlag, farmHelp);
program.hook('preAction', (_program, action) => {
  const { library, farm } = action.opts<{ library?: string; farm?: string }>();
  if (library !== undefined) program.setOptionValue('library', library);
  if (farm !== undefined) program.setOptionValue('farm', farm);
  // The studio and its job threads read the farm from the environment (a flag is for this run, never saved).
  const chosen = program.opts<{ farm?: string }>().farm;
  if (chosen !== undefined) process.env[FARM_ENV] = chosen;
});

await program.parseAsync(process.argv);
