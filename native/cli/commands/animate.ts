import { extname, resolve } from 'node:path';
import { Option } from 'commander';
import type { ProcessRequest } from '../../api/namespaces/portrait';
import type { CliContext } from '../context';
import { usageError } from '../output';
import { numberOption, providerOption, runPortraitJob } from './restore';

interface AnimateOptions {
  preset?: string;
  driving?: string;
  audio?: string;
  say?: string;
  sayLanguage: string;
  lipSync: string;
  seconds?: string;
  fps: string;
  face: string;
  seed?: string;
  maxSide: string;
  restore?: boolean;
  colorize?: boolean;
  ep: string;
  allowNonCommercial?: boolean;
  out: string;
  json?: boolean;
}

export function registerAnimate(cli: CliContext): void {
  cli.program
    .command('animate')
    .description('make the face in a photo move (LivePortrait), optionally speak a voice clip: an mp4 in the catalogue, copied to --out')
    .argument('<photo>', 'the photo')
    .option('--preset <name>', 'gentle-nod, turn-and-return, look-around, smile or blink')
    .option('--driving <video>', 'a video of a face whose motion the photo follows (relative to its first frame)')
    .option('--audio <file>', 'a voice clip the lips follow (WAV, MP3, M4A, OGG, WebM)')
    .option('--say <text>', 'words for the portrait to say, spoken by an offline voice (espeak-ng) instead of --audio')
    .addOption(new Option('--say-language <language>', 'the language of --say').choices(['en', 'zh']).default('en'))
    .option('--lip-sync <model>', 'edtalk-256, or wav2lip-gan-96 (non-commercial)', 'edtalk-256')
    .option('--seconds <n>', 'length of the clip (default: the voice, else the preset, at least 5 s)')
    .option('--fps <n>', 'frames per second (10–30)', '25')
    .option('--face <n>', 'which face moves, 1 = the largest', '1')
    .option('--seed <n>', 'blinks and sway come from it (random when absent)')
    .option('--max-side <px>', "the video's longest side", '1280')
    .option('--restore', 'restore the faces first (GFPGAN 1.4)')
    .option('--colorize', 'colorize first (DDColor)')
    .addOption(providerOption())
    .option('--allow-non-commercial', 'allow models licensed for non-commercial use (Wav2Lip) for this run')
    .requiredOption('--out <file>', 'where to write the mp4')
    .option('--json', 'machine-readable output')
    .action(async (photo: string, options: AnimateOptions) => {
      const json = Boolean(options.json);
      await cli.withStudio(json, async (studio) => {
        if (Boolean(options.preset) === Boolean(options.driving))
          throw usageError('Give either --preset NAME or --driving VIDEO.', 'For example: --preset gentle-nod');
        if (extname(options.out).toLowerCase() !== '.mp4') throw usageError(`--out ${options.out} should end in .mp4.`);
        if (options.audio && options.say) throw usageError('Give either --audio FILE or --say TEXT, not both.');
        const voice = options.audio
          ? { audio: { path: resolve(options.audio) } }
          : options.say
            ? { audio: { text: options.say, language: options.sayLanguage as 'en' | 'zh' } }
            : undefined;
        const seconds = numberOption(options.seconds, 'seconds', [1, 60]);
        const seed = numberOption(options.seed, 'seed', [0, 2 ** 31 - 1], true);
        const request: ProcessRequest = {
          source: { path: resolve(photo) },
          ...(options.restore ? { restore: {} } : {}),
          ...(options.colorize ? { colorize: {} } : {}),
          animate: {
            motion: options.preset ? { preset: options.preset } : { driving: { path: resolve(options.driving!) } },
            ...(seconds !== undefined ? { seconds } : {}),
            ...(seed !== undefined ? { seed } : {}),
            fps: numberOption(options.fps, 'fps', [10, 30], true)!,
            face: numberOption(options.face, 'face', [1, 100], true)! - 1,
            maxSide: numberOption(options.maxSide, 'max-side', [256, 2160], true)!,
            ...(voice ? { speech: { ...voice, model: options.lipSync } } : {}),
          },
          provider: options.ep as ProcessRequest['provider'],
          allowNonCommercial: Boolean(options.allowNonCommercial),
        };
        await runPortraitJob(studio, request, {
          json,
          out: options.out,
          label: 'Animating',
          pick: (r) => r.video?.hash,
          human: (r, out) => {
            const v = r.video!;
            const loopMs = (r.timings.animationRunMs ?? 0) + (r.timings.animationOtherMs ?? 0);
            const rate = loopMs > 0 ? (v.frames / (loopMs / 1000)).toFixed(2) : '?';
            return [
              `Wrote ${out} (${v.width}×${v.height}, ${(v.durationMs / 1000).toFixed(2)} s, ${v.frames} frames at ${v.fps} fps). In the catalogue as output ${v.outputId}.`,
              `Animation: ${rate} frames/s; ${r.timings.animationRunMs ?? 0} ms in the models, ${r.timings.animationOtherMs ?? 0} ms around them.`,
            ].join('\n');
          },
        });
      });
    });
}
