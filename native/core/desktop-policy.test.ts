import { describe, expect, it } from 'vitest';
import { confirmationFor, externalLinkAllowed } from './desktop-policy';

describe('desktop shell decisions', () => {
  it('opens only https links to the sites the app links to', () => {
    expect(externalLinkAllowed('https://huggingface.co/fal/AuraFace-v1')).toBe(true);
    expect(externalLinkAllowed('https://github.com/opencv/opencv_zoo')).toBe(true);
    expect(externalLinkAllowed('https://evil.example/phish')).toBe(false);
    expect(externalLinkAllowed('https://github.com.evil.example/')).toBe(false);
    expect(externalLinkAllowed('http://github.com/')).toBe(false);
    expect(externalLinkAllowed('file:///etc/passwd')).toBe(false);
    expect(externalLinkAllowed('https://user:pw@github.com/')).toBe(false);
    expect(externalLinkAllowed('not a url')).toBe(false);
    expect(externalLinkAllowed('https://docs.example.org/x', ['docs.example.org'])).toBe(true);
  });

  it('asks before a page sets a program to run, showing the command; nothing else needs asking', () => {
    const ask = confirmationFor('people:setTrainer', { program: 'accelerate', args: ['launch', 'train_network.py'], cwd: '/opt/sd-scripts' });
    expect(ask?.detail).toContain('Command: accelerate launch train_network.py');
    expect(ask?.detail).toContain('In: /opt/sd-scripts');
    expect(confirmationFor('people:setTrainer', { program: '' })).toBeUndefined();
    expect(confirmationFor('review:set', { ids: [1], flag: 'pick' })).toBeUndefined();
  });
});
