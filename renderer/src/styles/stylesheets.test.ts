import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Vite bundles every feature stylesheet into one CSS file, so a class that two features both style is styled by
 * whichever file comes last — on both pages. (Generate's LoRA list once took People's column layout, and People's
 * filter chips Review's size.) Each feature's rules start from classes of its own; shared looks live in app.css.
 */
const stylesDir = import.meta.dirname;

/** The class each selector starts from (`.lora-list li` → lora-list), per feature stylesheet. */
function anchorClasses(css: string): Set<string> {
  const anchors = new Set<string>();
  const withoutComments = css.replace(/\/\*[\s\S]*?\*\//g, '');
  for (const match of withoutComments.matchAll(/([^{}]+)\{/g)) {
    const prelude = match[1]!.trim();
    if (prelude.startsWith('@')) continue;
    for (const selector of prelude.split(',')) {
      const anchor = /^\.([\w-]+)/.exec(selector.trim());
      if (anchor) anchors.add(anchor[1]!);
    }
  }
  return anchors;
}

describe('feature stylesheets', () => {
  it('do not style the same class as another feature', () => {
    const files = readdirSync(stylesDir).filter((f) => f.endsWith('.css') && f !== 'app.css');
    expect(files).toEqual(expect.arrayContaining(['people.css', 'generate.css', 'review.css']));
    const owners = new Map<string, string[]>();
    for (const file of files) {
      for (const anchor of anchorClasses(readFileSync(join(stylesDir, file), 'utf8'))) {
        owners.set(anchor, [...(owners.get(anchor) ?? []), file]);
      }
    }
    const shared = [...owners].filter(([, list]) => list.length > 1).map(([a, l]) => `.${a}: ${l.join(', ')}`);
    expect(shared).toEqual([]);
  });

  it('finds the class a selector starts from', () => {
    expect([...anchorClasses('.a li, .b:hover { x: 1 } @media (max-width: 9px) { .c { y: 2 } } /* .d { } */')]).toEqual(['a', 'b', 'c']);
  });
});
