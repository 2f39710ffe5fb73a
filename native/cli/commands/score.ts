import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { StudioError } from '../../api/errors';
import { readImageFile } from '../../catalog/image-input';
import { toStudioError } from '../../core/errors';
import { facesOfBytes } from '../../likeness/faces';
import { buildProfile, matchAgainst, type IdentityProfile } from '../../likeness/profile';
import { ensurePersonProfile, likenessTools } from '../../likeness/score';
import type { CliContext } from '../context';
import { print, usageError } from '../output';

interface ScoredFile {
  file: string;
  faces: { box: { x: number; y: number; width: number; height: number }; score: number; verdict: string }[];
  error?: string;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** An image file the user named: a clear word for a path that is not there, and the import size limit. */
function readImage(file: string): Promise<Buffer> {
  const path = resolve(file);
  if (!existsSync(path)) throw new StudioError('NOT_FOUND', `${file} does not exist.`, 'Check the path of the image.');
  return readImageFile(path, basename(file));
}

function human(result: { model: string; reference: string; files: ScoredFile[] }): string {
  const lines = [`Likeness to ${result.reference} (model ${result.model}; 75+ looks like the person, 25 or less is someone else):`];
  for (const f of result.files) {
    if (f.error) lines.push(`${f.file}: ${f.error}`);
    else if (!f.faces.length) lines.push(`${f.file}: no face`);
    else
      for (const [i, face] of f.faces.entries())
        lines.push(
          `${f.file}${f.faces.length > 1 ? ` face ${i + 1}` : ''}: ${face.score} ${face.verdict} (at ${Math.round(face.box.x)},${Math.round(face.box.y)}, ${Math.round(face.box.width)}×${Math.round(face.box.height)})`,
        );
  }
  return lines.join('\n');
}

export function registerScore(cli: CliContext): void {
  cli.program
    .command('score')
    .description('how much each face in the images looks like a person (0–100), or like reference photos')
    .argument('<images...>', 'image files to score')
    .option('--person <name>', 'compare with this person’s accepted photos')
    .option('--version <n>', 'the person’s frozen version to compare with (default: the latest, or the working set)')
    .option('--reference <image...>', 'compare with these photos instead (e.g. “Dad at 40”)')
    .option('--model <id>', 'face-recognition model (default: the library’s, built in: dlib-resnet-v1)')
    .option('--json', 'machine-readable: one entry per image with file and faces [{box, score, verdict}]')
    .action(async (images: string[], options: { person?: string; version?: string; reference?: string[]; model?: string; json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        if (Boolean(options.person) === Boolean(options.reference?.length)) {
          throw usageError('Say whom to compare with: --person NAME or --reference IMAGE… (one of them).');
        }
        if (options.version !== undefined && !options.person) throw usageError('--version goes with --person.');
        const version = options.version === undefined ? undefined : Number(options.version);
        if (version !== undefined && !(Number.isInteger(version) && version > 0))
          throw usageError(`--version must be a version number, not “${options.version}”.`);
        const tools = await likenessTools(studio.catalog, options.model);
        let profile: IdentityProfile | null;
        let reference: string;
        if (options.person) {
          const person = studio.catalog.people.findByName(options.person);
          if (!person) throw usageError(`No person called “${options.person}”.`, 'Add one with: likeness people add NAME');
          profile = await ensurePersonProfile(studio.catalog, person.id, tools, undefined, version);
          reference = person.name + (version ? ` v${version}` : '');
          if (!profile)
            throw usageError(
              `${person.name} has no accepted photo with a face to compare with.`,
              `Import and vet photos first: likeness people import "${person.name}" PHOTO…`,
            );
        } else {
          const faces = [];
          for (const file of options.reference!) {
            const found = await facesOfBytes(tools, await readImage(file), basename(file));
            if (!found.faces.length) throw usageError(`No face in the reference photo ${file}.`, 'Choose a photo where the face is clearly visible.');
            faces.push({ photoId: null, hash: '0'.repeat(64), name: basename(file), vector: found.faces[0]!.vector });
          }
          profile = buildProfile(faces, tools.embedder.spec);
          reference = options.reference!.map((f) => basename(f)).join(', ');
        }
        const files: ScoredFile[] = [];
        for (const file of images) {
          try {
            const found = await facesOfBytes(tools, await readImage(file), basename(file));
            files.push({
              file,
              faces: found.faces.map((face) => {
                const match = matchAgainst(face.vector, profile.members, tools.embedder.spec);
                const { x, y, width, height } = face.box;
                return {
                  box: { x: round1(x), y: round1(y), width: round1(width), height: round1(height) },
                  score: match.score,
                  verdict: match.verdict,
                };
              }),
            });
          } catch (error) {
            files.push({ file, faces: [], error: toStudioError(error).message });
          }
        }
        const model = tools.embedder.spec.id;
        print(
          files.map((f) => ({ ...f, model })),
          Boolean(options.json),
          () => human({ model, reference, files }),
        );
      }),
    );
}
