import { describe, expect, it } from 'vitest';
import { loudnessGain, loudnessPassGraph, MAX_LIMITING_DB, renderGraph, type DuckSettings, type GraphAssets } from './graph';
import { planReel, type PlanRequest } from './plan';
import { requireTemplate } from './templates';

const duck: DuckSettings = { fadeInSeconds: 0.5, fadeOutSeconds: 1.5, threshold: 0.03, ratio: 8, attackMs: 30, releaseMs: 450 };

function plan(overrides: Partial<PlanRequest> = {}) {
  return planReel({
    template: requireTemplate('memories'),
    width: 1080,
    height: 1920,
    fps: 30,
    visuals: [1, 2, 3].map((i) => ({ kind: 'still' as const, width: 900, height: 1600, label: `p${i}` })),
    aiLabel: 'visible',
    aiLabelText: 'AI-generated',
    xfade: true,
    title: 'Title',
    ...overrides,
  });
}

function assets(p: ReturnType<typeof plan>): GraphAssets {
  return {
    segments: p.segments.map((_, i) => ({ kind: 'image', file: `seg${i}.jpg` })),
    texts: p.texts.map((_, i) => ({ file: `text${i}.png`, x: 10, y: 20 })),
    voice: 'voice.wav',
    music: 'music.mp3',
  };
}

describe('reel filter graph', () => {
  it('chains xfade with offsets at each transition, overlays the texts, fades and trims to the planned frames', () => {
    const p = plan({ voiceSeconds: 3, music: true });
    const graph = renderGraph(p, assets(p), duck, null);
    const xfades = graph.filters.filter((f) => f.includes('xfade='));
    expect(xfades.map((f) => /offset=([\d.]+)/.exec(f)![1])).toEqual(p.transitions.map((t) => String(Number((t.startFrame / 30).toFixed(6)))));
    expect(graph.filters.filter((f) => f.includes('zoompan=')).length).toBe(p.segments.length);
    expect(graph.filters.some((f) => f.includes(`trim=end_frame=${p.frames}`))).toBe(true);
    // Inputs: one per segment, one per text (a single frame, held by the loop filter for its time on screen), the voice, the looped music.
    expect(graph.inputs.map((i) => i.source)).toEqual([
      ...p.segments.map((_, i) => `seg${i}.jpg`),
      'text0.png',
      'text1.png',
      'voice.wav',
      'music.mp3',
    ]);
    expect(graph.inputs.find((i) => i.source === 'music.mp3')!.options).toEqual(['-stream_loop', '-1']);
    // The music is ducked under the voice, then the two are mixed.
    expect(graph.filters.join(';')).toMatch(/sidechaincompress=threshold=0.03:ratio=8:attack=30:release=450/);
    expect(graph.filters.join(';')).toMatch(/amix=inputs=2/);
    expect(graph.video).toBe('vout');
  });

  it('without xfade: the same segments cut into head, body and tail, mixed by overlay (fade) or blend (wipe), concatenated', () => {
    const p = plan({ xfade: false });
    const graph = renderGraph(p, assets(p), duck, null);
    const text = graph.filters.join(';');
    expect(text).not.toMatch(/xfade/);
    expect(text).toMatch(/fade=t=in:st=0:d=0\.8:alpha=1/);
    expect(text).toMatch(new RegExp(`concat=n=${p.segments.length + p.transitions.length}:v=1:a=0`));
    const wipe = planReel({
      template: requireTemplate('before-after'),
      width: 1920,
      height: 1080,
      fps: 30,
      visuals: [1, 2].map((i) => ({ kind: 'still' as const, width: 1600, height: 900, label: `p${i}` })),
      aiLabel: 'off',
      aiLabelText: 'AI-generated',
      xfade: false,
    });
    const wipeGraph = renderGraph(wipe, { ...assets(wipe), divider: 'bar.png' }, duck, null);
    expect(wipeGraph.filters.join(';')).toMatch(/blend=all_expr='if\(lte\(X,W\*T\/1\.6\),B,A\)'/);
    expect(wipeGraph.inputs.some((i) => i.source === 'bar.png')).toBe(true);
  });

  it('reads streamed frames as raw video from stdin', () => {
    const p = planReel({
      template: requireTemplate('talking'),
      width: 1080,
      height: 1080,
      fps: 30,
      visuals: [{ kind: 'stream', width: 256, height: 256, seconds: 2, label: 'animation' }],
      voiceSeconds: 2,
      aiLabel: 'off',
      aiLabelText: 'AI-generated',
      xfade: true,
    });
    const graph = renderGraph(
      p,
      { segments: [{ kind: 'stream', width: 256, height: 256, fps: 25, pixelFormat: 'rgb24' }], texts: [], voice: 'v.wav' },
      duck,
      null,
    );
    expect(graph.inputs[0]).toEqual({
      source: 'stream',
      options: ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-video_size', '256x256', '-framerate', '25'],
    });
    expect(graph.filters[0]).toMatch(
      /crop=.*,scale=1080:1080:out_color_matrix=bt709:out_range=tv,format=yuv420p,fps=30,trim=end_frame=60,tpad=stop_mode=clone:stop=30/,
    );
  });

  it('measures the same mix it renders, and levels it with a constant gain (a limiter only where peaks pass the ceiling)', () => {
    const p = plan({ voiceSeconds: 3, music: true });
    const pass = loudnessPassGraph(p, 'voice.wav', 'music.mp3', duck);
    const measured = { input_i: '-20.1', input_tp: '-9.0', input_lra: '3.0', input_thresh: '-30.4', target_offset: '0.2' };
    const render = renderGraph(p, assets(p), duck, loudnessGain(measured));
    const mixOf = (filters: string[]) =>
      filters.filter((f) => /voice|music|vmix|ducked|mix\d/.test(f)).map((f) => f.replace(/\[\d+:a:0\]/g, '[in]').replace(/([a-z])\d+\]/g, '$1]'));
    expect(mixOf(pass.filters).slice(0, 5)).toEqual(mixOf(render.filters).slice(0, 5));
    expect(pass.filters.at(-1)).toMatch(/loudnorm=I=-14:TP=-1\.5:LRA=20:print_format=json/);
    // −20.1 → −14: +6.1 dB, and the peaks (−9 + 6.1) stay under the −2 dBFS ceiling: no limiter.
    expect(render.filters.join(';')).toMatch(/aresample=48000,volume=6\.1dB,aformat/);
    const hot = loudnessGain({ ...measured, input_tp: '-3.0' });
    expect(hot.limit).toBe(true);
    expect(hot.gainDb).toBeCloseTo(6.1, 6);
    expect(renderGraph(p, assets(p), duck, hot).filters.join(';')).toMatch(/volume=6\.1dB,alimiter=limit=0\.794328:.*level=false/);
    // Peaks that would need more than the limiter's allowance: the gain stops there.
    expect(loudnessGain({ ...measured, input_i: '-40', input_tp: '-1' }).gainDb).toBeCloseTo(-2 + 1 + MAX_LIMITING_DB, 6);
  });
});
