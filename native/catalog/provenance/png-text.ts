import { crc32 } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC-32 of type and data. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/**
 * Adds text chunks to a PNG (sharp writes none): Latin-1 text as tEXt, anything else as UTF-8 iTXt,
 * the way A1111 writes `parameters` and ComfyUI writes `prompt`/`workflow`. Inserted before the first
 * IDAT, where PIL puts them and where readers that stop at the image data (libspng, sharp) find them.
 */
export function addPngText(png: Buffer, entries: readonly { keyword: string; text: string; international?: boolean }[]): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG file');
  const idat = firstChunkOffset(png, 'IDAT');
  if (idat === undefined) throw new Error('PNG has no IDAT chunk');
  const chunks = entries.map(({ keyword, text, international }) => {
    if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error(`invalid PNG text keyword: ${keyword}`);
    // XMP must be iTXt (keyword XML:com.adobe.xmp), whatever its characters.
    const latin1 = !international && [...text].every((c) => c.codePointAt(0)! <= 0xff);
    return latin1
      ? pngChunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]))
      : pngChunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
  });
  return Buffer.concat([png.subarray(0, idat), ...chunks, png.subarray(idat)]);
}

/** The PNG without its text chunks of one keyword (a stale XMP packet before a new one goes in). */
export function removePngText(png: Buffer, keyword: string): Buffer {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) return png;
  const kept: Buffer[] = [png.subarray(0, 8)];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const end = at + 12 + length;
    const data = png.subarray(at + 8, at + 8 + length);
    const isText = type === 'tEXt' || type === 'iTXt' || type === 'zTXt';
    if (!(isText && data.subarray(0, data.indexOf(0)).toString('latin1') === keyword)) kept.push(png.subarray(at, end));
    at = end;
  }
  if (at < png.length) kept.push(png.subarray(at));
  return Buffer.concat(kept);
}

/** The keywords of a PNG's text chunks (tEXt, iTXt, zTXt), read without decoding the image. */
export function pngTextKeywords(png: Buffer): string[] {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) return [];
  const keywords: string[] = [];
  let at = 8;
  while (at + 8 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'tEXt' || type === 'iTXt' || type === 'zTXt') {
      const data = png.subarray(at + 8, at + 8 + length);
      const end = data.indexOf(0);
      if (end > 0) keywords.push(data.subarray(0, end).toString('latin1'));
    }
    at += 12 + length;
  }
  return keywords;
}

/** Where the first chunk of a type starts (walking the chunks: the bytes "IDAT" may occur inside other data). */
function firstChunkOffset(png: Buffer, wanted: string): number | undefined {
  let at = 8;
  while (at + 8 <= png.length) {
    if (png.subarray(at + 4, at + 8).toString('latin1') === wanted) return at;
    at += 12 + png.readUInt32BE(at);
  }
  return undefined;
}
