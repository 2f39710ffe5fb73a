import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStudioError } from '../core/errors';
import { rawSafetensors as safetensors, writeSafetensors } from '../diffusion/testing/safetensors';
import { createStudio, type Studio } from '../studio/studio';

const tensor = (begin: number, end: number, shape = [1, (end - begin) / 4]) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

/**
 * Adding a LoRA from what a user might pick by mistake or be sent: a FIFO, /dev/zero, a folder, and malformed
 * .safetensors files. Each gets a clear refusal that names the file; none freezes the studio, none reads the
 * file whole, none is registered in the library, and none is "a bug in Likeness".
 */
describe('adding a LoRA from a hostile file', () => {
  let root: string;
  let studio: Studio;
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-hostile-lora-'));
    studio = await createStudio({ library: join(root, 'library') });
  });
  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const refusal = async (path: string) => {
    const error = await studio.api.models.addLora({ path }).then(
      () => undefined,
      (e: unknown) => toStudioError(e),
    );
    expect(error, path).toBeDefined();
    expect(error!.code, `${path}: ${error!.message}`).not.toBe('INTERNAL');
    expect(error!.message).not.toMatch(/bug in Likeness/i);
    expect(error!.hint).toBeTruthy();
    return error!;
  };

  it('refuses a FIFO, /dev/zero and a folder before reading them', async () => {
    const fifo = join(root, 'lora.safetensors');
    execFileSync('mkfifo', [fifo]);
    expect((await refusal(fifo)).message).toMatch(/not a regular file/);
    expect((await refusal('/dev/zero')).message).toMatch(/not a regular file/);
    mkdirSync(join(root, 'folder.safetensors'));
    expect((await refusal(join(root, 'folder.safetensors'))).message).toMatch(/not a regular file/);
    expect((await refusal(join(root, 'missing.safetensors'))).code).toBe('NOT_FOUND');
  });

  it('refuses malformed .safetensors with what is wrong, and registers none of them', async () => {
    const cases: Record<string, [Buffer, RegExp]> = {
      'too-short': [Buffer.from('abc'), /too short/],
      'header-longer-than-file': [safetensors({}, Buffer.alloc(0), 10_000n), /header length/],
      'huge-header-length': [safetensors({}, Buffer.alloc(0), 2n ** 62n), /header length/],
      'not-json': [safetensors('{"a": nope'), /not JSON/],
      'json-array': [safetensors('[1,2,3]'), /not a JSON object/],
      'null-entry': [safetensors({ 'x.lora_down.weight': null }), /no description/],
      'negative-offsets': [safetensors({ 'x.lora_down.weight': tensor(-8, 0, [2]) }, Buffer.alloc(8)), /invalid data offsets/],
      'outside-the-file': [safetensors({ 'x.lora_down.weight': tensor(0, 4096) }, Buffer.alloc(8)), /outside the file/],
      overlapping: [safetensors({ 'a.lora_down.weight': tensor(0, 8), 'b.lora_down.weight': tensor(4, 12) }, Buffer.alloc(12)), /overlaps/],
      'shape-mismatch': [safetensors({ 'x.lora_down.weight': tensor(0, 8, [3, 3]) }, Buffer.alloc(8)), /wrong number of bytes/],
      'unknown-dtype': [safetensors({ 'x.lora_down.weight': { dtype: 'Q4', shape: [1], data_offsets: [0, 1] } }, Buffer.alloc(1)), /unknown type/],
    };
    for (const [name, [bytes, why]] of Object.entries(cases)) {
      const path = join(root, `${name}.safetensors`);
      writeFileSync(path, bytes);
      const error = await refusal(path);
      expect(error.code, name).toBe('CORRUPT_FILE');
      expect(error.message, name).toMatch(why);
      expect(error.message, name).toContain(`${name}.safetensors`);
    }
    expect(await studio.api.models.listLoras()).toEqual([]);
  });

  it('still adds a well-formed kohya LoRA', async () => {
    const path = join(root, 'good.safetensors');
    writeSafetensors(path, {
      'lora_unet_a.lora_down.weight': { shape: [2, 4], data: new Float32Array(8).fill(0.1) },
      'lora_unet_a.lora_up.weight': { shape: [4, 2], data: new Float32Array(8).fill(0.2) },
      'lora_unet_a.alpha': { shape: [], data: Float32Array.of(2) },
    });
    const lora = await studio.api.models.addLora({ path, name: 'Good' });
    expect(lora).toMatchObject({ name: 'Good', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });
});
