import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';

/**
 * Extracts chosen entries of a .tgz (npm package tarballs: ustar, long names split into prefix + name, PAX and
 * GNU long-name records) by streaming: a 170 MB package never sits in memory. Returns the entries found.
 */
export async function extractFromTarGz(archive: string, wanted: ReadonlyMap<string, string>): Promise<Set<string>> {
  const found = new Set<string>();
  let buffer: Buffer = Buffer.alloc(0);
  let remaining = 0; // data bytes left of the current entry
  let padding = 0;
  let out: WriteStream | undefined;
  let longName: string | undefined;
  let collecting: Buffer[] | undefined; // PAX / GNU long-name record body
  let collectingType = '';

  const headerName = (header: Buffer) => {
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const name = field(0, 100);
    const prefix = field(345, 155);
    return prefix ? `${prefix}/${name}` : name;
  };
  const octal = (header: Buffer, start: number, length: number) =>
    parseInt(
      header
        .subarray(start, start + length)
        .toString('ascii')
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );

  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      const step = async () => {
        while (buffer.length) {
          if (remaining > 0) {
            const take = Math.min(remaining, buffer.length);
            const part = buffer.subarray(0, take);
            buffer = buffer.subarray(take);
            remaining -= take;
            if (collecting) collecting.push(part);
            else if (out && !out.write(part)) await new Promise<void>((resolve) => out!.once('drain', () => resolve()));
            if (remaining === 0) {
              if (out) {
                const stream = out;
                out = undefined;
                await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
              }
              if (collecting) {
                const body = Buffer.concat(collecting).toString('utf8');
                collecting = undefined;
                if (collectingType === 'L') longName = body.replace(/\0.*$/s, '');
                else {
                  const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body);
                  if (path) longName = path[1];
                }
              }
            }
            continue;
          }
          if (padding > 0) {
            const take = Math.min(padding, buffer.length);
            buffer = buffer.subarray(take);
            padding -= take;
            continue;
          }
          if (buffer.length < 512) return;
          const header = buffer.subarray(0, 512);
          buffer = buffer.subarray(512);
          if (header.every((b) => b === 0)) continue; // end-of-archive blocks
          const size = octal(header, 124, 12);
          const type = String.fromCharCode(header[156]!) || '0';
          const name = longName ?? headerName(header);
          longName = undefined;
          remaining = size;
          padding = (512 - (size % 512)) % 512;
          if (type === 'L' || type === 'x') {
            collecting = [];
            collectingType = type;
          } else if ((type === '0' || type === '\0') && wanted.has(name)) {
            found.add(name);
            out = createWriteStream(wanted.get(name)!);
          }
          if (remaining === 0) {
            collecting = undefined;
            if (out) {
              const stream = out;
              out = undefined;
              await new Promise<void>((resolve) => stream.end(resolve));
            }
          }
        }
      };
      step().then(() => done(), done);
    },
  });
  await pipeline(createReadStream(archive), createGunzip(), sink);
  return found;
}
