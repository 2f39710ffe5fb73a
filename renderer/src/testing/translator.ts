/// <reference types="vite/client" />
import i18next, { type TFunction } from 'i18next';

// The same files the app loads, read through Vite (tests run under Vitest), so no Node module is needed here.
const files = import.meta.glob<Record<string, unknown>>('../locales/*/*.json', { eager: true, import: 'default' });

/** A `t` for one language with every area's strings, for tests of functions that take the app's `t`. */
export async function translator(language: string): Promise<TFunction> {
  const translation = Object.fromEntries(
    Object.entries(files).flatMap(([path, strings]) => {
      const match = /locales\/([^/]+)\/([^/]+)\.json$/.exec(path);
      return match?.[1] === language ? [[match[2]!, strings]] : [];
    }),
  );
  const instance = i18next.createInstance();
  await instance.init({ lng: language, resources: { [language]: { translation } }, interpolation: { escapeValue: false } });
  return instance.t;
}
