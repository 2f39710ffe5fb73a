import { useMutation, type UseQueryResult } from '@tanstack/react-query';
import { useId, useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { studio } from '../../api';
import type { OutputSummary } from '../../api/types';
import { ErrorNotice, Spinner } from '../../app/page-elements';
import { HiddenFileInput } from '../../components/HiddenFileInput';
import { uploadFiles } from '../people/uploads';
import { LibraryPicker } from '../reels/LibraryPicker';
import type { PortraitModelState } from '../../../../native/api/namespaces/portrait';
import type { Inspection } from './restore-data';
import { MissingModel } from './RestoreModels';

const imageTypes = /^image\//;

/** Choosing the old photo: dropped, picked from disk, or taken from the catalogue. */
export function PhotoChooser({ onChosen }: { onChosen: (output: OutputSummary) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [library, setLibrary] = useState(false);
  const [notice, setNotice] = useState<unknown>(null);

  const add = useMutation({
    mutationFn: async (file: File) => {
      const { uploads, tooLarge } = await uploadFiles([file], () => {});
      if (tooLarge.length || !uploads[0]) throw new Error(t('restore.photoTooLarge', { name: file.name }));
      return studio.api.portrait.importPhoto({ uploadId: uploads[0] });
    },
    onSuccess: onChosen,
  });

  const take = (files: FileList | File[] | null | undefined) => {
    const file = [...(files ?? [])].find((f) => imageTypes.test(f.type) || /\.(jpe?g|png|tiff?|webp|avif|heic)$/i.test(f.name));
    if (file) add.mutate(file);
    else setNotice({ message: t('restore.notAPhoto'), hint: t('restore.notAPhotoHint') });
  };

  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    setNotice(null);
    take(event.dataTransfer.files);
  };

  return (
    <div className="restore-chooser">
      <div
        className={dragging ? 'restore-drop dragging' : 'restore-drop'}
        data-testid="restore-drop"
        onDragOver={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        {add.isPending ? (
          <Spinner label={t('restore.adding')} />
        ) : (
          <>
            <p className="restore-drop-title">{t('restore.dropTitle')}</p>
            <p className="muted">{t('restore.dropBody')}</p>
            <div className="form-actions">
              <button type="button" className="button primary" onClick={() => fileInput.current?.click()}>
                {t('restore.choosePhoto')}
              </button>
              <button type="button" className="button" aria-expanded={library} aria-controls={`${id}-library`} onClick={() => setLibrary((v) => !v)}>
                {t('restore.fromLibrary')}
              </button>
            </div>
          </>
        )}
        <HiddenFileInput ref={fileInput} accept="image/*,.tif,.tiff,.heic" label={t('restore.choosePhoto')} onFiles={take} />
      </div>
      <ErrorNotice error={add.error ?? notice} />
      {library && (
        <div id={`${id}-library`}>
          <LibraryPicker
            selected={[]}
            max={1}
            onToggle={(output) => {
              if (output.kind === 'image') onChosen(output);
              else setNotice({ message: t('restore.videoNotPhoto') });
            }}
          />
        </div>
      )}
    </div>
  );
}

/** The photo with its faces outlined and numbered; a click picks the face that moves. */
export function PhotoFaces({
  photo,
  inspection,
  face,
  onFace,
}: {
  photo: OutputSummary;
  inspection: Inspection | undefined;
  face: number;
  onFace: (index: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="restore-photo" data-testid="restore-photo">
      <img src={studio.mediaUrl(photo.hash)} alt={photo.originalName ?? ''} draggable={false} />
      {inspection?.faces.map((f, index) => (
        <button
          key={index}
          type="button"
          className={index === face ? 'restore-face chosen' : 'restore-face'}
          style={{
            left: `${(f.box.x / inspection.width) * 100}%`,
            top: `${(f.box.y / inspection.height) * 100}%`,
            width: `${(f.box.width / inspection.width) * 100}%`,
            height: `${(f.box.height / inspection.height) * 100}%`,
          }}
          aria-pressed={index === face}
          aria-label={t('restore.faceNumber', { number: index + 1 })}
          title={t('restore.faceNumber', { number: index + 1 })}
          data-testid="restore-face"
          onClick={() => onFace(index)}
        >
          <span>{index + 1}</span>
        </button>
      ))}
    </div>
  );
}

/** The photo card: the chosen photo with its faces (one to animate) and what Likeness found, or the chooser. */
export function PhotoSection({
  photo,
  inspection,
  face,
  onFace,
  onChoose,
  models,
}: {
  photo: OutputSummary | null;
  inspection: UseQueryResult<Inspection>;
  face: number;
  onFace: (face: number) => void;
  onChoose: (photo: OutputSummary | null) => void;
  models: readonly PortraitModelState[] | undefined;
}) {
  const { t } = useTranslation();
  const id = useId();
  return (
    <section className="card form" aria-labelledby={`${id}-photo`}>
      <div className="reel-section-head">
        <h2 id={`${id}-photo`} className="card-title">
          {t('restore.photo')}
        </h2>
        {photo && (
          <button type="button" className="button small" onClick={() => onChoose(null)}>
            {t('restore.otherPhoto')}
          </button>
        )}
      </div>
      {photo ? (
        <>
          <PhotoFaces photo={photo} inspection={inspection.data} face={face} onFace={onFace} />
          {inspection.isPending && <Spinner label={t('restore.lookingForFaces')} />}
          <ErrorNotice error={inspection.error} />
          {inspection.data && (
            <p className="muted" data-testid="restore-facts">
              {[
                `${inspection.data.width} × ${inspection.data.height}`,
                inspection.data.blackAndWhite ? t('restore.blackAndWhite') : t('restore.inColour'),
                inspection.data.detector ? t('restore.faces', { count: inspection.data.faces.length }) : t('restore.noDetector'),
              ].join(' · ')}
            </p>
          )}
          {inspection.data && !inspection.data.detector && (
            <>
              <p className="field-help warning-text">{t('restore.detectorHelp')}</p>
              <MissingModel models={models} id="yunet-n" />
            </>
          )}
        </>
      ) : (
        <PhotoChooser onChosen={onChoose} />
      )}
    </section>
  );
}
