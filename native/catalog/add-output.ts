import type { Catalog } from './catalog';
import type { NewOutput } from './outputs-repo';
import type { StoredObject } from './store';

export interface OutputMedia {
  /** The produced file, already in the object store. */
  stored: StoredObject;
  mime: string;
  width: number;
  height: number;
  durationMs?: number | null;
  /** WebP thumbnail bytes (catalog/images.ts makeThumbnail). */
  thumbnail: Buffer;
}

export type OutputFields = Omit<NewOutput, 'kind' | 'objectHash' | 'thumbHash' | 'width' | 'height' | 'durationMs'>;

/**
 * Records a produced image or video as an output: the thumbnail goes into the store, then the object rows,
 * the output and its review row are written in one transaction (files first, so a crash leaves only
 * unreferenced files). The same file twice is one output: `added` says whether a row was made.
 */
export async function addOutput(catalog: Catalog, media: OutputMedia, fields: OutputFields): Promise<{ outputId: number; added: boolean }> {
  const existing = catalog.outputs.idByHash(media.stored.hash);
  if (existing !== undefined) return { outputId: existing, added: false };
  const thumb = await catalog.store.putBuffer(media.thumbnail);
  const kind = media.mime.startsWith('video/') ? 'video' : 'image';
  const outputId = catalog.db.transaction(() => {
    catalog.addObject({
      hash: media.stored.hash,
      size: media.stored.size,
      mime: media.mime,
      width: media.width,
      height: media.height,
      durationMs: media.durationMs ?? null,
    });
    catalog.addObject({ hash: thumb.hash, size: thumb.size, mime: 'image/webp' });
    return catalog.outputs.insert({
      ...fields,
      kind,
      objectHash: media.stored.hash,
      thumbHash: thumb.hash,
      width: media.width,
      height: media.height,
      durationMs: media.durationMs ?? null,
    });
  })();
  return { outputId, added: true };
}
