import { StudioError } from '../api/errors';
import type { DiffusionModel } from './loader';

/** Checks a size for the model (multiples of 8, a static export's only size). */
export function checkSize(model: DiffusionModel, width: number, height: number): void {
  for (const [name, value] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(value) || value < 64 || value > 4096 || value % 8 !== 0)
      throw new StudioError(
        'INVALID_INPUT',
        `The ${name} must be a multiple of 8 from 64 to 4096, not ${value}.`,
        'Multiples of 64 work best, e.g. 512 or 768.',
      );
  }
  const fixed = model.info.fixedSize;
  if (fixed && (fixed.width !== width || fixed.height !== height))
    throw new StudioError(
      'INVALID_INPUT',
      `This model export only takes ${fixed.width}×${fixed.height} images.`,
      `Use --size ${fixed.width}x${fixed.height}.`,
    );
}
