import { describe, expect, it } from 'vitest';
import type { ModelInfo } from '../../api/namespaces/models';
import { finishedModel, formatModel } from './models';

const model = (size: number) =>
  ({
    id: 'yunet-n',
    state: 'missing',
    name: 'YuNet-n face detector',
    kind: 'face-detector',
    size,
    license: { name: 'Apache-2.0', commercialUse: true },
  }) as unknown as ModelInfo;

describe('models list lines', () => {
  it('give a small model its size in kB or MB instead of “~0.0 GB”', () => {
    expect(formatModel(model(232_589))).toContain('~233 kB');
    expect(formatModel(model(340_000_000))).toContain('~340.0 MB');
    expect(formatModel(model(4_300_000_000))).toContain('~4.30 GB');
  });

  it('say how much a finished install wrote in a unit that fits', () => {
    expect(finishedModel({ id: 'yunet-n', files: 1, bytes: 232_589 })).toBe('yunet-n: 1 files, 233 kB');
  });
});
