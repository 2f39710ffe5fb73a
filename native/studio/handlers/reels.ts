import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { MAX_AUDIO_UPLOAD_BYTES } from '../../api/namespaces/reels';
import { audioSeconds } from '../../video/media';
import { planFor } from '../../video/render';
import { reelFfmpeg, reelRenderJob } from '../../video/reel-job';
import { resolveReel, type ParsedReelRequest } from '../../video/reel-inputs';
import { loadTemplates } from '../../video/templates';
import type { StudioContext } from './context';

export function reelsHandlers({ catalog, jobs }: StudioContext): StudioHandlers['reels'] {
  const planOf = async (request: ParsedReelRequest) => {
    const ffmpeg = reelFfmpeg(catalog);
    const { settings, sources } = await resolveReel(catalog, ffmpeg.path, request, { readPixels: false });
    return planFor(settings, sources, ffmpeg);
  };
  return {
    templates: async () =>
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
      const plan = await planOf(request);
      return {
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
    uploadAudio: async ({ name, mime, base64 }) => {
      const data = Buffer.from(base64, 'base64');
      if (!data.byteLength) throw new StudioError('INVALID_INPUT', 'The recording is empty.', 'Record again.');
      if (data.byteLength > MAX_AUDIO_UPLOAD_BYTES)
        throw new StudioError('INVALID_INPUT', `${name} is larger than 40 MB.`, 'Choose a shorter audio file.');
      const ffmpeg = reelFfmpeg(catalog);
      // Measured from a temp file first: what is not audio never enters the library.
      const temp = join(catalog.store.tmpDir, `upload-${randomUUID()}`);
      await writeFile(temp, data);
      try {
        const seconds = await audioSeconds(ffmpeg.path, temp);
        const stored = await catalog.store.putBuffer(data);
        const type = mime.split(';')[0]!.trim() || 'application/octet-stream';
        const durationMs = Math.round(seconds * 1000);
        catalog.addObject({ hash: stored.hash, size: stored.size, mime: type, durationMs });
        return { hash: stored.hash, name, mime: type, size: stored.size, durationMs };
      } finally {
        await rm(temp, { force: true });
      }
    },
  };
}
