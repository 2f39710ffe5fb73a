import type { TFunction } from 'i18next';
import type { Job } from '../../api/types';
import { modelName } from '../models/model-words';

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() ? value.trim() : undefined);
const fileName = (path: string) =>
  path
    .replace(/[\\/]+$/, '')
    .split(/[\\/]/)
    .pop() || path;

/**
 * A job's title in the user's language, from its kind and input (the engine's own title is English). Kinds
 * this does not know keep the engine's title.
 */
export function jobTitle(t: TFunction, job: Pick<Job, 'kind' | 'title' | 'input'>): string {
  const input = record(job.input);
  const person = text(input.personName) ?? (typeof input.personId === 'number' ? `#${input.personId}` : '');
  switch (job.kind) {
    case 'catalog.import': {
      const path = text(input.path);
      return path ? t('jobs.kinds.catalogImport', { name: fileName(path) }) : job.title;
    }
    case 'generate': {
      const request = record(input.request);
      const gate = record(request.likenessGate);
      if (typeof gate.keep === 'number') return t('jobs.kinds.generateGate', { keep: gate.keep, count: gate.maxTries });
      const templates = Array.isArray(request.templates) ? request.templates.length : 0;
      const count = (typeof request.count === 'number' ? request.count : 1) * Math.max(1, templates);
      return t('jobs.kinds.generate', { count });
    }
    case 'reels.render': {
      const id = text(input.template) ?? '';
      const name = text(input.title) ?? t(`reels.templates.${id}.name`, { defaultValue: id });
      return t(input.quality === 'preview' ? 'jobs.kinds.reelPreview' : 'jobs.kinds.reel', { name });
    }
    case 'portrait.process': {
      const request = record(input.request);
      const source = record(request.source);
      const name = text(input.sourceName) ?? (text(source.path) ? fileName(source.path as string) : t('jobs.kinds.output', { id: source.outputId }));
      const upscale = record(request.upscale);
      const steps = [
        request.restore && t('jobs.kinds.steps.restore'),
        request.colorize && t('jobs.kinds.steps.colorize'),
        request.upscale && t('jobs.kinds.steps.upscale', { scale: upscale.scale }),
        request.animate && t('jobs.kinds.steps.animate'),
      ].filter(Boolean);
      const what = steps.join(t('jobs.kinds.steps.separator'));
      return t(request.quality === 'preview' ? 'jobs.kinds.portraitPreview' : 'jobs.kinds.portrait', { steps: what, name });
    }
    case 'people.import':
      return t('jobs.kinds.peopleImport', { name: person });
    case 'people.vet':
      return t('jobs.kinds.peopleVet', { name: person });
    case 'people.export':
      // Without a version the engine exports the latest one.
      return typeof input.version === 'number'
        ? t('jobs.kinds.peopleExport', { name: person, version: input.version, format: input.format ?? '' })
        : t('jobs.kinds.peopleExportLatest', { name: person, format: input.format ?? '' });
    case 'people.train':
      return t('jobs.kinds.peopleTrain', { name: person });
    case 'likeness.score':
      if (Array.isArray(input.referenceIds)) return t('jobs.kinds.likenessPictures', { count: input.referenceIds.length });
      return person
        ? t('jobs.kinds.likenessPerson', { name: person })
        : t('jobs.kinds.likenessOutputs', { count: Array.isArray(input.ids) ? input.ids.length : 0 });
    case 'models.download':
      // The engine's title carries the registry's English name ("Download YuNet-n face detector").
      return t('jobs.kinds.modelsDownload', { name: modelName(t, { id: String(input.id ?? ''), name: job.title.replace(/^Download /, '') }) });
    case 'models.verify':
      return t('jobs.kinds.modelsVerify', { name: modelName(t, { id: String(input.id ?? ''), name: job.title.replace(/^Check /, '') }) });
    case 'review.export': {
      const folder = text(input.outDir) ? fileName(input.outDir as string) : '';
      return Array.isArray(input.ids) ? t('jobs.kinds.exportImages', { count: input.ids.length, folder }) : t('jobs.kinds.exportPicks', { folder });
    }
    case 'catalog.emptyTrash':
      return t('jobs.kinds.emptyTrash');
    default:
      return job.title;
  }
}
