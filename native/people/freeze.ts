import { StudioError } from '../api/errors';
import type { SampleSetDetail } from '../api/namespaces/people';
import type { Catalog } from '../catalog/catalog';
import { appVersion } from '../core/version';
import { defaultCaption } from './captions';
import { PhotosRepository } from './photos-repo';
import { CROP_VERSION, MEASURES_VERSION, thresholds } from './thresholds';
import { ensureCrop } from './vetting';

/**
 * Freezes what is accepted now (overrides included) as the person's next version: each photo's source
 * hash, its crop at the person's size (rendered if missing) and its caption, plus the settings that made
 * them. Versions never change afterwards, so a LoRA's training data is always known.
 */
export async function freezeVersion(catalog: Catalog, personId: number, note: string): Promise<SampleSetDetail> {
  const person = catalog.people.get(personId);
  const photos = new PhotosRepository(catalog);
  const accepted = photos.list(personId, 'accepted');
  if (!accepted.length) {
    throw new StudioError(
      'CONFLICT',
      `${person.name} has no accepted photos to freeze.`,
      'Import photos and let them be vetted, or accept some by hand (overrule the verdict), then freeze.',
    );
  }
  const items = [];
  for (const photo of accepted) {
    const crop = await ensureCrop(catalog, photo.id, { person });
    items.push({ photoId: photo.id, sourceHash: photo.hash, cropHash: crop.hash, caption: photo.caption, cropInfo: crop.info });
  }
  // A second version exactly like the last (same photos, crops and captions) would only be a copy.
  const [latest] = photos.versions(personId);
  if (latest) {
    const key = (list: readonly { cropHash: string; caption: string }[]) =>
      list
        .map((i) => `${i.cropHash}\0${i.caption}`)
        .sort()
        .join('\n');
    if (key(photos.version(personId, latest.version).items) === key(items)) {
      throw new StudioError(
        'CONFLICT',
        `Version ${latest.version} of ${person.name} already holds exactly these photos, crops and captions.`,
        'Change something first (accept or remove a photo, nudge a crop, edit a caption), or use version ' + latest.version + '.',
      );
    }
  }
  const version = photos.createVersion(
    person,
    note,
    {
      appVersion: appVersion(),
      cropPadding: person.cropPadding,
      cropSideToFace: thresholds.cropSideToFace,
      cropVersion: CROP_VERSION,
      measuresVersion: MEASURES_VERSION,
      defaultCaption: defaultCaption(person),
      overrides: accepted.filter((p) => p.override).map((p) => ({ photoId: p.id, reason: p.override!.reason })),
    },
    items,
  );
  return photos.version(personId, version);
}
