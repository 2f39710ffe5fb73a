import { useMutation } from '@tanstack/react-query';
import { useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { AudioAsset } from '../../../../native/api/namespaces/reels';
import { studio } from '../../api';
import { Icon } from '../../app/icons';
import { ErrorNotice } from '../../app/ui';
import { HiddenFileInput } from '../../components/HiddenFileInput';
import { recordingStamp, useMediaRecorder } from '../../components/media-recorder';

/** Base64 of a blob without building one giant string of char codes (recordings reach megabytes). */
async function toBase64(blob: Blob): Promise<string> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

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
    mutationFn: async ({ blob, name }: { blob: Blob; name: string }) =>
      studio.api.reels.uploadAudio({ name, mime: blob.type || 'application/octet-stream', base64: await toBase64(blob) }),
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
            <audio controls preload="none" src={studio.mediaUrl(value.hash)} />
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
