import { describe, expect, it } from 'vitest';
import { translator } from '../../testing/translator';
import { reelName } from './reel-name';

describe('the catalogue name of a reel made on the Reels page', () => {
  const talking = { id: 'talking', name: 'Talking portrait' };
  // 26 November 2026, 18:31 on this machine's clock.
  const evening = new Date(2026, 10, 26, 18, 31, 5);

  it('is the template in the user’s language with the local date and time', async () => {
    expect(reelName(await translator('zh-CN'), talking, '', evening)).toBe('会说话的肖像 2026-11-26 18.31.mp4');
    expect(reelName(await translator('en'), talking, '  ', evening)).toBe('Talking portrait 2026-11-26 18.31.mp4');
  });

  it('is the title when there is one', async () => {
    expect(reelName(await translator('zh-CN'), talking, ' 爷爷的相册 ', evening)).toBe('爷爷的相册 2026-11-26 18.31.mp4');
  });
});
