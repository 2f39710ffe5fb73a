import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPngText } from '../catalog/provenance/png-text';
import { createStudio, type Studio } from './studio';

/**
 * A photo dropped on the Restore page whose `parameters` text is 200 kB of "a a a …" (34 s in the old A1111
 * pattern, on the thread that serves the API): it is added through a job, which runs in a worker thread. (That
 * the parse itself is now linear is provenance/hostile.test.ts; the corpus test measures the serving thread.)
 */
describe('a crafted photo dropped in the browser', () => {
  let root: string;
  let studio: Studio;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-hostile-upload-'));
    studio = await createStudio({ library: join(root, 'library') });
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('is read and parsed by a job (in a worker), not by the handler, and keeps its text verbatim', async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#876' } })
      .png()
      .toBuffer();
    const hostile = addPngText(png, [{ keyword: 'parameters', text: 'a '.repeat(100_000) }]);
    const uploadId = randomUUID();
    await studio.api.people.upload({ uploadId, name: 'crafted.png', offset: 0, data: hostile.toString('base64') });
    const output = await studio.api.portrait.importPhoto({ uploadId });
    expect(output.originalName).toBe('crafted.png');
    const jobs = await studio.api.jobs.list({});
    expect(jobs.find((j) => j.kind === 'catalog.importFile')).toMatchObject({ status: 'done' });
    const detail = await studio.api.catalog.getOutput({ id: output.id });
    expect((detail.provenance.embedded as Record<string, string>).parameters).toHaveLength(200_000);
  });
});
