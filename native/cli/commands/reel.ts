import type { z } from 'zod';
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { AiLabel, ReelSize, type ReelResult } from '../../api/namespaces/reels';
import type { CliContext } from '../context';
import { followJob, print, reportJob, usageError } from '../output';
import { numberOption } from './restore';

interface MakeOptions {
  template: string;
  photos: string[];
  audio?: string;
  music?: string;
  title?: string;
  captions?: string;
  size: string;
  seconds?: string;
  aiLabel: string;
  labels?: string;
  preview?: boolean;
  out: string;
  json?: boolean;
}

export function registerReel(cli: CliContext): void {
  const reel = cli.program.command('reel').description('short videos from photos, clips and sound (ffmpeg)');
  reel
    .command('templates')
    .description('the reel templates and what they take')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) =>
      cli.withStudio(Boolean(options.json), async (studio) => {
        print(await studio.api.reels.listTemplates(), Boolean(options.json), (templates) =>
          templates
            .map(
              (t) =>
                `${t.id.padEnd(14)} ${t.visuals.min === t.visuals.max ? t.visuals.min : `${t.visuals.min}–${t.visuals.max}`} ${t.visuals.roles ? `(${t.visuals.roles.join(', ')})` : t.visuals.max === 1 ? 'visual' : 'visuals'}, voice ${t.voice}, music ${t.music}: ${t.description}`,
            )
            .join('\n'),
        );
      }),
    );
  reel
    .command('make')
    .description('render a reel (H.264/AAC mp4, −14 LUFS) into the catalogue and copy it to --out')
    .requiredOption('--template <id>', 'memories, talking or before-after')
    .requiredOption('--photos <files...>', 'photos or clips, in order (before-after: the old photo, then the restoration)')
    .option('--audio <file>', 'a voice track (required by talking)')
    .option('--music <file>', 'music, looped to the length of the reel and ducked under the voice')
    .option('--title <text>', 'a title (an opening card in memories, an overlay otherwise)')
    .option('--captions <file>', 'captions: a SubRip .srt file (times from the start of the voice) or plain text')
    .option('--size <WxH>', `${ReelSize.options.join(', ')}`, '1080x1920')
    .option('--seconds <n>', 'seconds per photo')
    .option('--ai-label <mode>', `${AiLabel.options.join(', ')}: an “AI-generated” comment in the file, and a visible mark`, 'metadata')
    .option('--labels <a,b>', 'names shown over each visual (before-after), comma-separated')
    .option('--preview', 'a quick low-resolution render, not added to the catalogue')
    .requiredOption('--out <file>', 'where to write the mp4')
    .option('--json', 'machine-readable output')
    .action(async (options: MakeOptions) => {
      const json = Boolean(options.json);
      await cli.withStudio(json, async (studio) => {
        // Said in the options' own words (the engine's would point at a form field).
        if (!ReelSize.safeParse(options.size).success)
          throw usageError(`--size ${options.size} is not a reel size.`, `Use ${ReelSize.options.join(', ')} (width x height).`);
        if (!AiLabel.safeParse(options.aiLabel).success)
          throw usageError(`--ai-label ${options.aiLabel} is not a choice.`, `Use ${AiLabel.options.join(', ')}.`);
        if (extname(options.out).toLowerCase() !== '.mp4') throw usageError(`--out ${options.out} should end in .mp4 (the reel is an mp4 video).`);
        const seconds = numberOption(options.seconds, 'seconds', [1, 20]);
        const job = await studio.api.reels.render({
          template: options.template,
          size: options.size as ReelSize,
          visuals: options.photos.map((path) => ({ path: resolve(path) })),
          ...(options.audio ? { voice: { path: resolve(options.audio) } } : {}),
          ...(options.music ? { music: { path: resolve(options.music) } } : {}),
          ...(options.title ? { title: options.title } : {}),
          ...(options.captions ? { captions: { path: resolve(options.captions) } } : {}),
          ...(seconds !== undefined ? { secondsPerVisual: seconds } : {}),
          aiLabel: options.aiLabel as z.infer<typeof AiLabel>,
          ...(options.labels ? { roleLabels: options.labels.split(',').map((l) => l.trim()) } : {}),
          quality: options.preview ? 'preview' : 'final',
        });
        const finished = await followJob(studio, job, 'Rendering');
        if (finished.status !== 'done') {
          reportJob(finished, json, String);
          return;
        }
        const result = finished.result as ReelResult;
        const out = resolve(options.out);
        await mkdir(dirname(out), { recursive: true });
        await copyFile(studio.catalog.store.pathOf(result.hash), out);
        print({ ...result, out, jobId: job.id }, json, (r) =>
          [
            `Wrote ${r.out} (${r.width}×${r.height}, ${(r.durationMs / 1000).toFixed(2)} s${r.loudness ? `, ${r.loudness.integrated.toFixed(1)} LUFS, true peak ${r.loudness.truePeak.toFixed(1)} dBTP` : ''}).`,
            ...(r.outputId ? [`In the catalogue as output ${r.outputId}.`] : []),
            ...r.warnings.map((w) => `note: ${w}`),
          ].join('\n'),
        );
      });
    });
}
