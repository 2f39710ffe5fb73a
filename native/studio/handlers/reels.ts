import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { MAX_AUDIO_UPLOAD_BYTES } from '../../api/namespaces/reels';
import { discardUploads, stagedFiles } from '../../people/uploads';
import { audioSeconds } from '../../video/ffmpeg-measure';
import { planFor } from '../../video/render';
import { reelFfmpeg, reelRenderJob } from '../../video/reel-job';
import { resolveReel, type ParsedReelRequest } from '../../video/reel-inputs';
import { loadTemplates } from '../../video/templates';
import type { StudioContext } from './context';

export function reelsHandlers({ catalog, jobs }: StudioContext): StudioHandlers['reels'] {
  const planOf = async (request: ParsedReelRequest) => {
    const ffmpeg = reelFfmpeg(catalog);
    const { settings, sources, aiContent } = await resolveReel(catalog, ffmpeg.path, request, { readPixels: false });
    return { plan: await planFor(settings, sources, ffmpeg), aiContent, aiMark: settings.aiLabel };
  };
  return {
    listTemplates: async () =>
      [...loadTemplates().values()].map((t) => ({
        id: t.id,
        name: t.name,
        description: t.description,
        visuals: { min: t.visuals.min, max: t.visuals.max, roles: t.visuals.roles ?? null },
        voice: t.voice,
        music: t.music,
        titleStyle: t.title.style,
        secondsPerVisual: t.timing.seconds[0]!,
        labels: t.labels,
      })),
    plan: async (request) => {
      const { plan, aiContent, aiMark } = await planOf(request);
      return {
        aiContent,
        aiMark,
        seconds: plan.seconds,
        frames: plan.frames,
        width: plan.width,
        height: plan.height,
        segments: plan.segments.length,
        captions: plan.texts.filter((t) => t.kind === 'caption').length,
        transitions: plan.transitionMode,
        warnings: plan.warnings,
      };
    },
    render: async (request) => {
      // Planned before queueing: a missing ffmpeg, a wrong number of photos or an unreadable file is said at
      // once (exit code 2 in the CLI) rather than by a failed job.
      await planOf(request);
      return jobs.enqueue(reelRenderJob.kind, request);
    },
    uploadAudio: async (input) => {
      const ffmpeg = reelFfmpeg(catalog);
      // Measured where it lies (a staged upload, or a temp file of the inline bytes): what is not audio never
      // enters the library. Messages name the user's file, never the temp file.
      let file: string;
      let name: string;
      let cleanup: () => Promise<void>;
      if ('uploadId' in input) {
        const [staged] = await stagedFiles(catalog.paths.root, [input.uploadId]);
        file = staged!.path;
        name = input.name ?? staged!.name;
        cleanup = () => discardUploads(catalog.paths.root, [input.uploadId]);
      } else {
        const data = Buffer.from(input.base64, 'base64');
        name = input.name;
        await mkdir(catalog.store.tmpDir, { recursive: true });
        file = join(catalog.store.tmpDir, `upload-${randomUUID()}`);
        await writeFile(file, data);
        cleanup = () => rm(file, { force: true });
      }
      try {
        const size = (await stat(file)).size;
        if (!size) throw new StudioError('INVALID_INPUT', `${name} is empty.`, 'Record again, or choose another audio file.');
        if (size > MAX_AUDIO_UPLOAD_BYTES) throw new StudioError('INVALID_INPUT', `${name} is larger than 40 MB.`, 'Choose a shorter audio file.');
        const seconds = await audioSeconds(ffmpeg.path, file, undefined, name);
        const stored = await catalog.store.putFile(file);
        const type = (await catalog.store.mediaType(stored.hash)) ?? 'application/octet-stream';
        const durationMs = Math.round(seconds * 1000);
        catalog.addObject({ hash: stored.hash, size: stored.size, mime: type, durationMs });
        return { hash: stored.hash, name, mime: type, size: stored.size, durationMs };
      } finally {
        await cleanup();
      }
    },
  };
}
