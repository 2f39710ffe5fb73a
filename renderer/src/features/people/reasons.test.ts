import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reasonCodes, RejectedFileKind } from '../../../../native/api';

const locales = join(import.meta.dirname, '..', '..', 'locales');
const strings = (language: string) =>
  JSON.parse(readFileSync(join(locales, language, 'people.json'), 'utf8')) as {
    reasons: Record<string, string>;
    positions: Record<string, string>;
    imported: { why: Record<string, string>; fix: Record<string, string> };
  };

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

describe('files that could not be imported, in the UI', () => {
  it('has words for every kind the engine gives (but the catch-all, which keeps its own), in both languages', () => {
    const translated = RejectedFileKind.options.filter((kind) => kind !== 'unreadable').sort();
    for (const language of ['en', 'zh-CN']) {
      const { imported } = strings(language);
      expect(Object.keys(imported.why).sort(), language).toEqual(translated);
      expect(Object.keys(imported.fix).sort(), language).toEqual(translated);
      for (const kind of translated) expect(imported.why[kind], `${language} ${kind}`).toContain('{{name}}');
    }
  });
});
