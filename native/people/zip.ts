import { open, readFile } from 'node:fs/promises';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A minimal ZIP writer (PKWARE APPNOTE: local headers, data, central directory, end record; no ZIP64) for
 * dataset exports. Images are stored as they are (PNG is compressed already), text is deflated. A library
 * adds nothing here that these 80 lines do not.
 */
export interface ZipEntry {
  /** Path inside the archive, with forward slashes. */
  name: string;
  /** A file to read, or the bytes themselves. */
  file?: string;
  data?: Uint8Array;
}

const LIMIT = 0xffff_ffff;

function dosDateTime(date: Date): { time: number; day: number } {
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | Math.floor(date.getSeconds() / 2),
    day: ((date.getFullYear() - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

export async function writeZip(target: string, entries: readonly ZipEntry[], signal?: AbortSignal): Promise<void> {
  const handle = await open(target, 'w');
  const central: Buffer[] = [];
  let offset = 0;
  const { time, day } = dosDateTime(new Date());
  try {
    for (const entry of entries) {
      signal?.throwIfAborted();
      const raw = entry.data ?? (await readFile(entry.file!));
      const name = Buffer.from(entry.name, 'utf8');
      const deflate = !/\.(png|jpe?g|webp|gif|avif|zip|safetensors)$/i.test(entry.name);
      const body = deflate ? deflateRawSync(raw) : raw;
      const method = deflate ? 8 : 0;
      const crc = crc32(raw) >>> 0;
      if (raw.length >= LIMIT || offset + body.length >= LIMIT) throw new Error('the archive would exceed 4 GB (ZIP64 is not written)');
      const local = Buffer.alloc(30);
      local.writeUInt32LE(0x04034b50, 0);
      local.writeUInt16LE(20, 4); // version needed
      local.writeUInt16LE(0x0800, 6); // UTF-8 names
      local.writeUInt16LE(method, 8);
      local.writeUInt16LE(time, 10);
      local.writeUInt16LE(day, 12);
      local.writeUInt32LE(crc, 14);
      local.writeUInt32LE(body.length, 18);
      local.writeUInt32LE(raw.length, 22);
      local.writeUInt16LE(name.length, 26);
      local.writeUInt16LE(0, 28);
      await handle.write(Buffer.concat([local, name]));
      await handle.write(body);

      const record = Buffer.alloc(46);
      record.writeUInt32LE(0x02014b50, 0);
      record.writeUInt16LE(0x0314, 4); // made by: Unix, spec 2.0
      record.writeUInt16LE(20, 6);
      record.writeUInt16LE(0x0800, 8);
      record.writeUInt16LE(method, 10);
      record.writeUInt16LE(time, 12);
      record.writeUInt16LE(day, 14);
      record.writeUInt32LE(crc, 16);
      record.writeUInt32LE(body.length, 20);
      record.writeUInt32LE(raw.length, 24);
      record.writeUInt16LE(name.length, 28);
      record.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
      record.writeUInt32LE(offset, 42);
      central.push(Buffer.concat([record, name]));
      offset += local.length + name.length + body.length;
    }
    const directory = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    await handle.write(Buffer.concat([directory, end]));
    await handle.sync();
  } finally {
    await handle.close();
  }
}
