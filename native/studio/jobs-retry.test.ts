import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudio, type Studio } from './studio';

describe('retrying a job', () => {
  let root: string;
  let studio: Studio;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-retry-'));
    studio = await createStudio({ library: join(root, 'library') });
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs a failed job again with the same input, and refuses one that succeeded', async () => {
    const folder = join(root, 'later');
    const failed = await studio.jobs.waitFor((await studio.api.catalog.import({ path: folder })).id);
    expect(failed.status).toBe('failed');
    // The user fixes the cause (the folder now exists, with a photo in it) and retries from the Jobs list.
    mkdirSync(folder);
    writeFileSync(
      join(folder, 'a.png'),
      await sharp({ create: { width: 8, height: 8, channels: 3, background: '#468' } })
        .png()
        .toBuffer(),
    );
    const again = await studio.api.jobs.retry({ id: failed.id });
    expect(again).toMatchObject({ kind: failed.kind, input: failed.input });
    expect(again.id).not.toBe(failed.id);
    const done = await studio.jobs.waitFor(again.id);
    expect(done.status).toBe('done');
    await expect(studio.api.jobs.retry({ id: done.id })).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
