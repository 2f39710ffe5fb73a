import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { channelOf, channels, httpPathOf, studioContract, type Channel, type StudioApi } from './contract';
import type { Job, OutputPage } from './schemas';
import type { Person } from './namespaces/people';
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

  it('types every method from its schemas', () => {
    expectTypeOf<StudioApi['people']['create']>().parameter(0).toMatchTypeOf<{ name: string }>();
    expectTypeOf<StudioApi['people']['create']>().returns.resolves.toEqualTypeOf<Person>();
    expectTypeOf<StudioApi['catalog']['import']>().returns.resolves.toEqualTypeOf<Job>();
    expectTypeOf<StudioApi['catalog']['listOutputs']>().returns.resolves.toEqualTypeOf<OutputPage>();
    expectTypeOf<'catalog:import'>().toMatchTypeOf<Channel>();
    expectTypeOf<'catalog:delete'>().not.toMatchTypeOf<Channel>();

    const event = {} as StudioEvent;
    if (event.type === 'job:progress') expectTypeOf(event.payload.progress).toEqualTypeOf<number>();
  });

  it('refuses bad calls at compile time: the TypeScript compiler itself reports each one, and accepts the good ones', () => {
    // A caller of the contract, compiled here with the project's own compiler settings (not merely type-annotated).
    const caller = join(import.meta.dirname, '__contract-caller.ts');
    const lines = [
      "import type { StudioApi } from './contract';",
      'declare const api: StudioApi;',
      'void api.people.list();', // no required input: may be called bare
      'void api.catalog.listOutputs();',
      "void api.people.create({ name: 'Ann' });",
      'void api.people.create({});', // 5: a person needs a name
      "void api.review.set({ ids: [1], flag: 'maybe' });", // 6: flags are pick or reject
      'void api.billing;', // 7: no such namespace
      'void api.catalog.import();', // 8: an import needs a path
    ];
    const config = ts.getParsedCommandLineOfConfigFile(
      join(import.meta.dirname, '..', '..', 'tsconfig.json'),
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
    )!;
    const host = ts.createCompilerHost(config.options);
    const readFile = host.readFile.bind(host);
    host.readFile = (file) => (resolve(file) === caller ? lines.join('\n') : readFile(file));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (file) => resolve(file) === caller || fileExists(file);
    const program = ts.createProgram([caller], { ...config.options, noEmit: true, skipLibCheck: true }, host);
    const errorLines = ts
      .getPreEmitDiagnostics(program, program.getSourceFile(caller))
      .map((d) => d.file!.getLineAndCharacterOfPosition(d.start!).line)
      .sort((x, y) => x - y);
    expect([...new Set(errorLines)]).toEqual([5, 6, 7, 8]);
  });

  it('validates inputs with zod (defaults applied, bad values refused)', () => {
    expect(studioContract.catalog.import.input.parse({ path: '/x' })).toEqual({ path: '/x', recursive: true });
    expect(studioContract.people.create.input.safeParse({ name: 'Ann', trigger: 'Not One Word' }).success).toBe(false);
    expect(studioContract.catalog.listOutputs.input.parse({})).toMatchObject({ sort: 'newest', offset: 0, limit: 100 });
  });
});
