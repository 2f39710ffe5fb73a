import { describe, expect, it } from 'vitest';
import { loraTags, MAX_PARAMETERS_TEXT, parseA1111Parameters, parseSettings } from './a1111';
import { parseComfyPrompt } from './comfyui';
import { readExifText } from './exif';
import { parseFooocusJson } from './fooocus';
import { extractProvenance } from './index';
import { parseInvokeMetadata } from './invokeai';

/**
 * Hostile and broken metadata, generated here: every provenance parser must finish in linear time and never
 * throw. The budget is a hang detector, not a speed target: the backtracking A1111 pattern this replaced took
 * 34 s on 200 kB of "a a a …" (and 139 ms on 16 kB), so anything super-linear blows far past it at 250 kB.
 */
const BUDGET_MS = 2_000;
const SIZE = 250 * 1024;

function fill(unit: string, size = SIZE): string {
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function timed<T>(what: string, run: () => T): T {
  const started = performance.now();
  const result = run();
  const ms = performance.now() - started;
  expect(ms, `${what} took ${ms.toFixed(0)} ms`).toBeLessThan(BUDGET_MS);
  return result;
}

const hostileTexts: Record<string, string> = {
  'repeated words': fill('a '),
  'keys without values': fill('a: '),
  'keys without colons': fill('Steps '),
  'settings pairs': fill('Steps: 1, '),
  'unclosed quote': `Steps: 1, Lora hashes: "${fill('a\\"')}`,
  'lora tags without an end': fill('<lora:'),
  'lora tags with colons': fill('<lora:a:'),
  'long key': `${fill('k', SIZE - 10)}: value, `,
  'nested angle brackets': fill('<<<>>>:'),
  'many lines': fill('Negative prompt: x\n'),
  'NUL bytes': fill('\0'),
  unicode: fill('漢字: 値, '),
  'one long line with a settings tail': `${fill('word ', SIZE - 100)}\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512`,
};

describe('provenance parsers on hostile input', () => {
  it('read A1111 parameters, settings lines and LoRA tags in linear time', () => {
    for (const [what, text] of Object.entries(hostileTexts)) {
      const result = timed(`A1111 ${what}`, () => parseA1111Parameters(text));
      expect(result.generator, what).toMatch(/a1111|fooocus/);
      timed(`settings ${what}`, () => parseSettings(text));
      timed(`lora tags ${what}`, () => loraTags(text));
    }
  });

  it('still reads what A1111 writes, quoted values with commas included (modules/infotext_utils.py re_param)', () => {
    const settings = parseSettings('Steps: 20, Sampler: DPM++ 2M, Lora hashes: "a: 111, b: 222", CFG scale: 7, Size: 512x768, junk, Seed: 3');
    expect(Object.fromEntries(settings)).toEqual({
      Steps: '20',
      Sampler: 'DPM++ 2M',
      'Lora hashes': 'a: 111, b: 222',
      'CFG scale': '7',
      Size: '512x768',
      Seed: '3',
    });
    expect(loraTags('x <lora:face:0.8> y <lora:style> <lora:broken <lora:late:1:te>')).toEqual([
      { name: 'face', weight: '0.8' },
      { name: 'style', weight: undefined },
      { name: 'late', weight: '1' },
    ]);
  });

  it('does not parse parameters larger than the cap (a broken or hostile file), and keeps them verbatim', () => {
    const huge = `prompt\n${fill('x', MAX_PARAMETERS_TEXT)}\nSteps: 20, Seed: 1`;
    const result = timed('huge parameters', () => extractProvenance({ texts: [{ keyword: 'parameters', text: huge }] }));
    expect(result.provenance?.seed ?? null).toBeNull();
    expect(result.raw.parameters).toBe(huge);
  });

  it('read ComfyUI graphs with cycles, self-links, missing nodes and thousands of nodes', () => {
    const cycle = {
      '1': { class_type: 'KSampler', inputs: { seed: ['2', 0], positive: ['3', 0], negative: ['3', 0], steps: ['1', 0], cfg: 7 } },
      '2': { class_type: 'Primitive', inputs: { value: ['2', 0] } },
      '3': { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['3', 0], conditioning_2: ['4', 0] } },
    };
    timed('cyclic graph', () => parseComfyPrompt(cycle as never));
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 20_000; i++)
      wide[String(i)] = { class_type: 'ConditioningCombine', inputs: { conditioning_1: [String(i + 1), 0], conditioning_2: [String(i + 2), 0] } };
    wide.s = { class_type: 'KSampler', inputs: { positive: ['0', 0], negative: ['1', 0] } };
    timed('fan-out graph', () => parseComfyPrompt(wide as never));
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    timed('deeply nested JSON', () => extractProvenance({ texts: [{ keyword: 'prompt', text: deep }] }));
  });

  it('read Fooocus, InvokeAI and EXIF metadata of any shape', () => {
    timed('Fooocus long resolution', () => parseFooocusJson({ resolution: fill('1'), prompt: 1, seed: {}, steps: [] }));
    timed('Fooocus digits and gaps', () => parseFooocusJson({ resolution: fill('1x') }));
    timed('InvokeAI odd types', () => parseInvokeMetadata({ positive_prompt: [], seed: 'x', width: {}, loras: 'none', model: 5 } as never));
    const zeros = Buffer.concat([Buffer.from('ASCII\0\0\0'), Buffer.alloc(SIZE), Buffer.from('a')]);
    for (const [what, exif] of Object.entries({
      'NULs then a letter': zeros,
      'random bytes': Buffer.from(Array.from({ length: SIZE }, (_, i) => (i * 7919) % 256)),
      'a truncated header': Buffer.from('Exif\0\0MM'),
      empty: Buffer.alloc(0),
    })) {
      timed(`EXIF ${what}`, () => readExifText(exif));
      timed(`extract ${what}`, () => extractProvenance({ texts: [], exif }));
    }
  });
});
