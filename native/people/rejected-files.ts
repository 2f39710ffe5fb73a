import type { StudioError } from '../api/errors';
import type { RejectedFileKind } from '../api/namespaces/people';

/**
 * The kind of problem behind a file that could not be imported, read from the error the decoder explained it
 * with (native/catalog/images.ts, ./decode.ts): the UI says it in the user's language. Errors this does not
 * recognise are 'unreadable', and the UI shows their own words.
 */
export function rejectedFileKind(error: StudioError): RejectedFileKind {
  const { code, message } = error;
  if (code === 'NOT_FOUND') return 'missing';
  if (/^Cannot decode HEIC here/.test(message)) return 'heic';
  if (/too large to open safely/.test(message)) return 'too-many-pixels';
  if (/ MB; images over \d+ MB are not imported/.test(message)) return 'too-large-file';
  if (/is empty \(0 bytes\)/.test(message)) return 'empty';
  if (/is not an image Likeness can read/.test(message)) return 'not-an-image';
  if (/is damaged or incomplete/.test(message)) return 'damaged';
  return 'unreadable';
}
