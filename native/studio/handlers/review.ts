import type { StudioHandlers } from '../../api/contract';
import type { StudioContext } from './context';

export function reviewHandlers({ catalog, events }: StudioContext): StudioHandlers['review'] {
  return {
    set: async (patch) => {
      const updated = catalog.outputs.setReview(patch);
      events.emit({ type: 'review:changed', payload: { ids: patch.ids } });
      return { updated };
    },
  };
}
