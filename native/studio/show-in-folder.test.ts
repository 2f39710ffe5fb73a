import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../testing/serve-process';
import { fileManagerCommand, jobFileLocation } from './show-in-folder';
import { createStudio, type Studio } from './studio';

describe('Show in folder', () => {
  let root: string;
  let studio: Studio;
  const saved = process.env.LIKENESS_FILE_MANAGER;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-reveal-'));
    studio = await createStudio({ library: join(root, 'library') });
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.LIKENESS_FILE_MANAGER;
    else process.env.LIKENESS_FILE_MANAGER = saved;
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('knows where each kind of job left its files, and that catalogue-only jobs left none', () => {
    const done = (kind: string, result: unknown, input: unknown = null) => ({ kind, status: 'done' as const, input, result });
    expect(jobFileLocation(done('review.export', { outDir: '/x/picks' }), '/lib/models')).toBe('/x/picks');
    expect(jobFileLocation(done('people.export', { folder: '/x/set', zip: '/x/set.zip' }), '/lib/models')).toBe('/x/set.zip');
    expect(jobFileLocation(done('people.export', { folder: '/x/set', zip: null }), '/lib/models')).toBe('/x/set');
    expect(jobFileLocation(done('people.train', { lora: { path: '/x/ada.safetensors' } }), '/lib/models')).toBe('/x/ada.safetensors');
    expect(jobFileLocation(done('models.download', {}, { id: 'yunet-n' }), '/lib/models')).toBe(join('/lib/models', 'yunet-n'));
    expect(jobFileLocation(done('generate', { outputs: [1, 2] }), '/lib/models')).toBeNull();
  });

  it('asks each system’s file manager in its own terms: the file selected where it can, else its folder opened', () => {
    // Finder: `open -R` reveals a file (open(1)); Explorer: `/select,` selects it; xdg-open only opens folders.
    expect(fileManagerCommand('/x/ada.safetensors', true, 'darwin', '')).toEqual(['open', ['-R', '/x/ada.safetensors']]);
    expect(fileManagerCommand('/x/picks', false, 'darwin', '')).toEqual(['open', ['/x/picks']]);
    expect(fileManagerCommand('C:\\x\\ada.safetensors', true, 'win32', '')).toEqual(['explorer.exe', ['/select,C:\\x\\ada.safetensors']]);
    expect(fileManagerCommand('/x/ada.safetensors', true, 'linux', '')).toEqual(['xdg-open', ['/x']]);
    expect(fileManagerCommand('/x/picks', false, 'linux', '')).toEqual(['xdg-open', ['/x/picks']]);
    expect(fileManagerCommand('/x/picks', false, 'linux', '/usr/bin/nautilus')).toEqual(['/usr/bin/nautilus', ['/x/picks']]);
  });

  it('opens the file manager at an export’s folder; without one it gives the path and the reason', async () => {
    const photos = join(root, 'photos');
    mkdirSync(photos);
    writeFileSync(
      join(photos, 'a.png'),
      await sharp({ create: { width: 16, height: 16, channels: 3, background: '#468' } })
        .png()
        .toBuffer(),
    );
    expect((await studio.jobs.waitFor((await studio.api.catalog.import({ path: photos })).id)).status).toBe('done');
    const ids = (await studio.api.catalog.listOutputs({})).items.map((o) => o.id);
    const outDir = join(root, 'exported');
    const exported = await studio.jobs.waitFor((await studio.api.review.export({ outDir, ids })).id);
    expect(exported.status).toBe('done');

    // A stand-in file manager: a real program that records the path it was asked to show.
    const record = join(root, 'shown.txt');
    const manager = join(root, 'file-manager.sh');
    writeFileSync(manager, `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
    chmodSync(manager, 0o755);
    process.env.LIKENESS_FILE_MANAGER = manager;
    expect(await studio.api.jobs.showInFolder({ id: exported.id })).toEqual({ path: outDir, opened: true, reason: null });
    await waitUntil(async () => (readFileSync(record, { encoding: 'utf8', flag: 'a+' }) === outDir ? true : undefined), 10_000, 'the file manager');

    process.env.LIKENESS_FILE_MANAGER = join(root, 'no-such-file-manager');
    const missing = await studio.api.jobs.showInFolder({ id: exported.id });
    expect(missing).toMatchObject({ path: outDir, opened: false, reason: expect.stringContaining('could not be started') });

    // A job whose results live in the catalogue, and a folder the user has since deleted.
    const imported = (await studio.api.jobs.list({})).find((j) => j.kind === 'catalog.import')!;
    await expect(studio.api.jobs.showInFolder({ id: imported.id })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    rmSync(outDir, { recursive: true });
    await expect(studio.api.jobs.showInFolder({ id: exported.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
