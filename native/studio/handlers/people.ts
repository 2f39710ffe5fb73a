import type { StudioHandlers } from '../../api/contract';
import { StudioError } from '../../api/errors';
import { peopleExportJob } from '../../people/export';
import { freezeVersion } from '../../people/freeze';
import { peopleImportJob } from '../../people/import-job';
import { PhotosRepository } from '../../people/photos-repo';
import { assertTrainerReady, listLoras, peopleTrainJob, trainerStatus, writeTrainerSettings } from '../../people/train';
import { stageChunk } from '../../people/uploads';
import { peopleVetJob } from '../../people/vet-job';
import { ensureCrop, judgePerson } from '../../people/vetting';
import { rescoreQuietly } from '../../likeness/rescore';
import type { StudioContext } from './context';

export function peopleHandlers({ catalog, jobs }: StudioContext): StudioHandlers['people'] {
  const photos = new PhotosRepository(catalog);
  const personName = (id: number) => catalog.people.get(id).name;
  return {
    list: async () => catalog.people.list(),
    get: async ({ id }) => catalog.people.get(id),
    create: async (draft) => catalog.people.create(draft),
    update: async (patch) => {
      const before = catalog.people.get(patch.id);
      const person = catalog.people.update(patch);
      if (person.cropSize !== before.cropSize || person.cropPadding !== before.cropPadding) {
        // Face-size verdicts depend on the crop size: judge again now, render the crops in a job.
        judgePerson(catalog, person.id);
        jobs.enqueue(peopleVetJob.kind, { personId: person.id, personName: person.name });
        rescoreQuietly(catalog, jobs, person.id);
      }
      return person;
    },
    remove: async ({ id }) => ({ removed: catalog.people.remove(id) }),

    listPhotos: async ({ personId, filter }) => photos.list(personId, filter),
    import: async (request) => jobs.enqueue(peopleImportJob.kind, { ...request, personName: personName(request.personId) }),
    upload: async (chunk) => ({ uploadId: chunk.uploadId, received: await stageChunk(catalog.paths.root, chunk) }),
    vet: async ({ personId, force }) => jobs.enqueue(peopleVetJob.kind, { personId, force, personName: personName(personId) }),
    override: async ({ photoIds, verdict, reason }) => {
      const list = photoIds.map((id) => photos.get(id));
      photos.setOverride(photoIds, verdict, reason);
      for (const personId of new Set(list.map((p) => p.personId))) rescoreQuietly(catalog, jobs, personId);
      return photoIds.map((id) => photos.get(id));
    },
    setCaption: async ({ photoId, caption, extra }) => {
      photos.setCaption(photoId, caption, extra);
      return photos.get(photoId);
    },
    nudgeCrop: async ({ photoId, nudge }) => {
      photos.get(photoId);
      photos.setNudge(photoId, nudge);
      // One crop: sharp renders it off this thread.
      await ensureCrop(catalog, photoId);
      return photos.get(photoId);
    },
    chooseFace: async ({ photoId, face }) => {
      const photo = photos.get(photoId);
      const found = photo.measures?.faces.length ?? 0;
      if (face !== null && face >= found)
        throw new StudioError(
          'INVALID_INPUT',
          `${photo.originalName} has ${found} face${found === 1 ? '' : 's'}: there is no face ${face + 1}.`,
          'Vet the photo again, then choose one of the faces shown.',
        );
      photos.setChosenFace(photoId, face);
      // Measured, cropped and judged again on that face (the photos already right are left as they are).
      return jobs.enqueue(peopleVetJob.kind, { personId: photo.personId, force: false, personName: personName(photo.personId) });
    },
    removePhotos: async ({ photoIds }) => {
      const personIds = new Set(photoIds.map((id) => photos.get(id).personId));
      const removed = photos.remove(photoIds);
      // Near-duplicates depend on the other photos: a removed one may free its twin.
      for (const personId of personIds) {
        judgePerson(catalog, personId);
        rescoreQuietly(catalog, jobs, personId);
      }
      return { removed, personIds: [...personIds] };
    },

    freeze: async ({ personId, note }) => {
      const detail = await freezeVersion(catalog, personId, note);
      rescoreQuietly(catalog, jobs, personId);
      return detail;
    },
    listVersions: async ({ personId }) => {
      catalog.people.get(personId);
      return photos.versions(personId);
    },
    getVersion: async ({ personId, version }) => photos.version(personId, version),
    export: async (request) => {
      // Fail now, not in the job, when there is nothing to export.
      photos.version(request.personId, request.version);
      return jobs.enqueue(peopleExportJob.kind, { ...request, personName: personName(request.personId) });
    },

    trainer: async () => trainerStatus(catalog),
    setTrainer: async (settings) => {
      writeTrainerSettings(catalog, settings);
      return trainerStatus(catalog);
    },
    train: async ({ personId, version }) => {
      assertTrainerReady(catalog);
      photos.version(personId, version);
      return jobs.enqueue(peopleTrainJob.kind, { personId, version, personName: personName(personId) });
    },
    listLoras: async ({ personId }) => listLoras(catalog, personId),
  };
}
