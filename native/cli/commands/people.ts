import { Option } from 'commander';
import { StudioError } from '../../api/errors';
import type { DatasetExportResult, PeopleImportResult, Photo, SampleSetDetail, VettingOutcome } from '../../api/namespaces/people';
import type { Person } from '../../api/namespaces/people';
import { reasonText, verdictWords } from '../../people/reasons';
import type { Studio } from '../../studio/studio';
import type { CliContext } from '../context';
import { fail, followJob, print, reportJob, usageError } from '../output';

async function findPerson(studio: Studio, name: string): Promise<Person> {
  const person = (await studio.api.people.list()).find((p) => p.name.toLowerCase() === name.toLowerCase());
  if (!person) throw new StudioError('NOT_FOUND', `There is no person called “${name}”.`, `Add them first: likeness people add "${name}"`);
  return person;
}

/** A photo as `show --json` prints it: the reasons carry their English text beside the codes. */
function photoForOutput(photo: Photo) {
  return {
    ...photo,
    reasons: photo.reasons.map((r) => ({ ...r, text: reasonText(r) })),
    crop: photo.crop && { ...photo.crop, info: { ...photo.crop.info, notes: photo.crop.info.notes.map((n) => ({ ...n, text: reasonText(n) })) } },
  };
}

function verdictLabel(photo: Photo): string {
  if (!photo.verdict) return 'not vetted';
  return `${verdictWords[photo.verdict]}${photo.override ? ' (by hand)' : ''}`;
}

function formatPhotos(person: Person, photos: Photo[]): string {
  const counts = { accepted: 0, review: 0, rejected: 0, unvetted: 0 };
  for (const p of photos) counts[p.verdict ?? 'unvetted']++;
  const lines = [
    `${person.name}  trigger: ${person.trigger}  class: ${person.classWord}  crops: ${person.cropSize} px`,
    `${photos.length} photos: ${counts.accepted} accepted, ${counts.review} need a look, ${counts.rejected} rejected${counts.unvetted ? `, ${counts.unvetted} not vetted` : ''}`,
  ];
  for (const photo of photos) {
    lines.push('', `#${photo.id} ${photo.originalName} — ${verdictLabel(photo)}`);
    if (photo.override) lines.push(`    overruled: ${photo.override.reason}`);
    for (const reason of photo.reasons)
      lines.push(`    ${reason.severity === 'info' ? '·' : reason.severity === 'review' ? '?' : '✗'} ${reasonText(reason)}`);
    if (photo.vetError) lines.push(`    not vetted: ${photo.vetError.message}${photo.vetError.hint ? ` (${photo.vetError.hint})` : ''}`);
    const face = photo.measures?.face;
    if (face) {
      lines.push(
        `    face ${Math.round(face.heightPx)} px (${(face.share * 100).toFixed(1)}% of the photo), sharpness ${face.sharpness}, brightness ${Math.round(face.exposure.brightness)}, roll ${face.roll}°, yaw ${face.yaw}°`,
      );
    }
    lines.push(`    caption: ${photo.caption}`);
  }
  return lines.join('\n');
}

function formatImport(result: PeopleImportResult, personName: string): string {
  const { counts } = result.vetting;
  // A path that does not exist is rejected before any file is scanned: it still counts as one of the files asked for.
  const asked = Math.max(result.scanned, result.imported + result.duplicates + result.rejected.length);
  const lines = [
    `Imported ${result.imported} of ${asked} files (${result.duplicates} already there, ${result.rejected.length} rejected, ${result.skipped} other files skipped${result.captions ? `, ${result.captions} captions read` : ''}).`,
  ];
  for (const file of result.rejected) lines.push(`  ✗ ${file.name}: ${file.reason}${file.hint ? ` ${file.hint}` : ''}`);
  lines.push(formatVetting(result.vetting));
  if (counts.accepted + counts.review + counts.rejected > 0) lines.push(`See why: likeness people show "${personName}"`);
  return lines.join('\n');
}

function formatVetting(outcome: VettingOutcome): string {
  const { counts } = outcome;
  if (outcome.status === 'skipped' && outcome.error) {
    return `Not vetted: ${outcome.error.message}${outcome.error.hint ? `\nhint: ${outcome.error.hint}` : ''}`;
  }
  return `Vetting: ${counts.accepted} accepted, ${counts.review} need a look, ${counts.rejected} rejected${counts.unvetted ? `, ${counts.unvetted} not vetted` : ''}.`;
}

function formatVersion(set: SampleSetDetail): string {
  return `Froze version ${set.version}: ${set.itemCount} photos at ${set.cropSize} px, captions “${set.items[0]?.caption ?? ''}”…`;
}

function formatExport(result: DatasetExportResult): string {
  return `${result.report}\nWritten to ${result.folder}${result.zip ? ` and ${result.zip}` : ''}`;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`${value} is not a positive whole number.`);
  return n;
}

export function registerPeople(cli: CliContext): void {
  const people = cli.program.command('people').description('people, their photos, vetting, sample-set versions, export and training');
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
    .addOption(new Option('--size <px>', 'training resolution: the side of the face crops').choices(['512', '768', '1024']).default('512'))
    .option('--notes <text>', 'notes')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { trigger?: string; class: string; size: string; notes?: string; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await studio.api.people.create({
          name,
          trigger: options.trigger,
          classWord: options.class,
          notes: options.notes ?? '',
          cropSize: Number(options.size) as 512 | 768 | 1024,
        });
        print(person, Boolean(options.json), formatPerson);
      }),
    );
  people
    .command('import')
    .description('import photos (files and folders) for a person and vet each one; kohya .txt and metadata.jsonl captions are read')
    .argument('<name>', 'the person')
    .argument('<paths...>', 'photos and folders')
    .option('--no-recursive', 'only the folders themselves, not their subfolders')
    .option('--json', 'machine-readable output (the finished job)')
    .action(async (name: string, paths: string[], options: { recursive: boolean; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await findPerson(studio, name);
        const job = await studio.api.people.import({ personId: person.id, paths, recursive: options.recursive });
        const finished = await followJob(studio, job, 'Importing');
        reportJob(finished, Boolean(options.json), (r) => formatImport(r as PeopleImportResult, person.name));
        // Nothing came in and something was refused (a wrong path, only damaged files): a script must see it failed.
        const result = finished.result as PeopleImportResult | null;
        if (result && result.imported + result.duplicates === 0 && result.rejected.length > 0) process.exitCode = 1;
      }),
    );
  people
    .command('show')
    .description('the person’s photos: verdict, reasons and measured values')
    .argument('<name>', 'the person')
    .addOption(new Option('--filter <verdict>', 'only these photos').choices(['accepted', 'rejected', 'review', 'unvetted']))
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { filter?: 'accepted' | 'rejected' | 'review' | 'unvetted'; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await findPerson(studio, name);
        const photos = await studio.api.people.listPhotos({ personId: person.id, filter: options.filter });
        print({ person, photos: photos.map(photoForOutput) }, Boolean(options.json), () => formatPhotos(person, photos));
      }),
    );
  people
    .command('vet')
    .description('vet photos not vetted yet (e.g. after installing the face detector); --force measures all again')
    .argument('<name>', 'the person')
    .option('--force', 'measure every photo again')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { force?: boolean; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await findPerson(studio, name);
        const job = await studio.api.people.vet({ personId: person.id, force: Boolean(options.force) });
        reportJob(await followJob(studio, job, 'Vetting'), Boolean(options.json), (r) => formatVetting(r as VettingOutcome));
      }),
    );
  people
    .command('override')
    .description('overrule the verdict of a photo (by id or file name), with your reason')
    .argument('<name>', 'the person')
    .argument('<photo>', 'photo id (#12 or 12) or its file name')
    .addOption(new Option('--verdict <verdict>', 'the verdict to keep').choices(['accepted', 'rejected', 'review', 'clear']).makeOptionMandatory())
    .option('--reason <text>', 'why', '')
    .option('--json', 'machine-readable output')
    .action(async (name: string, photoRef: string, options: { verdict: string; reason: string; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await findPerson(studio, name);
        const photos = await studio.api.people.listPhotos({ personId: person.id });
        const id = Number(photoRef.replace(/^#/, ''));
        const photo = photos.find((p) => p.id === id) ?? photos.find((p) => p.originalName === photoRef);
        if (!photo)
          throw new StudioError('NOT_FOUND', `${person.name} has no photo ${photoRef}.`, `See the photos: likeness people show "${person.name}"`);
        const verdict = options.verdict === 'clear' ? null : (options.verdict as 'accepted' | 'rejected' | 'review');
        const [updated] = await studio.api.people.override({ photoIds: [photo.id], verdict, reason: options.reason });
        print(photoForOutput(updated!), Boolean(options.json), () => `#${updated!.id} ${updated!.originalName}: ${verdictLabel(updated!)}`);
      }),
    );
  people
    .command('freeze')
    .description('freeze the accepted photos, crops and captions as the next sample-set version')
    .argument('<name>', 'the person')
    .option('--note <text>', 'a note kept with the version', '')
    .option('--json', 'machine-readable output')
    .action(async (name: string, options: { note: string; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await findPerson(studio, name);
        print(await studio.api.people.freeze({ personId: person.id, note: options.note }), Boolean(options.json), formatVersion);
      }),
    );
  people
    .command('export')
    .description('write a frozen version as a training dataset (kohya sd-scripts or diffusers DreamBooth), with a report')
    .argument('<name>', 'the person')
    .option('--version <n>', 'the version (default: the latest)', integer)
    .addOption(new Option('--format <format>', 'dataset layout').choices(['kohya', 'diffusers']).makeOptionMandatory())
    .requiredOption('--out <dir>', 'a new or empty folder')
    .option('--zip', 'also write <dir>.zip')
    .option('--steps <n>', 'target training steps (sets the kohya repeats)', integer, 1500)
    .option('--epochs <n>', 'epochs', integer, 10)
    .option('--batch <n>', 'batch size', integer, 1)
    .option('--repeats <n>', 'repeats (instead of deriving them from --steps)', integer)
    .option('--json', 'machine-readable output (the finished job)')
    .action(
      async (
        name: string,
        options: {
          version?: number;
          format: 'kohya' | 'diffusers';
          out: string;
          zip?: boolean;
          steps: number;
          epochs: number;
          batch: number;
          repeats?: number;
          json?: boolean;
        },
      ) =>
        cli.withStudio(Boolean(options.json), async (studio) => {
          const person = await findPerson(studio, name);
          const job = await studio.api.people.export({
            personId: person.id,
            version: options.version,
            format: options.format,
            out: options.out,
            zip: Boolean(options.zip),
            targetSteps: options.steps,
            epochs: options.epochs,
            batchSize: options.batch,
            repeats: options.repeats,
          });
          reportJob(await followJob(studio, job, 'Exporting'), Boolean(options.json), (r) => formatExport(r as DatasetExportResult));
        }),
    );
  people
    .command('train')
    .description('run the configured trainer (see `people trainer`) on a frozen version and register the LoRA')
    .argument('<name>', 'the person')
    .option('--version <n>', 'the version (default: the latest)', integer)
    .option('--json', 'machine-readable output (the finished job)')
    .action(async (name: string, options: { version?: number; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        const person = await findPerson(studio, name);
        const job = await studio.api.people.train({ personId: person.id, version: options.version });
        reportJob(await followJob(studio, job, 'Training'), Boolean(options.json), (r) => {
          const result = r as { lora: { name: string; path: string }; log: string };
          return `LoRA ${result.lora.name}: ${result.lora.path}\nlog: ${result.log}`;
        });
      }),
    );
  const trainer = people.command('trainer').description('the external trainer Likeness runs (kohya sd-scripts first); it is not bundled');
  trainer
    .command('show')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        print(await studio.api.people.trainer(), Boolean(options.json), (s) =>
          s.configured ? `${s.program} ${s.args.join(' ')}${s.cwd ? `\n(in ${s.cwd})` : ''}` : `Not ready: ${s.problem}`,
        );
      }),
    );
  trainer
    .command('set')
    .description(
      'the trainer command; arguments may use {dataset} {output_dir} {output_name} {resolution} {steps} {epochs} {repeats} {batch_size} {trigger} {class}',
    )
    .argument('<program>', 'e.g. accelerate, python, or a full path')
    .argument('[args...]', 'its arguments (put them after --)')
    .option('--cwd <dir>', 'working folder (e.g. the sd-scripts checkout)', '')
    .option('--family <family>', 'base-model family of the LoRAs (sd15, sdxl…)', '')
    .option('--steps <n>', 'target training steps', integer, 1500)
    .option('--epochs <n>', 'epochs', integer, 10)
    .option('--batch <n>', 'batch size', integer, 1)
    .option('--json', 'machine-readable output')
    .action(
      async (
        program: string,
        args: string[],
        options: { cwd: string; family: string; steps: number; epochs: number; batch: number; json?: boolean },
      ) => {
        // After `--` everything is the trainer's: a Likeness option put at the end would be saved as a trainer
        // argument, and the settings would go to another library (kohya has no such options). Checked before any
        // library is opened.
        const ours = args.find((a) => a === '--library' || a.startsWith('--library=') || a === '--json');
        if (ours) {
          fail(
            usageError(
              `${ours.split('=')[0]} comes after -- and would be passed to the trainer.`,
              'Put Likeness options before --: likeness people trainer set --library DIR PROGRAM -- ARGS…',
            ),
            Boolean(options.json),
          );
          return;
        }
        return cli.withStudio(Boolean(options.json), async (studio) => {
          const status = await studio.api.people.setTrainer({
            program,
            args,
            cwd: options.cwd,
            family: options.family,
            targetSteps: options.steps,
            epochs: options.epochs,
            batchSize: options.batch,
          });
          print(status, Boolean(options.json), (s) => (s.configured ? 'Trainer saved.' : `Saved, but not ready: ${s.problem}`));
        });
      },
    );
}

function formatPerson(person: Person): string {
  return `${person.name}  trigger: ${person.trigger}  class: ${person.classWord}  crops: ${person.cropSize} px  photos: ${person.photoCount}`;
}
