import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StudioError } from '../api/errors';
import { RejectedFileKind } from '../api/namespaces/people';
import { explainDecodeError, MAX_IMAGE_BYTES, readImageFile } from '../catalog/image-input';
import { heicError } from './decode';
import { rejectedFileKind } from './rejected-files';

const root = mkdtempSync(join(tmpdir(), 'likeness-rejected-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function errorOf(promise: Promise<unknown>): Promise<StudioError> {
  try {
    await promise;
  } catch (error) {
    return error as StudioError;
  }
  throw new Error('expected an error');
}

describe('the kind of a file that could not be imported', () => {
  it('is read from the errors the decoder gives, so the UI can say it in the user’s language', async () => {
    const empty = join(root, 'empty.jpg');
    writeFileSync(empty, '');
    const big = join(root, 'big.tif');
    writeFileSync(big, '');
    truncateSync(big, MAX_IMAGE_BYTES + 1);
    const cases: [StudioError, RejectedFileKind][] = [
      [heicError('a.heic'), 'heic'],
      [explainDecodeError(new Error('Input image exceeds pixel limit'), 'a.png'), 'too-many-pixels'],
      [explainDecodeError(new Error('Input file contains unsupported image format'), 'a.jpg'), 'not-an-image'],
      [explainDecodeError(new Error('VipsJpeg: Premature end of JPEG file'), 'a.jpg'), 'damaged'],
      [explainDecodeError(new Error('something new from libvips'), 'a.jpg'), 'unreadable'],
      [await errorOf(readImageFile(empty, 'empty.jpg')), 'empty'],
      [await errorOf(readImageFile(big, 'big.tif')), 'too-large-file'],
      [new StudioError('NOT_FOUND', '/x does not exist.', 'Check the path.'), 'missing'],
    ];
    for (const [error, kind] of cases) expect(rejectedFileKind(error), error.message).toBe(kind);
    expect(new Set(cases.map(([, kind]) => kind))).toEqual(new Set(RejectedFileKind.options));
  });
});
