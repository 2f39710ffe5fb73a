import { describe, expect, it } from 'vitest';
import { upscaleProblem } from './upscale-limit';

describe('upscaleProblem', () => {
  it('lets a print be upscaled while the result stays within 64 megapixels', () => {
    expect(upscaleProblem({ width: 512, height: 512 }, 4)).toBeNull();
    expect(upscaleProblem({ width: 4000, height: 4000 }, 2)).toBeNull();
  });

  it('says ×4 is too much where ×2 still fits', () => {
    expect(upscaleProblem({ width: 3000, height: 2500 }, 4)).toEqual({
      key: 'restore.tooLargeForX4',
      values: { width: 3000, height: 2500, megapixels: 64 },
    });
    expect(upscaleProblem({ width: 3000, height: 2500 }, 2)).toBeNull();
  });

  it('says a large scan cannot be upscaled at all (the engine would refuse the job)', () => {
    expect(upscaleProblem({ width: 12000, height: 9000 }, 2)).toMatchObject({ key: 'restore.tooLargeToUpscale' });
    expect(upscaleProblem({ width: 12000, height: 9000 }, 4)).toMatchObject({ key: 'restore.tooLargeToUpscale' });
  });
});
