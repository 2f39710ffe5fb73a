import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from './csp';
import { confirmationFor, externalLinkAllowed, navigationAllowed, permissionAllowed, senderTrusted } from './desktop-policy';

describe('desktop shell decisions', () => {
  it('lets the window show the app and nothing else', () => {
    expect(navigationAllowed('likeness://app/index.html#/review')).toBe(true);
    for (const url of [
      'https://example.com/',
      'likeness://media/abc',
      'likeness://app.evil/',
      'likeness://appx/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      '',
    ])
      expect(navigationAllowed(url), url).toBe(false);
  });

  it('takes engine calls only from the app’s own window and frame', () => {
    expect(senderTrusted({ isMainWindow: true, frameUrl: 'likeness://app/index.html' })).toBe(true);
    // Another webContents (a devtools or popup), a media document, an injected frame, no frame at all.
    expect(senderTrusted({ isMainWindow: false, frameUrl: 'likeness://app/index.html' })).toBe(false);
    expect(senderTrusted({ isMainWindow: true, frameUrl: 'likeness://media/0123' })).toBe(false);
    expect(senderTrusted({ isMainWindow: true, frameUrl: 'https://example.com/' })).toBe(false);
    expect(senderTrusted({ isMainWindow: true, frameUrl: undefined })).toBe(false);
  });

  it('grants the microphone and camera to the app only, and nothing else to anyone', () => {
    expect(permissionAllowed('media', 'likeness://app/index.html')).toBe(true);
    expect(permissionAllowed('media', 'https://example.com/')).toBe(false);
    for (const permission of ['geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen'])
      expect(permissionAllowed(permission, 'likeness://app/index.html'), permission).toBe(false);
  });

  it('gives the UI a policy that runs only its own scripts and loads media only from its own places', () => {
    const policy = Object.fromEntries(
      contentSecurityPolicy(['likeness://media'])
        .split('; ')
        .map((d) => [d.split(' ')[0], d.split(' ').slice(1)]),
    );
    expect(policy['script-src']).toEqual(["'self'"]);
    expect(policy['default-src']).toEqual(["'self'"]);
    expect(policy['connect-src']).toEqual(["'self'"]);
    expect(policy['object-src']).toEqual(["'none'"]);
    expect(policy['frame-ancestors']).toEqual(["'none'"]);
    expect(policy['img-src']).toEqual(["'self'", 'likeness://media', 'data:', 'blob:']);
    expect(policy['media-src']).toContain('likeness://media');
    expect(JSON.stringify(policy)).not.toMatch(/unsafe-eval|https?:|\*/);
  });

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
