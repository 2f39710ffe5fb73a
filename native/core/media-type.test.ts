import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { sniffMediaType } from './media-type';

describe('media types from content', () => {
  it('recognises the images, clips and sounds Likeness stores, from their first bytes', async () => {
    const image = sharp({ create: { width: 8, height: 8, channels: 3, background: '#123' } });
    expect(sniffMediaType(await image.clone().png().toBuffer())).toBe('image/png');
    expect(sniffMediaType(await image.clone().jpeg().toBuffer())).toBe('image/jpeg');
    expect(sniffMediaType(await image.clone().webp().toBuffer())).toBe('image/webp');
    expect(sniffMediaType(await image.clone().gif().toBuffer())).toBe('image/gif');
    expect(sniffMediaType(await image.clone().tiff().toBuffer())).toBe('image/tiff');
    expect(sniffMediaType(await image.clone().avif().toBuffer())).toBe('image/avif');
    expect(sniffMediaType(Buffer.from('\0\0\0\x18ftypisom\0\0\x02\0'))).toBe('video/mp4');
    expect(sniffMediaType(Buffer.from('\0\0\0\x18ftypM4A \0\0\x02\0'))).toBe('audio/mp4');
    expect(sniffMediaType(Buffer.from('RIFF\x24\0\0\0WAVEfmt '))).toBe('audio/wav');
    expect(sniffMediaType(Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 1]))).toBe('video/webm');
    expect(sniffMediaType(Buffer.from('OggS\0\x02'))).toBe('audio/ogg');
  });

  it('serves anything else as a download, whatever it claims to be', () => {
    expect(sniffMediaType(Buffer.from('<!doctype html><script>alert(1)</script>'))).toBe('application/octet-stream');
    expect(sniffMediaType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('application/octet-stream');
    expect(sniffMediaType(Buffer.alloc(0))).toBe('application/octet-stream');
  });
});
