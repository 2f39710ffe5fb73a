import type { StudioHandlers } from '../../api/contract';
import type { StudioContext } from './context';

export function peopleHandlers({ catalog, events }: StudioContext): StudioHandlers['people'] {
  const changed = (personId: number) => events.emit({ type: 'people:changed', payload: { personId } });
  return {
    list: async () => catalog.people.list(),
    get: async ({ id }) => catalog.people.get(id),
    create: async (draft) => {
      const person = catalog.people.create(draft);
      changed(person.id);
      return person;
    },
    update: async (patch) => {
      const person = catalog.people.update(patch);
      changed(person.id);
      return person;
    },
    remove: async ({ id }) => {
      const removed = catalog.people.remove(id);
      if (removed) changed(id);
      return { removed };
    },
  };
}
