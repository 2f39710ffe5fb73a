import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Icon } from '../../app/icons';
import { ErrorNotice } from '../../app/ui';
import { uploadFiles } from '../people/uploads';

export interface DrivingClip {
  uploadId: string;
  name: string;
  /** A local URL of the clip for the page's own preview. */
  url: string;
}

interface Recording {
  recorder: MediaRecorder;
  stream: MediaStream;
  started: number;
}

function recorderType(): string {
  return ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm', 'video/mp4'].find((t) => MediaRecorder.isTypeSupported(t)) ?? '';
}

/** The driving video: a clip of a face chosen here or recorded with the camera, staged on the studio for the job. */
export function DrivingField({ value, onChange }: { value: DrivingClip | null; onChange: (clip: DrivingClip | null) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const live = useRef<HTMLVideoElement>(null);
  const [recording, setRecording] = useState<Recording | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const [cameraError, setCameraError] = useState<unknown>(null);

  const upload = useMutation({
    mutationFn: async (file: File) => {
      const { uploads, tooLarge } = await uploadFiles([file], () => {});
      if (tooLarge.length || !uploads[0]) throw new Error(t('restore.drivingTooLarge'));
      return { uploadId: uploads[0], name: file.name, url: URL.createObjectURL(file) };
    },
    onSuccess: (clip) => onChange(clip),
  });

  useEffect(() => {
    if (!recording) return;
    const timer = setInterval(() => setElapsed((Date.now() - recording.started) / 1000), 250);
    return () => clearInterval(timer);
  }, [recording]);
  useEffect(() => () => recording?.stream.getTracks().forEach((track) => track.stop()), [recording]);
  useEffect(() => () => (value ? URL.revokeObjectURL(value.url) : undefined), [value]);

  const startRecording = async () => {
    setCameraError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, facingMode: 'user' }, audio: false });
      const type = recorderType();
      const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const chunks: Blob[] = [];
      recorder.ondataavailable = (event) => event.data.size && chunks.push(event.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((track) => track.stop());
        const extension = recorder.mimeType.includes('mp4') ? 'mp4' : 'webm';
        upload.mutate(
          new File(chunks, `driving-${new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-')}.${extension}`, { type: recorder.mimeType }),
        );
      };
      recorder.start(250);
      setElapsed(0);
      setRecording({ recorder, stream, started: Date.now() });
      if (live.current) live.current.srcObject = stream;
    } catch (error) {
      setCameraError({ message: `${t('restore.cameraUnavailable')} (${(error as Error).message})`, hint: t('restore.cameraHint') });
    }
  };

  return (
    <div className="field" data-testid="driving-field">
      <span className="field-label" id={`${id}-label`}>
        {t('restore.drivingVideo')}
      </span>
      <div className="reel-audio-row" role="group" aria-labelledby={`${id}-label`}>
        {value ? (
          <>
            <video className="driving-preview" src={value.url} muted playsInline controls />
            <span className="reel-audio-name" title={value.name}>
              {value.name}
            </span>
            <button type="button" className="icon-button" aria-label={t('restore.remove')} title={t('restore.remove')} onClick={() => onChange(null)}>
              <Icon name="close" size={14} />
            </button>
          </>
        ) : recording ? (
          <>
            <video ref={live} className="driving-preview" autoPlay muted playsInline />
            <span className="reel-recording" role="status">
              <span className="reel-recording-dot" aria-hidden="true" />
              {t('restore.recording', { seconds: elapsed.toFixed(0) })}
            </span>
            <button
              type="button"
              className="button small"
              onClick={() => {
                recording.recorder.stop();
                setRecording(null);
              }}
            >
              {t('restore.stopRecording')}
            </button>
          </>
        ) : (
          <>
            {typeof MediaRecorder !== 'undefined' && (
              <button type="button" className="button small" disabled={upload.isPending} onClick={() => void startRecording()}>
                {t('restore.recordVideo')}
              </button>
            )}
            <button type="button" className="button small" disabled={upload.isPending} onClick={() => fileInput.current?.click()}>
              {t('restore.chooseVideo')}
            </button>
            {upload.isPending && <span className="muted">{t('restore.uploading')}</span>}
          </>
        )}
        <input
          ref={fileInput}
          type="file"
          accept="video/*,.mp4,.mov,.webm,.mkv,.m4v"
          hidden
          aria-label={t('restore.chooseVideo')}
          onChange={(event) => {
            const file = event.target.files?.[0];
            event.target.value = '';
            if (file) upload.mutate(file);
          }}
        />
      </div>
      <p className="field-help">{t('restore.drivingHelp')}</p>
      <ErrorNotice error={upload.error ?? cameraError} />
    </div>
  );
}
