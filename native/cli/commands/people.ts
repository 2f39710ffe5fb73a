import { Option } from 'commander';
import type { Person } from '../../api/schemas';
import type { CliContext } from '../context';
import { print } from '../output';

export function registerPeople(cli: CliContext): void {
  const people = cli.program.command('people').description('people and their photos');
  people
    .command('list')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        print(await studio.api.people.list(), Boolean(options.json), (list) =>
          list.length ? list.map(formatPerson).join('\n') : 'No people yet. Add one: likeness people add NAME',
        );
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
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await studio.api.people.create({ name, trigger: options.trigger, classWord: options.class, notes: options.notes ?? '' });
        print(person, Boolean(options.json), formatPerson);
      }),
    );
}

function formatPerson(person: Person): string {
  return `${person.name}  trigger: ${person.trigger}  class: ${person.classWord}  photos: ${person.photoCount}`;
}
