import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = import.meta.dirname;

function keys(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

/** Plural forms differ by language (English _one/_other, Chinese only _other): compare their stems. */
function stems(list: string[]): Set<string> {
  return new Set(list.map((k) => k.replace(/_(zero|one|two|few|many|other)$/, '')));
}

function load(language: string): Record<string, string[]> {
  const dir = join(root, language);
  return Object.fromEntries(readdirSync(dir).map((file) => [file, keys(JSON.parse(readFileSync(join(dir, file), 'utf8')))]));
}

describe('UI strings', () => {
  it('exist in English and Simplified Chinese for every area and key', () => {
    const en = load('en');
    const zh = load('zh-CN');
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const file of Object.keys(en)) {
      expect([...stems(zh[file]!)].sort(), `zh-CN/${file}`).toEqual([...stems(en[file]!)].sort());
    }
  });
});
