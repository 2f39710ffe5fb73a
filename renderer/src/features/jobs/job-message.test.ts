import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../testing/translator';
import { englishProgress, placeholders, progressMessages, type ProgressKey } from '../../../../native/api/progress-keys';
import { jobMessage } from './job-message';

const locales = join(import.meta.dirname, '..', '..', 'locales');
const strings = (language: string) =>
  Object.fromEntries(
    readdirSync(join(locales, language)).map((file) => [
      file.replace(/\.json$/, ''),
      JSON.parse(readFileSync(join(locales, language, file), 'utf8')),
    ]),
  ) as Record<string, Record<string, unknown>>;

/** The text(s) of `jobs.progress.<key>` in a language: the key itself or its plural forms. */
function localeTexts(language: string, key: string): string[] {
  let node: unknown = strings(language).jobs!.progress;
  const parts = key.split('.');
  for (const part of parts.slice(0, -1)) node = (node as Record<string, unknown> | undefined)?.[part];
  const leaf = parts.at(-1)!;
  const group = (node ?? {}) as Record<string, unknown>;
  return Object.entries(group)
    .filter(([name]) => name === leaf || name.startsWith(`${leaf}_`))
    .map(([, text]) => text)
    .filter((text): text is string => typeof text === 'string');
}

const keys = Object.keys(progressMessages) as ProgressKey[];

describe('job progress messages', () => {
  it.each(['en', 'zh-CN'])('every key the engine reports exists in %s, using only the params the engine gives', (language) => {
    for (const key of keys) {
      const texts = localeTexts(language, key);
      expect(texts.length, `${language} jobs.progress.${key}`).toBeGreaterThan(0);
      const entry = progressMessages[key];
      const given = new Set(placeholders(typeof entry === 'string' ? entry : entry.other));
      for (const text of texts) for (const name of placeholders(text)) expect(given, `${language} ${key}: {{${name}}}`).toContain(name);
    }
  });

  it('reads in English as the engine writes it (CLI and UI say the same)', async () => {
    const t = await translator('en');
    for (const count of [1, 3]) {
      const params = { count, provider: 'cpu' };
      expect(jobMessage(t, { message: null, messageKey: 'generate.done', messageParams: params })).toBe(englishProgress('generate.done', params));
    }
    for (const key of keys.filter((k) => typeof progressMessages[k] === 'string')) expect(localeTexts('en', key)).toEqual([progressMessages[key]]);
  });

  it('shows the Chinese text with its params on the Chinese UI', async () => {
    const t = await translator('zh-CN');
    const job = { message: 'Animating: frame 12 of 125', messageKey: 'portrait.animatingFrame', messageParams: { done: 12, total: 125 } };
    expect(jobMessage(t, job)).toBe('正在生成动画：第 12/125 帧');
    expect(jobMessage(t, { message: '3 photos found', messageKey: 'people.photosFound', messageParams: { count: 3 } })).toBe('找到 3 张照片');
  });

  it('falls back to the engine’s text without a key, or for a key this UI does not know', async () => {
    const t = await translator('zh-CN');
    expect(jobMessage(t, { message: 'photo.png', messageKey: null, messageParams: null })).toBe('photo.png');
    expect(jobMessage(t, { message: 'photo.png' })).toBe('photo.png');
    expect(jobMessage(t, { message: 'Something new', messageKey: 'future.somethingNew', messageParams: {} })).toBe('Something new');
    expect(jobMessage(t, { message: null, messageKey: 'future.somethingNew' })).toBeNull();
  });
});
