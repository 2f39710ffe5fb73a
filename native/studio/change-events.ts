import type { z } from 'zod';
import type { MethodOutput, MethodName, Namespace, StudioContract } from '../api/contract';
import type { StudioEvent } from '../api/events';

type Parsed<N extends Namespace, M extends MethodName<N>> = StudioContract[N][M] extends { input: infer I extends z.ZodType } ? z.output<I> : never;

/** What a method changed, from its input and what it returned: the events the dispatcher sends once it succeeded. */
type Changes = {
  [N in Namespace]?: { [M in MethodName<N>]?: (input: Parsed<N, M>, output: MethodOutput<N, M>) => StudioEvent[] };
};

const catalogChanged = (ids: readonly number[], change: 'trashed' | 'restored' | 'collections'): StudioEvent[] =>
  ids.length ? [{ type: 'catalog:changed', payload: { ids: [...ids], change } }] : [];
const reviewChanged = (ids: readonly number[]): StudioEvent[] => (ids.length ? [{ type: 'review:changed', payload: { ids: [...ids] } }] : []);
const peopleChanged = (personIds: Iterable<number>): StudioEvent[] =>
  [...new Set(personIds)].map((personId) => ({ type: 'people:changed', payload: { personId } }));

/**
 * Every method that changes what other windows show, declared in one place (the dispatcher emits these after
 * the method returned, for every host: HTTP, Electron, the in-process client). Jobs send their own events as
 * they run; methods not listed change nothing another window needs to hear of.
 */
export const changeEvents: Changes = {
  catalog: {
    trash: (_input, output) => catalogChanged(output.ids, 'trashed'),
    restore: (_input, output) => catalogChanged(output.ids, 'restored'),
    addToCollection: (input) => catalogChanged(input.ids, 'collections'),
    removeFromCollection: (input) => catalogChanged(input.ids, 'collections'),
  },
  review: {
    set: (_input, output) => reviewChanged(output.after.map((s) => s.id)),
    put: (_input, output) => reviewChanged(output.after.map((s) => s.id)),
  },
  people: {
    create: (_input, person) => peopleChanged([person.id]),
    update: (_input, person) => peopleChanged([person.id]),
    remove: (input, output) => (output.removed ? peopleChanged([input.id]) : []),
    override: (_input, photos) => peopleChanged(photos.map((p) => p.personId)),
    setCaption: (_input, photo) => peopleChanged([photo.personId]),
    nudgeCrop: (_input, photo) => peopleChanged([photo.personId]),
    chooseFace: (_input, job) => peopleChanged([(job.input as { personId: number }).personId]),
    removePhotos: (_input, output) => peopleChanged(output.personIds),
    freeze: (_input, detail) => peopleChanged([detail.personId]),
  },
};

export function eventsFor(namespace: string, method: string, input: unknown, output: unknown): StudioEvent[] {
  const declared = (changeEvents as Record<string, Record<string, ((i: unknown, o: unknown) => StudioEvent[]) | undefined> | undefined>)[namespace]?.[
    method
  ];
  return declared ? declared(input, output) : [];
}
