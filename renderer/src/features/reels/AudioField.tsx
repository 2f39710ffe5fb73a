import { useMutation } from '@tanstack/react-query';
import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { AudioAsset } from '../../../../native/api/namespaces/reels';
import { studio } from '../../api';
import { StudioError } from '../../api/types';
import { uploadFiles } from '../people/uploads';
import { Icon } from '../../app/icons';
import { ErrorNotice } from '../../app/page-elements';
import { HiddenFileInput } from '../../components/HiddenFileInput';
import { recordingStamp, revealDuration, useMediaRecorder } from '../../components/media-recorder';

/**
 * One sound of the reel: a file chosen here, or (for the voice) a recording made with the microphone. Both are
 * uploaded to the engine, which measures them and keeps them in the library.
 */
export function AudioField({
  label,
  value,
  onChange,
  allowRecording,
  testId,
}: {
  label: string;
  value: AudioAsset | null;
  onChange: (asset: AudioAsset | null) => void;
  allowRecording: boolean;
  testId: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    // Sent in chunks like dropped photos (one JSON body may be at most 8 MB; recordings and songs are larger).
    mutationFn: async ({ blob, name }: { blob: Blob; name: string }) => {
      const { uploads, tooLarge } = await uploadFiles([new File([blob], name, { type: blob.type })], () => {});
      if (tooLarge.length || !uploads[0]) throw new StudioError('INVALID_INPUT', t('reels.audioTooLarge', { name }), t('reels.audioTooLargeHint'));
      return studio.api.reels.uploadAudio({ uploadId: uploads[0], name });
    },
    onSuccess: (asset) => onChange(asset),
  });

  const recorder = useMediaRecorder({
    mimeTypes: ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4', 'audio/webm'],
    onRecorded: (chunks, mimeType) => {
      const blob = new Blob(chunks, { type: mimeType });
      const extension = mimeType.includes('ogg') ? 'ogg' : mimeType.includes('mp4') ? 'm4a' : 'webm';
      upload.mutate({ blob, name: `recording-${recordingStamp()}.${extension}` });
    },
    unavailable: (error) => ({ message: `${t('reels.micUnavailable')} (${error.message})`, hint: t('reels.micHint') }),
  });

  return (
    <div className="field reel-audio" data-testid={testId}>
      <span className="field-label" id={`${id}-label`}>
        {label}
      </span>
      <div className="reel-audio-row" role="group" aria-labelledby={`${id}-label`}>
        {value ? (
          <>
            <span className="reel-audio-name" title={value.name}>
              {t('reels.audioInfo', { name: value.name, seconds: (value.durationMs / 1000).toFixed(1) })}
            </span>
            <audio controls preload="metadata" src={studio.mediaUrl(value.hash)} onLoadedMetadata={revealDuration} />
            <button type="button" className="icon-button" aria-label={t('reels.remove')} title={t('reels.remove')} onClick={() => onChange(null)}>
              <Icon name="close" size={14} />
            </button>
          </>
        ) : recorder.recording ? (
          <>
            <span className="reel-recording" role="status">
              <span className="reel-recording-dot" aria-hidden="true" />
              {t('reels.recording', { seconds: recorder.elapsed.toFixed(0) })}
            </span>
            <button type="button" className="button small" onClick={recorder.stop}>
              {t('reels.stopRecording')}
            </button>
          </>
        ) : (
          <>
            {allowRecording && (
              <button
                type="button"
                className="button small"
                disabled={upload.isPending}
                onClick={() => void recorder.start({ audio: { echoCancellation: true, noiseSuppression: true } })}
              >
                {t('reels.record')}
              </button>
            )}
            <button type="button" className="button small" disabled={upload.isPending} onClick={() => fileInput.current?.click()}>
              {t('reels.chooseFile')}
            </button>
            {upload.isPending && <span className="muted">{t('reels.uploading')}</span>}
          </>
        )}
        <HiddenFileInput
          ref={fileInput}
          accept="audio/*,.mp3,.m4a,.wav,.ogg,.opus,.webm,.flac"
          label={label}
          onFiles={([file]) => file && upload.mutate({ blob: file, name: file.name })}
        />
      </div>
      <ErrorNotice error={upload.error ?? recorder.error} />
    </div>
  );
}
