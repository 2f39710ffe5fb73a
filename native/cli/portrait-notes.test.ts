import { describe, expect, it } from 'vitest';
import { fallbackNotes } from './commands/restore';

describe('likeness restore/animate fallback notes', () => {
  it('say once per provider which models could not use it, and why', () => {
    const cuda = 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library';
    const webgpu = 'Failed to get a WebGPU adapter: No supported adapters';
    const notes = fallbackNotes([
      { model: 'GFPGAN 1.4', provider: 'cuda', reason: cuda },
      { model: 'GFPGAN 1.4', provider: 'webgpu', reason: webgpu },
      { model: 'DDColor', provider: 'cuda', reason: cuda, remembered: true },
      { model: 'DDColor', provider: 'webgpu', reason: webgpu, remembered: true },
      { model: 'LivePortrait generator', provider: 'webgpu', reason: 'GridSample (5-D) is not supported' },
    ]);
    expect(notes).toEqual([
      `note: cuda could not be used for GFPGAN 1.4, DDColor (${cuda}); the next provider ran them.`,
      `note: webgpu could not be used for GFPGAN 1.4, DDColor (${webgpu}); the next provider ran them.`,
      'note: webgpu could not be used for LivePortrait generator (GridSample (5-D) is not supported); the next provider ran them.',
    ]);
  });
});
