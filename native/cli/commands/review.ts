import type { OutputSummary, ReviewWrite } from '../../api/schemas';
import type { CliContext } from '../context';
import { print, usageError } from '../output';

/** `--stars 4` → 4; anything else is passed on as given so the contract's validation names the problem. */
function numberOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  return Number.isFinite(n) && value.trim() !== '' ? n : (value as unknown as number);
}

function stars(n: number): string {
  return '★'.repeat(n) + '☆'.repeat(5 - n);
}

function formatOutput(o: OutputSummary): string {
  const flag = o.review.flag ?? '-';
  const label = o.review.label ?? '';
  const prompt = o.prompt ? `  ${o.prompt.replace(/\s+/g, ' ').slice(0, 60)}` : '';
  const likeness = o.likeness === null ? '' : `  likeness ${Math.round(o.likeness)}`;
  return `#${String(o.id).padEnd(6)} ${flag.padEnd(6)} ${stars(o.review.stars)} ${label.padEnd(6)} ${o.originalName ?? ''}${o.seed !== null ? `  seed ${o.seed}` : ''}${likeness}${prompt}`;
}

export function registerReview(cli: CliContext): void {
  const review = cli.program.command('review').description('cull outputs: list them, flag, rate, label and tag');
  review
    .command('list')
    .description('outputs with their review, newest first')
    .option('--flag <flag>', 'pick, reject or none (unflagged)')
    .option('--min-stars <n>', 'at least this many stars (1–5)')
    .option('--label <label>', 'red, yellow, green, blue, purple or none')
    .option('--person <name>', 'only outputs of this person')
    .option('--text <words>', 'search prompts, tags and notes')
    .option('--sort <order>', 'newest, oldest, stars, seed or likeness (best first)', 'newest')
    .option('--min-likeness <n>', 'likeness at least this (0–100; unscored outputs are left out)')
    .option('--limit <n>', 'at most this many (1–500)', '100')
    .option('--offset <n>', 'skip this many first', '0')
    .option('--json', 'machine-readable output')
    .action(
      async (options: {
        flag?: string;
        minStars?: string;
        minLikeness?: string;
        label?: string;
        person?: string;
        text?: string;
        sort: string;
        limit: string;
        offset: string;
        json?: boolean;
      }) =>
        cli.withStudio(
          Boolean(options.json),
          async (studio) => {
            let personId: number | undefined;
            if (options.person !== undefined) {
              const person = studio.catalog.people.findByName(options.person);
              if (!person) {
                const known = (await studio.api.people.list()).map((p) => p.name);
                throw usageError(
                  `No person called “${options.person}”.`,
                  known.length ? `Known people: ${known.join(', ')}.` : 'Add one with: likeness people add NAME',
                );
              }
              personId = person.id;
            }
            const page = await studio.api.catalog.listOutputs({
              flag: options.flag as never,
              minStars: numberOption(options.minStars),
              minLikeness: numberOption(options.minLikeness),
              label: options.label as never,
              personId,
              text: options.text,
              sort: options.sort as never,
              limit: numberOption(options.limit),
              offset: numberOption(options.offset),
            });
            print(page, Boolean(options.json), (p) =>
              p.items.length ? [...p.items.map(formatOutput), `${p.items.length} of ${p.total}`].join('\n') : `No outputs match (${p.total}).`,
            );
          },
          { readOnly: true },
        ),
    );

  review
    .command('set')
    .description('write a review decision for one or more outputs (at once, durably)')
    .argument('<ids...>', 'output ids (see `likeness review list`)')
    .option('--flag <flag>', 'pick, reject or none (clears the flag)')
    .option('--stars <n>', '0–5')
    .option('--label <label>', 'red, yellow, green, blue, purple or none')
    .option('--tag <tag>', 'add a tag (repeat for several)', (value: string, list: string[]) => [...list, value], [] as string[])
    .option('--untag <tag>', 'remove a tag (repeat for several)', (value: string, list: string[]) => [...list, value], [] as string[])
    .option('--note <text>', 'replace the note')
    .option('--json', 'machine-readable output')
    .action(
      async (
        ids: string[],
        options: { flag?: string; stars?: string; label?: string; tag: string[]; untag: string[]; note?: string; json?: boolean },
      ) =>
        cli.withStudio(Boolean(options.json), async (studio) => {
          const bad = ids.find((id) => !/^\d+$/.test(id));
          if (bad) throw usageError(`“${bad}” is not an output id.`, 'Ids are whole numbers, as `likeness review list` shows them.');
          const write = await studio.api.review.set({
            ids: ids.map(Number),
            flag: options.flag === undefined ? undefined : options.flag === 'none' ? null : (options.flag as never),
            stars: numberOption(options.stars),
            label: options.label === undefined ? undefined : options.label === 'none' ? null : (options.label as never),
            note: options.note,
            addTags: options.tag.length ? options.tag : undefined,
            removeTags: options.untag.length ? options.untag : undefined,
          });
          print(write, Boolean(options.json), (w: ReviewWrite) => `Saved ${w.updated} output${w.updated === 1 ? '' : 's'}.`);
        }),
    );
}
