import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OutputSummary } from '../../../../native/api';
import { studio } from '../../api';
import { queryKeys } from '../../app/query';
import { ErrorNotice } from '../../app/page-elements';
import { uploadFiles } from '../people/uploads';

const photoName = /\.(jpe?g|png|tiff?|webp|avif|heic|heif|bmp|gif)$/i;

/**
 * "Add photos…" on Reels: photos from this computer go into the library (as on Restore) and straight into the
 * reel, in the order chosen; a family need not import them in Review first.
 */
export function AddPhotos({ room, onAdded }: { room: number; onAdded: (outputs: OutputSummary[]) => void }) {
  const { t } = useTranslation();
  const client = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [progress, setProgress] = useState<{ done: number; of: number } | null>(null);
  const [skipped, setSkipped] = useState<string[]>([]);
  const add = useMutation({
    mutationFn: async (files: File[]) => {
      const photos = files.filter((f) => f.type.startsWith('image/') || photoName.test(f.name));
      const notPhotos = files.filter((f) => !photos.includes(f)).map((f) => f.name);
      const taken = photos.slice(0, room);
      const added: OutputSummary[] = [];
      setProgress({ done: 0, of: taken.length });
      for (const file of taken) {
        const { uploads, tooLarge } = await uploadFiles([file], () => {});
        if (tooLarge.length || !uploads[0]) notPhotos.push(file.name);
        else added.push(await studio.api.portrait.importPhoto({ uploadId: uploads[0] }));
        setProgress({ done: added.length, of: taken.length });
      }
      setSkipped([...notPhotos, ...photos.slice(room).map((f) => f.name)]);
      return added;
    },
    onSuccess: (added) => {
      onAdded(added);
      void client.invalidateQueries({ queryKey: queryKeys.outputs });
    },
    onSettled: () => setProgress(null),
  });
  return (
    <div className="add-photos">
      <button type="button" className="button" disabled={add.isPending || room === 0} onClick={() => input.current?.click()}>
        {t('reels.addPhotos')}
      </button>
      <input
        ref={input}
        type="file"
        accept="image/*"
        multiple
        hidden
        data-testid="reel-add-photos"
        onChange={(event) => {
          const files = [...(event.target.files ?? [])];
          event.target.value = '';
          if (files.length) add.mutate(files);
        }}
      />
      {progress && (
        <span className="small-text muted" role="status">
          {t('reels.addingPhotos', { done: progress.done, count: progress.of })}
        </span>
      )}
      {skipped.length > 0 && !add.isPending && (
        <p className="small-text warning-text" data-testid="reel-add-skipped">
          {t('reels.photosSkipped', { count: skipped.length, names: skipped.join(', ') })}
        </p>
      )}
      <ErrorNotice error={add.error} />
    </div>
  );
}
