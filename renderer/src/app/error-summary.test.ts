import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../../native/api/errors';
import { errorSummaryKey } from './error-summary';

const zh = JSON.parse(readFileSync(join(import.meta.dirname, '../locales/zh-CN/errors.json'), 'utf8')) as { codes: Record<string, string> };

describe('engine errors in a language other than English', () => {
  it('lead with a translated summary of their kind; every error code has one in Chinese', () => {
    for (const code of errorCodes) {
      const key = errorSummaryKey({ code, message: 'The disk is full.' }, 'zh-CN');
      expect(key).toBe(`errors.codes.${code}`);
      expect(zh.codes[code], code).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('add nothing in English (the message already is) or for errors without a code', () => {
    expect(errorSummaryKey({ code: 'DISK_FULL', message: 'The disk is full.' }, 'en')).toBeUndefined();
    expect(errorSummaryKey(new Error('boom'), 'zh-CN')).toBeUndefined();
  });
});
