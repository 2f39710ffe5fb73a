/**
 * The media type of a stored file, from its first bytes: what the catalogue serves is decided by the content,
 * never by what a client claimed when uploading it (a "text/html" upload must not render as a page on the
 * app's origin). Anything not recognised is served as application/octet-stream.
 */
export const SNIFF_BYTES = 32;

const ascii = (head: Uint8Array, at: number, text: string) => {
  if (head.length < at + text.length) return false;
  for (let i = 0; i < text.length; i++) if (head[at + i] !== text.charCodeAt(i)) return false;
  return true;
};

/** ISO base media (MP4, MOV, M4A, AVIF, HEIC): `ftyp` at byte 4, then the major brand. */
function isoMediaType(head: Uint8Array): string | undefined {
  if (!ascii(head, 4, 'ftyp') || head.length < 12) return undefined;
  const brand = String.fromCharCode(...head.subarray(8, 12));
  if (brand === 'avif' || brand === 'avis') return 'image/avif';
  if (/^(heic|heix|heim|heis|mif1|msf1)$/.test(brand)) return 'image/heic';
  if (brand === 'M4A ' || brand === 'M4B ') return 'audio/mp4';
  if (brand === 'qt  ') return 'video/quicktime';
  return 'video/mp4';
}

export function sniffMediaType(head: Uint8Array): string {
  if (head[0] === 0x89 && ascii(head, 1, 'PNG\r\n\x1a\n')) return 'image/png';
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return 'image/webp';
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WAVE')) return 'audio/wav';
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return 'image/gif';
  if (ascii(head, 0, 'II*\0') || ascii(head, 0, 'MM\0*')) return 'image/tiff';
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'video/webm';
  if (ascii(head, 0, 'OggS')) return 'audio/ogg';
  if (ascii(head, 0, 'fLaC')) return 'audio/flac';
  if (ascii(head, 0, 'ID3') || (head[0] === 0xff && head.length > 1 && (head[1]! & 0xe0) === 0xe0)) return 'audio/mpeg';
  return isoMediaType(head) ?? 'application/octet-stream';
}
