/**
 * A minimal EXIF block (big-endian TIFF) for exported JPEGs: Software and ImageDescription in IFD0, and the
 * generation settings as UserComment in the Exif IFD, encoded "UNICODE" + UTF-16BE as A1111 (piexif) does,
 * so any script survives (libvips would write ASCII and lose non-Latin prompts).
 */
interface IfdEntry {
  tag: number;
  /** 2 ASCII, 4 LONG, 7 UNDEFINED */
  type: 2 | 4 | 7;
  count: number;
  data: Buffer;
}

export function buildExif(fields: { userComment: string; software?: string; description?: string }): Buffer {
  const ascii = (tag: number, text: string): IfdEntry => {
    const data = Buffer.from(`${text.replace(/[^\x20-\x7e]/g, '?')}\0`, 'latin1');
    return { tag, type: 2, count: data.length, data };
  };
  const comment = Buffer.concat([Buffer.from('UNICODE\0', 'latin1'), Buffer.from(fields.userComment, 'utf16le').swap16()]);
  const ifdSize = (entries: number) => 2 + 12 * entries + 4;

  const ifd0: IfdEntry[] = [];
  if (fields.description) ifd0.push(ascii(0x010e, fields.description));
  if (fields.software) ifd0.push(ascii(0x0131, fields.software));
  const exifIfdOffset = 8 + ifdSize(ifd0.length + 1);
  const pointer = Buffer.alloc(4);
  pointer.writeUInt32BE(exifIfdOffset);
  ifd0.push({ tag: 0x8769, type: 4, count: 1, data: pointer });
  const exifIfd: IfdEntry[] = [{ tag: 0x9286, type: 7, count: comment.length, data: comment }];

  // Layout: TIFF header (8) | IFD0 | Exif IFD | values that do not fit in an entry's 4 bytes.
  let valueOffset = exifIfdOffset + ifdSize(exifIfd.length);
  const values: Buffer[] = [];
  const encode = (entries: IfdEntry[]): Buffer => {
    const ifd = Buffer.alloc(ifdSize(entries.length));
    ifd.writeUInt16BE(entries.length, 0);
    entries
      .sort((a, b) => a.tag - b.tag)
      .forEach((entry, i) => {
        const at = 2 + 12 * i;
        ifd.writeUInt16BE(entry.tag, at);
        ifd.writeUInt16BE(entry.type, at + 2);
        ifd.writeUInt32BE(entry.count, at + 4);
        if (entry.data.length <= 4) entry.data.copy(ifd, at + 8);
        else {
          ifd.writeUInt32BE(valueOffset, at + 8);
          const padded = entry.data.length % 2 ? Buffer.concat([entry.data, Buffer.alloc(1)]) : entry.data;
          values.push(padded);
          valueOffset += padded.length;
        }
      });
    return ifd;
  };
  const header = Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08]);
  const encoded = [encode(ifd0), encode(exifIfd)];
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), header, ...encoded, ...values]);
}

const SOI = 0xffd8;

/** The APP1 segments of a JPEG that start with `prefix` ("Exif\0\0", or the XMP namespace). */
export function hasJpegApp1(jpeg: Buffer, prefix: string): boolean {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image: no more metadata
    const length = jpeg.readUInt16BE(at + 2);
    if (marker === 0xe1 && jpeg.subarray(at + 4, at + 4 + prefix.length).toString('latin1') === prefix) return true;
    at += 2 + length;
  }
  return false;
}

/** The JPEG without its APP1 segments whose payload starts with `prefix` (a stale XMP packet). */
export function removeJpegApp1(jpeg: Buffer, prefix: string): Buffer {
  const kept: Buffer[] = [jpeg.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xda || marker === 0xd9) break;
    const end = at + 2 + jpeg.readUInt16BE(at + 2);
    if (!(marker === 0xe1 && jpeg.subarray(at + 4, at + 4 + prefix.length).toString('latin1') === prefix)) kept.push(jpeg.subarray(at, end));
    at = end;
  }
  kept.push(jpeg.subarray(at));
  return Buffer.concat(kept);
}

/** Inserts an APP1 segment after SOI and any APP0 (JFIF must stay first). Payloads over 64 KB are refused. */
export function insertJpegApp1(jpeg: Buffer, payload: Buffer): Buffer {
  if (jpeg.readUInt16BE(0) !== SOI) throw new Error('not a JPEG file');
  if (payload.length + 2 > 0xffff) throw new Error('metadata too large for one JPEG segment');
  let at = 2;
  if (jpeg[at] === 0xff && jpeg[at + 1] === 0xe0) at += 2 + jpeg.readUInt16BE(at + 2);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, at), head, payload, jpeg.subarray(at)]);
}

export const XMP_JPEG_PREFIX = 'http://ns.adobe.com/xap/1.0/\0';
