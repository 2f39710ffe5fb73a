import { useMutation } from '@tanstack/react-query';
import { useCallback, useEffect, useId, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../app/icons';
import { ErrorNotice } from '../../app/page-elements';
import { HiddenFileInput } from '../../components/HiddenFileInput';
import { revealDuration, recordingStamp, useMediaRecorder } from '../../components/media-recorder';
import { uploadFiles } from '../people/uploads';

export interface DrivingClip {
  uploadId: string;
  name: string;
  /** A local URL of the clip for the page's own preview. */
  url: string;
}

/** The driving video: a clip of a face chosen here or recorded with the camera, staged on the studio for the job. */
export function DrivingField({ value, onChange }: { value: DrivingClip | null; onChange: (clip: DrivingClip | null) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const fileInput = useRef<HTMLInputElement>(null);

  const upload = useMutation({
    mutationFn: async (file: File) => {
      const { uploads, tooLarge } = await uploadFiles([file], () => {});
      if (tooLarge.length || !uploads[0]) throw new Error(t('restore.drivingTooLarge'));
      return { uploadId: uploads[0], name: file.name, url: URL.createObjectURL(file) };
    },
    onSuccess: (clip) => onChange(clip),
  });

  useEffect(() => () => (value ? URL.revokeObjectURL(value.url) : undefined), [value]);

  const recorder = useMediaRecorder({
    mimeTypes: ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm', 'video/mp4'],
    onRecorded: (chunks, mimeType) => {
      const extension = mimeType.includes('mp4') ? 'mp4' : 'webm';
      upload.mutate(new File(chunks, `driving-${recordingStamp()}.${extension}`, { type: mimeType }));
    },
    unavailable: (error) => ({ message: `${t('restore.cameraUnavailable')} (${error.message})`, hint: t('restore.cameraHint') }),
  });

  const startRecording = () => void recorder.start({ video: { width: 640, height: 480, facingMode: 'user' }, audio: false });
  // A callback ref: the live <video> only exists once React has rendered the recording state, after the stream
  // started, so the stream is attached when the element arrives (a ref read right after start() is still null).
  const { stream } = recorder;
  const attachLivePreview = useCallback(
    (video: HTMLVideoElement | null) => {
      if (video && video.srcObject !== stream) video.srcObject = stream;
    },
    [stream],
  );

  return (
    <div className="field" data-testid="driving-field">
      <span className="field-label" id={`${id}-label`}>
        {t('restore.drivingVideo')}
      </span>
      <div className="reel-audio-row" role="group" aria-labelledby={`${id}-label`}>
        {value ? (
          <>
            <video className="driving-preview" src={value.url} muted playsInline controls onLoadedMetadata={revealDuration} />
            <span className="reel-audio-name" title={value.name}>
              {value.name}
            </span>
            <button type="button" className="icon-button" aria-label={t('restore.remove')} title={t('restore.remove')} onClick={() => onChange(null)}>
              <Icon name="close" size={14} />
            </button>
          </>
        ) : recorder.recording ? (
          <>
            <video ref={attachLivePreview} className="driving-preview" autoPlay muted playsInline data-testid="driving-live" />
            <span className="reel-recording" role="status">
              <span className="reel-recording-dot" aria-hidden="true" />
              {t('restore.recording', { seconds: recorder.elapsed.toFixed(0) })}
            </span>
            <button type="button" className="button small" onClick={recorder.stop}>
              {t('restore.stopRecording')}
            </button>
          </>
        ) : (
          <>
            {typeof MediaRecorder !== 'undefined' && (
              <button type="button" className="button small" disabled={upload.isPending} onClick={startRecording}>
                {t('restore.recordVideo')}
              </button>
            )}
            <button type="button" className="button small" disabled={upload.isPending} onClick={() => fileInput.current?.click()}>
              {t('restore.chooseVideo')}
            </button>
            {upload.isPending && <span className="muted">{t('restore.uploading')}</span>}
          </>
        )}
        <HiddenFileInput
          ref={fileInput}
          accept="video/*,.mp4,.mov,.webm,.mkv,.m4v"
          label={t('restore.chooseVideo')}
          onFiles={([file]) => file && upload.mutate(file)}
        />
      </div>
      <p className="field-help">{t('restore.drivingHelp')}</p>
      <ErrorNotice error={upload.error ?? recorder.error} />
    </div>
  );
}
