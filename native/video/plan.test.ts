import { describe, expect, it } from 'vitest';
import { placeText, planReel, safeAreaOf, stillLayout, type PlanRequest, type VisualMedia } from './plan';
import { requireTemplate } from './templates';

const photo = (width = 800, height = 1000, label = 'photo.jpg'): VisualMedia => ({ kind: 'still', width, height, label });

function request(overrides: Partial<PlanRequest> & { template?: PlanRequest['template'] } = {}): PlanRequest {
  return {
    template: requireTemplate('memories'),
    width: 1080,
    height: 1920,
    fps: 30,
    visuals: [photo(), photo(), photo()],
    aiLabel: 'metadata',
    aiLabelText: 'AI-generated',
    xfade: true,
    ...overrides,
  };
}

const inside = (box: { x: number; y: number; w: number; h: number }, area: { x: number; y: number; w: number; h: number }) =>
  box.x >= area.x && box.y >= area.y && box.x + box.w <= area.x + area.w && box.y + box.h <= area.y + area.h;

describe('reel planner', () => {
  it('memories: a title card and photos overlapping by their crossfades, measured in whole frames', () => {
    const plan = planReel(request({ title: 'Grandpa', music: true }));
    // 2.5 s card + 3 × 3.5 s photos − 3 crossfades of 0.8 s.
    expect(plan.segments.map((s) => [s.kind, s.frames])).toEqual([
      ['title', 75],
      ['still', 105],
      ['still', 105],
      ['still', 105],
    ]);
    expect(plan.transitions.map((t) => [t.kind, t.frames, t.startFrame])).toEqual([
      ['fade', 24, 51],
      ['fade', 24, 132],
      ['fade', 24, 213],
    ]);
    expect(plan.frames).toBe(75 + 3 * 105 - 3 * 24);
    expect(plan.seconds).toBeCloseTo(plan.frames / 30, 10);
    expect(plan.transitionMode).toBe('xfade');
    expect(plan.music).toBe(true);
    expect(plan.texts.map((t) => t.kind)).toEqual(['title']);
    // Alternating moves: in, out, in.
    const zooms = plan.segments.filter((s) => s.kind === 'still').map((s) => [s.motion!.from.zoom, s.motion!.to.zoom]);
    expect(zooms).toEqual([
      [1, 1.12],
      [1.12, 1],
      [1, 1.12],
    ]);
  });

  it('moves toward the face box when one is given, staying inside the frame', () => {
    const face = { x: 0.6, y: 0.1, w: 0.2, h: 0.2 };
    const plan = planReel(request({ visuals: [{ ...photo(900, 1600), focus: face }, photo(900, 1600), photo(900, 1600)] }));
    const first = plan.segments[0]!;
    expect(first.layout!.mode).toBe('cover');
    const end = first.motion!.to;
    expect(end.zoom).toBe(1.12);
    // Toward the face (right, upper part), but the 1/1.12 window stays inside the frame.
    expect(end.cx).toBeGreaterThan(0.5);
    expect(end.cy).toBeLessThan(0.5);
    expect(end.cx + 0.5 / end.zoom).toBeLessThanOrEqual(1 + 1e-9);
    expect(end.cy - 0.5 / end.zoom).toBeGreaterThanOrEqual(-1e-9);
    // Without a face box: centre-weighted, a little above the middle.
    const plain = plan.segments[1]!.motion!;
    expect(plain.from.cx).toBeCloseTo(0.5);
    expect(plain.from.cy).toBeLessThanOrEqual(0.5);
  });

  it('crops a photo close to the frame shape, shows a landscape photo whole on a backdrop in a vertical reel', () => {
    const portrait = stillLayout(900, 1600, 1080 / 1920, undefined, 0.35);
    expect(portrait.mode).toBe('cover');
    expect(portrait.crop.w / portrait.crop.h).toBeCloseTo(1080 / 1920, 5);
    const landscape = stillLayout(1600, 1000, 1080 / 1920, { x: 0.1, y: 0.2, w: 0.2, h: 0.3 }, 0.35);
    expect(landscape.mode).toBe('backdrop');
    expect(landscape.crop.w).toBe(1);
    expect(landscape.crop.y).toBeGreaterThan(0);
    // The face keeps its place inside the shown photo.
    expect(landscape.focus.x).toBeCloseTo(0.2, 5);
  });

  it('stretches the photos so a long voice is never cut, and says so when each photo stays long', () => {
    const plan = planReel(request({ title: 'Grandpa', voiceSeconds: 40 }));
    expect(plan.voice!.startSeconds).toBeCloseTo((75 - 24) / 30 + 0.3, 5);
    expect(plan.seconds).toBeGreaterThanOrEqual(plan.voice!.startSeconds + 40 + 1);
    expect(plan.seconds).toBeLessThan(plan.voice!.startSeconds + 40 + 1 + 0.2);
    expect(plan.warnings.join(' ')).toMatch(/each photo stays 1\d\.\d s/);
  });

  it('levels a quiet voice up and loud music down before mixing (unknown levels stay as they are)', () => {
    const plan = planReel(request({ voiceSeconds: 3, voiceLoudness: -31.5, music: true, musicLoudness: -9 }));
    expect(plan.voice!.gainDb).toBe(15.5);
    expect(plan.musicGainDb).toBe(-11);
    const talking = planReel(
      request({ template: requireTemplate('talking'), visuals: [photo()], voiceSeconds: 3, voiceLoudness: null, music: true, musicLoudness: -20 }),
    );
    expect(talking.voice!.gainDb).toBe(0);
    expect(talking.musicGainDb).toBe(-3);
  });

  it('talking portrait: needs a voice; an animated clip starts with its voice and holds its last frame', () => {
    const talking = requireTemplate('talking');
    expect(() => planReel(request({ template: talking, visuals: [photo()] }))).toThrow(/needs a voice track/);
    const clip: VisualMedia = { kind: 'stream', width: 512, height: 512, seconds: 3, label: 'animation' };
    const plan = planReel(request({ template: talking, visuals: [clip], voiceSeconds: 4 }));
    expect(plan.voice!.startSeconds).toBe(0);
    expect(plan.segments[0]!.sourceFrames).toBe(90);
    expect(plan.frames).toBe(Math.ceil((4 + 1) * 30));
    expect(plan.transitionMode).toBe('none');
  });

  it('before/after: one continuous move across both pictures, a wipe, role labels while each is on screen', () => {
    const plan = planReel(request({ template: requireTemplate('before-after'), visuals: [photo(), photo()], roleLabels: ['1952', 'Restored'] }));
    const [before, after] = plan.segments;
    expect(plan.transitions).toEqual([{ kind: 'wipe', frames: 48, startFrame: before!.frames - 48 }]);
    // The moves line up: at the start of the wipe both show the same window.
    const last = plan.frames - 1;
    const at = (frame: number) => 1 + (1.06 - 1) * (frame / last);
    expect(before!.motion!.from.zoom).toBeCloseTo(1, 6);
    expect(after!.motion!.from.zoom).toBeCloseTo(at(after!.startFrame), 6);
    expect(before!.motion!.to.zoom).toBeCloseTo(at(before!.frames - 1), 6);
    expect(plan.texts.filter((t) => t.kind === 'role').map((t) => [t.text, t.start, t.end])).toEqual([
      ['1952', 0, (before!.frames - 48) / 30],
      ['Restored', (after!.startFrame + 48) / 30, plan.seconds],
    ]);
  });

  it('checks the number of visuals against the template, naming the roles', () => {
    expect(() => planReel(request({ visuals: [photo(), photo()] }))).toThrow(/takes 3–20 photos or clips; 2 were given/);
    expect(() => planReel(request({ template: requireTemplate('before-after'), visuals: [photo()] }))).toThrow(/before, after/);
  });

  it('without xfade plans the same timeline, drawn by the fallback, and says why', () => {
    const withXfade = planReel(request({ title: 'x' }));
    const without = planReel(request({ title: 'x', xfade: false }));
    expect(without.frames).toBe(withXfade.frames);
    expect(without.transitionMode).toBe('fallback');
    expect(without.warnings.join(' ')).toMatch(/no xfade filter/);
  });

  it('keeps every text inside the safe area of each delivery size; SRT cues follow the voice', () => {
    for (const [width, height] of [
      [1080, 1920],
      [1080, 1080],
      [1920, 1080],
    ] as const) {
      const plan = planReel(
        request({
          template: requireTemplate('before-after'),
          visuals: [photo(), photo()],
          width,
          height,
          title: 'A title',
          voiceSeconds: 3,
          captions: { cues: [{ start: 0.5, end: 2, text: 'Hello' }] },
          aiLabel: 'visible',
        }),
      );
      const safe = safeAreaOf(width, height);
      expect(plan.safeArea).toEqual(safe);
      expect(inside(safe, { x: 0, y: 0, w: width, h: height })).toBe(true);
      for (const text of plan.texts) expect(inside(text.region, safe)).toBe(true);
      const caption = plan.texts.find((t) => t.kind === 'caption')!;
      expect(caption.start).toBeCloseTo(plan.voice!.startSeconds + 0.5, 6);
      expect(plan.texts.map((t) => t.kind)).toEqual(['title', 'caption', 'role', 'role', 'ai']);
    }
    // Vertical: clear of the apps' bottom fifth and right-hand buttons.
    const vertical = safeAreaOf(1080, 1920);
    expect(vertical.y + vertical.h).toBeLessThanOrEqual(1920 * 0.8);
    expect(vertical.x + vertical.w).toBeLessThanOrEqual(1080 * 0.9);
  });

  it('places rendered text inside its region even when it is larger than the region', () => {
    const region = { x: 100, y: 200, w: 500, h: 300 };
    expect(placeText(region, 'bottom', 200, 50)).toEqual({ x: 250, y: 450 });
    expect(placeText(region, 'top-right', 100, 40)).toEqual({ x: 500, y: 200 });
    expect(placeText(region, 'center', 900, 900)).toEqual({ x: 100, y: 200 });
  });

  it('drops captions that start after the end, and says so', () => {
    const plan = planReel(
      request({
        captions: {
          cues: [
            { start: 1, end: 2, text: 'in' },
            { start: 60, end: 61, text: 'late' },
          ],
        },
      }),
    );
    expect(plan.texts.filter((t) => t.kind === 'caption').map((t) => t.text)).toEqual(['in']);
    expect(plan.warnings.join(' ')).toMatch(/1 caption starts after the end/);
  });
});
