import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedFile } from '../testing/shared-data';
import { installModelFile, installState, requireModelFile } from './installed';
import { findModel, loadRegistry } from './registry';

const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const dir = mkdtempSync(join(tmpdir(), 'likeness-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('model registry', () => {
  it('lists YuNet with its public URL, size, sha256 and licence', () => {
    const model = findModel('yunet-n', loadRegistry());
    expect(model.license).toMatchObject({ name: 'Apache-2.0', commercialUse: true });
    expect(model.files[0]).toMatchObject({
      size: 322906,
      url: expect.stringMatching(/^https:\/\//),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
  });

  it('knows the size of every model, so each Download button says how much it fetches', () => {
    for (const model of loadRegistry().models) {
      const weights = model.files.filter((f) => !f.optional && f.path.endsWith('.onnx'));
      const sized = (f: (typeof model.files)[number]) => f.size !== undefined || f.approxSize !== undefined;
      // A diffusion export's graph may hold no weights (they sit in model.onnx_data beside it): its total is known
      // from the files that carry them. Every other model's graphs are sized one by one.
      if (model.kind === 'diffusion') expect(model.files.filter(sized).length, model.id).toBeGreaterThan(2);
      else
        expect(
          weights.filter((f) => !sized(f)).map((f) => f.path),
          model.id,
        ).toEqual([]);
    }
  });
});

describe.skipIf(yunet.missing)('installing a model from a local file', () => {
  it('says how to install a missing model, refuses a wrong file, installs the right one', async () => {
    expect(installState(dir, findModel('yunet-n'))).toBe('missing');
    expect(() => requireModelFile(dir, 'yunet-n')).toThrow(/not installed/);
    const wrong = join(dir, 'wrong.onnx');
    writeFileSync(wrong, Buffer.alloc(322906, 1));
    await expect(installModelFile(dir, 'yunet-n', wrong)).rejects.toThrow(/does not match YuNet-n face detector: its sha256 is/);
    const path = await installModelFile(dir, 'yunet-n', yunet.path);
    expect(path).toBe(join(dir, 'yunet-n', 'yunet_n_dynamic.onnx'));
    expect(requireModelFile(dir, 'yunet-n')).toBe(path);
    expect(installState(dir, findModel('yunet-n'))).toBe('installed');
  });
});
