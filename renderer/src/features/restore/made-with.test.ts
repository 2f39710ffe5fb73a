import { describe, expect, it } from 'vitest';
import { translator } from '../../testing/translator';
import { madeWith } from './made-with';

// Provenance as process-run and reel-job write it (abridged).
const models = [
  { id: 'gfpgan-1.4', name: 'GFPGAN 1.4' },
  { id: 'ddcolor', name: 'DDColor' },
  { id: 'liveportrait', name: 'LivePortrait' },
  { id: 'edtalk-256', name: 'EDTalk lip sync' },
];
const clip = {
  source: 'animate',
  seed: 1234,
  provenance: {
    pipeline: 'portrait',
    source: { outputId: 3, hash: 'ab', name: 'grandpa.jpg' },
    steps: [
      { step: 'restore', model: 'gfpgan-1.4', strength: 0.8, provider: 'cpu' },
      { step: 'colorize', model: 'ddcolor', size: 512 },
    ],
    models,
    animation: { preset: 'gentle-nod', seed: 1234, fps: 25, frames: 75, speech: { model: 'edtalk-256', narration: { text: 'Hello, my dear.' } } },
  },
};
const reel = {
  source: 'reel',
  seed: null,
  provenance: {
    template: 'before-after',
    visuals: [{ outputId: 3 }, { outputId: 4 }],
    title: 'Grandpa, 1952',
    music: { hash: 'cd' },
    loudness: { output: { integrated: -14.04, truePeak: -1.52 } },
  },
};

describe('what a restoration, an animated clip or a reel was made with (Review’s details)', () => {
  it('lists the steps of an animated clip with their settings, in English', async () => {
    const t = await translator('en');
    expect(madeWith(t, clip)).toEqual([
      { label: 'Photo', value: 'grandpa.jpg' },
      { label: 'Restore faces', value: 'GFPGAN 1.4 · strength 80 %' },
      { label: 'Colorize', value: 'DDColor' },
      { label: 'Animate', value: 'Gentle nod · 75 frames at 25 fps · seed 1234' },
      { label: 'Speak', value: 'EDTalk lip sync · says “Hello, my dear.”' },
    ]);
  });

  it('says the same in Simplified Chinese', async () => {
    const t = await translator('zh-CN');
    expect(madeWith(t, clip)).toEqual([
      { label: '原照片', value: 'grandpa.jpg' },
      { label: '修复面部', value: 'GFPGAN 1.4 · 强度 80%' },
      { label: '上色', value: 'DDColor' },
      { label: '让人像动起来', value: '轻轻点头 · 75 帧，每秒 25 帧 · 种子 1234' },
      { label: '开口说话', value: 'EDTalk lip sync · 说“Hello, my dear.”' },
    ]);
  });

  it('names a reel’s template in the user’s language, with its title, sound and loudness', async () => {
    expect(madeWith(await translator('en'), reel)).toEqual([
      { label: 'Template', value: 'Before / after' },
      { label: 'Photos and clips', value: '2' },
      { label: 'Title', value: 'Grandpa, 1952' },
      { label: 'Sound', value: 'Music' },
      { label: 'Loudness', value: '-14.0 LUFS · peak -1.5 dBTP' },
    ]);
    expect(madeWith(await translator('zh-CN'), reel)![0]).toEqual({ label: '模板', value: '修复前后' });
  });

  it('leaves generated and imported images to the generation fields', async () => {
    const t = await translator('en');
    expect(madeWith(t, { source: 'generate', seed: 7, provenance: {} })).toBeNull();
    expect(madeWith(t, { source: 'import', seed: null, provenance: {} })).toBeNull();
  });
});
