import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reasonCodes } from '../api/namespaces/people';
import { appRoot } from '../core/entry-points';
import { reasonText } from './reasons';

const ui = JSON.parse(readFileSync(join(appRoot(), 'renderer', 'src', 'locales', 'en', 'people.json'), 'utf8')) as {
  reasons: Record<string, string>;
  positions: Record<string, string>;
};

describe('reason texts', () => {
  it('say the same in the CLI as in the English UI, for every code', () => {
    const params = {
      count: 2,
      position: 'centre',
      score: 71,
      px: 96,
      cropSize: 768,
      factor: 3.2,
      share: 12,
      value: 0.05,
      limit: 0.07,
      degrees: 40,
      name: 'a.png',
      photoId: 3,
      distance: 4,
    };
    for (const code of reasonCodes) {
      const template = ui.reasons[code]!;
      const expected = template.replace(/\{\{(\w+)\}\}/g, (_, key: string) =>
        key === 'position' ? ui.positions[params.position]! : String(params[key as keyof typeof params]),
      );
      expect(reasonText({ code, params }), code).toBe(expected);
    }
  });

  it('say why a crop is enlarged without blaming the photo’s size (a 512 px photo enlarges a small face too)', () => {
    expect(reasonText({ code: 'crop-upscaled', params: { factor: 1.8 } })).toBe(
      'The crop is enlarged 1.8× from the photo (the square around the face has fewer pixels than the crop).',
    );
  });
});
