import { z } from 'zod';
import { method } from '../method';
import { Empty, Id, Person, PersonDraft, PersonPatch } from '../schemas';

export const peopleApi = {
  list: method(Empty, z.array(Person)),
  get: method(z.object({ id: Id }), Person),
  create: method(PersonDraft, Person),
  update: method(PersonPatch, Person),
  remove: method(z.object({ id: Id }), z.object({ removed: z.boolean() })),
};
