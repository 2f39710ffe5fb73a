import exifReader from 'exif-reader';

/**
 * Decodes an EXIF UserComment: an 8-byte character-code header then the text.
 * A1111 writes "UNICODE\0" + UTF-16 (big-endian from piexif, little-endian from some tools).
 */
export function decodeUserComment(raw: Uint8Array): string | null {
  const bytes = Buffer.from(raw);
  if (bytes.length < 8) return null;
  const header = bytes.subarray(0, 8).toString('latin1');
  const body = bytes.subarray(8);
  let text: string;
  if (header.startsWith('UNICODE')) {
    text = looksBigEndian(body) ? Buffer.from(body).swap16().toString('utf16le') : body.toString('utf16le');
  } else if (header.startsWith('ASCII') || header === '\0\0\0\0\0\0\0\0') {
    text = body.toString('utf8');
  } else {
    text = bytes.toString('utf8');
  }
  // Trailing NULs by hand: /\0+$/ backtracks quadratically over a long run of NULs that does not end the text.
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  text = text.slice(0, end).trim();
  return text || null;
}

/** In UTF-16 text that is mostly ASCII, the zero byte of each unit comes first in big-endian order. */
function looksBigEndian(body: Buffer): boolean {
  const usable = body.length - (body.length % 2);
  let zeroFirst = 0;
  let zeroSecond = 0;
  for (let i = 0; i < Math.min(usable, 512); i += 2) {
    if (body[i] === 0 && body[i + 1] !== 0) zeroFirst++;
    if (body[i + 1] === 0 && body[i] !== 0) zeroSecond++;
  }
  return zeroFirst > zeroSecond;
}

/** Reads the UserComment (and a few descriptive tags) from a raw EXIF block as sharp returns it. */
export function readExifText(exif: Buffer): { userComment: string | null; description: string | null; software: string | null } {
  try {
    const tags = exifReader(exif) as {
      Image?: { ImageDescription?: string; Software?: string };
      Photo?: { UserComment?: Uint8Array };
    };
    return {
      userComment: tags.Photo?.UserComment ? decodeUserComment(tags.Photo.UserComment) : null,
      description: tags.Image?.ImageDescription?.trim() || null,
      software: tags.Image?.Software?.trim() || null,
    };
  } catch {
    return { userComment: null, description: null, software: null };
  }
}

/**
 * When the photo was taken, as XMP writes a date: EXIF DateTimeOriginal ("2019:07:04 18:30:00", the camera's
 * local time) with OffsetTimeOriginal when the camera wrote one; without an offset the date stays local (XMP
 * allows a date without a zone). Null when the block has no capture date.
 */
export function readCaptureDate(exif: Buffer): string | null {
  try {
    // exif-reader reads the camera's local wall-clock time into a Date as if it were UTC: its UTC fields are the local ones.
    const tags = exifReader(exif) as { Photo?: { DateTimeOriginal?: unknown; OffsetTimeOriginal?: unknown } };
    const taken = tags.Photo?.DateTimeOriginal;
    if (!(taken instanceof Date) || Number.isNaN(taken.getTime()) || taken.getUTCFullYear() < 1800) return null;
    const local = taken.toISOString().slice(0, 19);
    const offset = tags.Photo?.OffsetTimeOriginal;
    return typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset.trim()) ? `${local}${offset.trim()}` : local;
  } catch {
    return null;
  }
}
