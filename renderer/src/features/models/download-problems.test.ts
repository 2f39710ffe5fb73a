import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadProblems } from '../../../../native/api';

const locales = join(import.meta.dirname, '..', '..', 'locales');
const strings = (language: string) =>
  JSON.parse(readFileSync(join(locales, language, 'models.json'), 'utf8')) as {
    downloadProblem: Record<string, { message: string; hint: string }>;
  };

describe('failed downloads on the Models page', () => {
  it('have words for every problem the engine names, in English and Simplified Chinese', () => {
    for (const language of ['en', 'zh-CN']) {
      const { downloadProblem } = strings(language);
      expect(Object.keys(downloadProblem).sort(), language).toEqual([...downloadProblems].sort());
      for (const problem of downloadProblems) {
        expect(downloadProblem[problem]!.message, `${language} ${problem}`).toBeTruthy();
        expect(downloadProblem[problem]!.hint, `${language} ${problem}`).toBeTruthy();
      }
    }
    expect(strings('zh-CN').downloadProblem.unreachable!.message).toContain('{{host}}');
  });
});
