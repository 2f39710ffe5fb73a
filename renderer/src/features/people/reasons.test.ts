import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reasonCodes } from '../../../../native/api';

const locales = join(import.meta.dirname, '..', '..', 'locales');
const strings = (language: string) =>
  JSON.parse(readFileSync(join(locales, language, 'people.json'), 'utf8')) as { reasons: Record<string, string>; positions: Record<string, string> };

describe('vetting reasons in the UI', () => {
  it('has words for every reason code the engine gives, in English and Simplified Chinese, with the same placeholders', () => {
    const en = strings('en');
    const zh = strings('zh-CN');
    const placeholders = (text: string) => [...text.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const code of reasonCodes) {
      expect(en.reasons[code], `en reasons.${code}`).toBeTruthy();
      expect(zh.reasons[code], `zh-CN reasons.${code}`).toBeTruthy();
      expect(placeholders(zh.reasons[code]!), code).toEqual(placeholders(en.reasons[code]!));
    }
    expect(Object.keys(en.reasons).sort()).toEqual([...reasonCodes].sort());
    expect(Object.keys(zh.positions).sort()).toEqual(['centre', 'left', 'right']);
  });
});
