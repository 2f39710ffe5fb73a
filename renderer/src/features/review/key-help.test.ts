import { describe, expect, it } from 'vitest';
import { keyGroups } from './key-groups';

// Names printed on keys stay as they are in a Chinese UI too; any other word would need translating.
const keyCapNames = /Ctrl|Caps Lock|Space|Enter|Delete|Esc/g;

describe('the keyboard help', () => {
  it('labels keys with key caps only, no English words left in the Chinese dialog', () => {
    for (const { keys } of keyGroups) {
      for (const [legend] of keys) expect(legend.replace(keyCapNames, ''), legend).not.toMatch(/[a-z]/);
    }
  });
});
