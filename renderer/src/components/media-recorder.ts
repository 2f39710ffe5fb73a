// Recording from the microphone or the camera with MediaRecorder, for the fields that accept a recording
// as well as a file (a reel's voice, a driving video).
import { useEffect, useState } from 'react';

interface Recording {
  recorder: MediaRecorder;
  stream: MediaStream;
  started: number;
}

/** The first container this browser can record to, or '' to let MediaRecorder choose. */
function supportedType(candidates: readonly string[]): string {
  return candidates.find((type) => MediaRecorder.isTypeSupported(type)) ?? '';
}

/** A file-name-safe stamp of now (2026-01-31-12-00-00) for naming a recording. */
export function recordingStamp(): string {
  return new Date().toISOString().slice(0, 19).replace(/[T:]/g, '-');
}

/**
 * Records `constraints` in the first of `mimeTypes` the browser supports. `onRecorded` gets the chunks and their
 * type once stopped; `unavailable` turns a refused or missing device into the error to show. Leaving the page
 * mid-recording releases the device.
 */
export function useMediaRecorder({
  mimeTypes,
  onRecorded,
  unavailable,
}: {
  mimeTypes: readonly string[];
  onRecorded: (chunks: Blob[], mimeType: string) => void;
  unavailable: (error: Error) => unknown;
}) {
  const [recording, setRecording] = useState<Recording | null>(null);
  const [elapsed, setElapsed] = useState(0);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!recording) return;
    const timer = setInterval(() => setElapsed((Date.now() - recording.started) / 1000), 250);
    return () => clearInterval(timer);
  }, [recording]);
  useEffect(() => () => recording?.stream.getTracks().forEach((track) => track.stop()), [recording]);

  /** Starts recording; the stream once it runs (for a live preview), undefined when the device was not available. */
  const start = async (constraints: MediaStreamConstraints): Promise<MediaStream | undefined> => {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      const type = supportedType(mimeTypes);
      const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
      const chunks: Blob[] = [];
      recorder.ondataavailable = (event) => event.data.size && chunks.push(event.data);
      recorder.onstop = () => {
        stream.getTracks().forEach((track) => track.stop());
        onRecorded(chunks, recorder.mimeType);
      };
      recorder.start(250);
      setElapsed(0);
      setRecording({ recorder, stream, started: Date.now() });
      return stream;
    } catch (caught) {
      setError(unavailable(caught as Error));
      return undefined;
    }
  };

  const stop = () => {
    recording?.recorder.stop();
    setRecording(null);
  };

  /** The running stream (a live preview shows it), null when not recording. */
  return { recording: recording !== null, stream: recording?.stream ?? null, elapsed, error, start, stop };
}

/**
 * MediaRecorder's WebM has no duration in its header, so a player shows 0:00 / 0:00 until it has read the whole
 * file. Seeking far past the end makes the browser find the real end; then back to the start. For onLoadedMetadata.
 */
export function revealDuration(event: { currentTarget: HTMLMediaElement }): void {
  const media = event.currentTarget;
  if (Number.isFinite(media.duration)) return;
  const back = () => {
    media.removeEventListener('timeupdate', back);
    media.currentTime = 0;
  };
  media.addEventListener('timeupdate', back);
  media.currentTime = 1e101;
}
