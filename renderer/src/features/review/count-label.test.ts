import { describe, expect, it } from 'vitest';
import { translator } from '../../testing/translator';
import { countLabel } from './count-label';

describe('counts in the Review header and group headers', () => {
  it('count images and videos apart, in English and Simplified Chinese', async () => {
    const en = await translator('en');
    expect(countLabel(en, 12, 0)).toBe('12 images');
    expect(countLabel(en, 1, 0)).toBe('1 image');
    expect(countLabel(en, 3, 3)).toBe('3 videos');
    expect(countLabel(en, 1, 1)).toBe('1 video');
    expect(countLabel(en, 4, 1)).toBe('3 images, 1 video');
    expect(countLabel(en, 1200, 200)).toBe('1,000 images, 200 videos');

    const zh = await translator('zh-CN');
    expect(countLabel(zh, 12, 0)).toBe('12 张图片');
    expect(countLabel(zh, 3, 3)).toBe('3 个视频');
    expect(countLabel(zh, 4, 1)).toBe('3 张图片，1 个视频');
  });
});
