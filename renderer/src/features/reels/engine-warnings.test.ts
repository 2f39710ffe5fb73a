import { describe, expect, it } from 'vitest';
import { translator } from '../../testing/translator';
import { translateWarning } from './engine-warnings';

// The sentences as native/video/plan.ts, native/video/reel-faces.ts and native/portrait/process-run.ts write them.
const engine = {
  drivingNoFace: "No face in 3 frame(s) of the driving video; the nearest face's motion was used.",
  longVoice: 'The voice is 42.5 s long: each photo stays 12.4 s. Add photos for a livelier reel.',
  voiceCut: 'The voice is longer than the visuals; it is cut at the end of the reel.',
  captionDropped: '1 caption starts after the end of the reel and was left out.',
  captionsDropped: '2 captions start after the end of the reel and were left out.',
  noFaces:
    'Faces are not looked for (The face detector (YuNet) is not installed): the pan and zoom aim a little above the centre of each photo. Download it on the Models page.',
};

describe('engine warnings on the Reels and Restore pages', () => {
  it('are said in Simplified Chinese on the Chinese UI', async () => {
    const t = await translator('zh-CN');
    expect(translateWarning(t, engine.drivingNoFace)).toBe('驱动视频中有 3 帧没有找到人脸，已改用最近一帧的人脸动作。');
    expect(translateWarning(t, engine.longVoice)).toBe('人声长 42.5 秒，每张照片会停留 12.4 秒。多加几张照片会更生动。');
    expect(translateWarning(t, engine.voiceCut)).toBe('人声比照片和视频更长，会在短视频结尾处截断。');
    expect(translateWarning(t, engine.captionsDropped)).toBe('有 2 条字幕在短视频结束之后才开始，已略去。');
    expect(translateWarning(t, engine.noFaces)).toMatch(/^没有查找人脸/);
  });

  it('read naturally in English, with the count in its plural', async () => {
    const t = await translator('en');
    expect(translateWarning(t, engine.captionDropped)).toBe('1 caption starts after the end of the reel and was left out.');
    expect(translateWarning(t, engine.drivingNoFace)).toBe('No face was found in 3 frames of the driving video; the nearest face’s motion was used.');
  });

  it('keep a sentence they do not know as it came', async () => {
    const t = await translator('zh-CN');
    expect(translateWarning(t, 'Something new happened.')).toBe('Something new happened.');
  });
});
