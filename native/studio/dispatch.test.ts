import { describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatch';
import type { StudioHandlers } from '../api/contract';

describe('dispatch of invalid input', () => {
  it('names the field and gives a hint that makes sense in the CLI and the UI alike (nothing is “highlighted” there)', async () => {
    const dispatch = createDispatcher({} as StudioHandlers);
    const envelope = await dispatch('catalog:listOutputs', { limit: 100_000 });
    expect(envelope.ok).toBe(false);
    if (envelope.ok) return;
    expect(envelope.error.code).toBe('INVALID_INPUT');
    expect(envelope.error.message).toMatch(/^limit: /);
    expect(envelope.error.hint).toBe('Correct the value named before the colon and try again.');
  });
});
