import { describe, expect, expectTypeOf, it } from 'vitest';
import { channelOf, channels, httpPathOf, studioContract, type Channel, type StudioApi } from './contract';
import type { Job, OutputPage, Person } from './schemas';
import { eventTypes, type StudioEvent } from './events';

describe('StudioApi contract', () => {
  it('derives one unique channel per method, in namespace:method form, and the HTTP route from it', () => {
    const names = channels.map((c) => c.channel);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toContain('catalog:import');
    for (const { channel, namespace, method } of channels) {
      expect(channel).toBe(`${namespace}:${method}`);
      expect(Object.keys(studioContract[namespace])).toContain(method);
    }
    expect(httpPathOf('people:create')).toBe('/api/people/create');
    expect(channelOf('jobs', 'cancel')).toBe('jobs:cancel');
    expect(eventTypes).toEqual(expect.arrayContaining(['job:progress', 'job:finished', 'output:added']));
  });

  it('types every method from its schemas (checked by tsc; the @ts-expect-error lines must stay errors)', () => {
    expectTypeOf<StudioApi['people']['create']>().parameter(0).toMatchTypeOf<{ name: string }>();
    expectTypeOf<StudioApi['people']['create']>().returns.resolves.toEqualTypeOf<Person>();
    expectTypeOf<StudioApi['catalog']['import']>().returns.resolves.toEqualTypeOf<Job>();
    expectTypeOf<StudioApi['catalog']['listOutputs']>().returns.resolves.toEqualTypeOf<OutputPage>();
    expectTypeOf<'catalog:import'>().toMatchTypeOf<Channel>();
    expectTypeOf<'catalog:delete'>().not.toMatchTypeOf<Channel>();

    const api = {} as StudioApi;
    const typeOnly = () => {
      // Methods without required input may be called bare; the others may not.
      void api.people.list();
      void api.catalog.listOutputs();
      // @ts-expect-error a person needs a name
      void api.people.create({});
      // @ts-expect-error flags are pick or reject
      void api.review.set({ ids: [1], flag: 'maybe' });
      // @ts-expect-error no such namespace
      void api.billing;
    };
    expect(typeof typeOnly).toBe('function');

    const event = {} as StudioEvent;
    if (event.type === 'job:progress') expectTypeOf(event.payload.progress).toEqualTypeOf<number>();
  });

  it('validates inputs with zod (defaults applied, bad values refused)', () => {
    expect(studioContract.catalog.import.input.parse({ path: '/x' })).toEqual({ path: '/x', recursive: true });
    expect(studioContract.people.create.input.safeParse({ name: 'Ann', trigger: 'Not One Word' }).success).toBe(false);
    expect(studioContract.catalog.listOutputs.input.parse({})).toMatchObject({ sort: 'newest', offset: 0, limit: 100 });
  });
});
