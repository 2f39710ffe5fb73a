import { describe, expect, it } from 'vitest';
import { translator } from '../../testing/translator';
import { jobSummary } from './job-summary';

const format = (locale: string) => ({
  number: (n: number) => new Intl.NumberFormat(locale).format(n),
  megabytes: (bytes: number) => new Intl.NumberFormat(locale, { style: 'unit', unit: 'megabyte', maximumFractionDigits: 1 }).format(bytes / 1e6),
});

describe('what a finished job did', () => {
  it('says what emptying the trash deleted and freed, and what an export wrote (not just “done”)', async () => {
    const en = await translator('en');
    expect(
      jobSummary(
        en,
        { kind: 'catalog.emptyTrash', status: 'done', result: { outputs: 1200, objects: 2400, bytes: 1_676_870_000, kept: 0 } },
        format('en'),
      ),
    ).toBe('1,200 deleted for good · 1,676.9 MB freed');
    expect(
      jobSummary(en, { kind: 'catalog.emptyTrash', status: 'done', result: { outputs: 3, objects: 6, bytes: 5_000_000, kept: 1 } }, format('en')),
    ).toBe('3 deleted for good · 5 MB freed · 1 kept in the trash: still used elsewhere');
    expect(
      jobSummary(
        en,
        { kind: 'review.export', status: 'done', result: { exported: 400, alreadyThere: 2, failed: [{ id: 1, reason: 'x' }] } },
        format('en'),
      ),
    ).toBe('400 exported · 2 already there · 1 failed');
    expect(jobSummary(en, { kind: 'catalog.import', status: 'done', result: { imported: 11, duplicates: 1, failed: [1, 2, 3] } }, format('en'))).toBe(
      '11 imported · 1 already in the library · 3 failed',
    );
  });

  it('speaks Chinese in the Chinese UI, and says nothing for unfinished jobs', async () => {
    const zh = await translator('zh-CN');
    expect(
      jobSummary(zh, { kind: 'catalog.emptyTrash', status: 'done', result: { outputs: 2, objects: 4, bytes: 1_000_000, kept: 0 } }, format('zh-CN')),
    ).toMatch(/^已永久删除 2 项 · 释放 1 ?MB$/);
    expect(jobSummary(zh, { kind: 'review.export', status: 'running', result: null }, format('zh-CN'))).toBeUndefined();
  });
});
