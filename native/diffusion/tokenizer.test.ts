import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedFile } from '../testing/shared-data';
import { byteToUnicode, ClipTokenizer, cleanText, vocabFromBpe } from './tokenizer';

const bpe = sharedFile('tokenizers/clip/bpe_simple_vocab_16e6.txt.gz');
const dir = mkdtempSync(join(tmpdir(), 'likeness-tokenizer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('text clean-up and byte mapping', () => {
  it('maps the 256 bytes to distinct printable characters, printable Latin-1 to itself', () => {
    const table = byteToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[0x41]).toBe('A');
    expect(table[0x20]).toBe('Ġ'); // space is byte 32, the 33rd shifted: U+0100 + 32
    expect(table[0x0a]).toBe('Ċ');
  });

  it('unescapes HTML, straightens quotes, collapses whitespace and lower-cases', () => {
    expect(cleanText('  A&amp;B\t\t&lt;tag&gt;  ')).toBe('a&b <tag>');
    expect(cleanText('It’s “fine”')).toBe('it\'s "fine"');
    expect(cleanText('ＡＢＣ')).toBe('abc');
    expect(cleanText('e\u0301')).toBe('é'); // NFC
  });
});

describe('a tokenizer from a small vocab (the transformers CLIP test vocab)', () => {
  // The toy vocab and merges of transformers' tests/models/clip/test_tokenization_clip.py (setUpClass).
  const vocab = [
    'l',
    'o',
    'w',
    'e',
    'r',
    's',
    't',
    'i',
    'd',
    'n',
    'lo',
    'l</w>',
    'w</w>',
    'r</w>',
    't</w>',
    'low</w>',
    'er</w>',
    'lowest</w>',
    'newer</w>',
    'wider',
    '<unk>',
    '<|startoftext|>',
    '<|endoftext|>',
  ];
  const folder = join(dir, 'toy');
  it('reads vocab.json, merges.txt and the pad token from a tokenizer folder', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'vocab.json'), JSON.stringify(Object.fromEntries(vocab.map((v, i) => [v, i]))));
    writeFileSync(join(folder, 'merges.txt'), '#version: 0.2\nl o\nlo w</w>\ne r</w>\n');
    writeFileSync(join(folder, 'tokenizer_config.json'), JSON.stringify({ pad_token: { content: '<|endoftext|>' }, model_max_length: 8 }));
    const tokenizer = ClipTokenizer.fromFolder(folder);
    // "lower newer" → lo w er</w>, n e w er</w> with these three merges.
    expect(tokenizer.tokenize('lower newer')).toEqual(['lo', 'w', 'er</w>', 'n', 'e', 'w', 'er</w>']);
    expect(tokenizer.encode('lower')).toEqual({ ids: [21, 10, 2, 16, 22, 22, 22, 22], tokenCount: 3, truncated: false });
  });

  it('names a missing file of the tokenizer folder', () => {
    expect(() => ClipTokenizer.fromFolder(join(dir, 'nowhere'))).toThrow(/has no vocab\.json/);
  });
});

describe.skipIf(bpe.missing)('the CLIP tokenizer built from OpenAI’s bpe_simple_vocab_16e6.txt.gz', () => {
  const tokenizer = bpe.missing ? undefined! : ClipTokenizer.fromBpeFile(bpe.path);
  const sd2 = bpe.missing ? undefined! : ClipTokenizer.fromBpeFile(bpe.path, { padToken: '!' });

  it('has the 49,408 entries of CLIP with BOS 49406, EOS 49407 and "!" at 0', () => {
    const { vocab } = vocabFromBpe(readFileSync(bpe.path));
    expect(vocab.size).toBe(49408);
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.padId, sd2.padId]).toEqual([49406, 49407, 49407, 0]);
  });

  it('matches the reference ids of "a photo of a cat" (CLIP model card; Bumblebee and transformers tests)', () => {
    // [49406, 320, 1125, 539, 320, 2368, 49407]: elixir-nx/bumblebee test/bumblebee/text/clip_tokenizer_test.exs.
    expect(tokenizer.encode('a photo of a cat').ids.slice(0, 7)).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(tokenizer.encode('a photo of a dog').ids.slice(0, 7)).toEqual([49406, 320, 1125, 539, 320, 1929, 49407]);
  });

  it('matches transformers’ integration vector: punctuation, repeated spaces and newlines, accents, Chinese, Thai, an emoji', () => {
    // transformers tests/models/clip/test_tokenization_clip.py (integration_expected_tokens / _token_ids) on the master
    // input string of tests/test_tokenization_common.py.
    const input =
      'This is a test 😊\nI was born in 92000, and this is falsé.\n生活的真谛是\nHi  Hello\nHi   Hello\n\n \n  \n Hello\n<s>\nhi<s>there\nThe following string should be properly encoded: Hello.\nBut ird and ปี   ird   ด\nHey how are you doing';
    const expectedTokens = ['this</w>', 'is</w>', 'a</w>', 'test</w>', 'ðŁĺĬ</w>', 'i</w>', 'was</w>', 'born</w>', 'in</w>', '9</w>', '2</w>', '0</w>', '0</w>', '0</w>', ',</w>', 'and</w>', 'this</w>', 'is</w>', 'fal', 's', 'Ã©</w>', '.</w>', 'çĶŁ', 'æ', '´', '»', 'ç', 'ļ', 'Ħ', 'çľŁ', 'è', '°', 'Ľ', 'æĺ', '¯</w>', 'hi</w>', 'hello</w>', 'hi</w>', 'hello</w>', 'hello</w>', '<</w>', 's</w>', '></w>', 'hi</w>', '<</w>', 's</w>', '></w>', 'there</w>', 'the</w>', 'following</w>', 'string</w>', 'should</w>', 'be</w>', 'properly</w>', 'en', 'coded</w>', ':</w>', 'hello</w>', '.</w>', 'but</w>', 'ird</w>', 'and</w>', 'à¸', 'Ľ</w>', 'à¸µ</w>', 'ird</w>', 'à¸Ķ</w>', 'hey</w>', 'how</w>', 'are</w>', 'you</w>', 'doing</w>']; // prettier-ignore
    const expectedIds = [589, 533, 320, 1628, 3020, 328, 739, 2683, 530, 280, 273, 271, 271, 271, 267, 537, 589, 533, 2778, 82, 4166, 269, 33375, 162, 112, 119, 163, 248, 226, 41570, 164, 108, 249, 42891, 363, 1883, 3306, 1883, 3306, 3306, 283, 338, 285, 1883, 283, 338, 285, 997, 518, 3473, 9696, 1535, 655, 12560, 524, 33703, 281, 3306, 269, 767, 2770, 537, 1777, 505, 20278, 2770, 38825, 2189, 829, 631, 592, 1960]; // prettier-ignore
    expect(tokenizer.tokenize(input)).toEqual(expectedTokens);
    expect(tokenizer.tokenIds(input)).toEqual(expectedIds);
  });

  it('splits contractions and punctuation the way the CLIP pattern says', () => {
    // Hand-checkable: letters runs, then "'t" / "'s" as their own pieces, each piece ending in </w>.
    expect(tokenizer.tokenize("Don't, it's Ada's!!")).toEqual(['don</w>', "'t</w>", ',</w>', 'it</w>', "'s</w>", 'ada</w>', "'s</w>", '!!</w>']);
    expect(tokenizer.tokenize('The quick brown fox jumps over the lazy dog.')).toEqual([
      'the</w>', 'quick</w>', 'brown</w>', 'fox</w>', 'jumps</w>', 'over</w>', 'the</w>', 'lazy</w>', 'dog</w>', '.</w>',
    ]); // prettier-ignore
    // Repeated spaces and tabs change nothing; digits are one token each.
    expect(tokenizer.tokenIds('a   photo\t\tof  a cat')).toEqual(tokenizer.tokenIds('a photo of a cat'));
    expect(tokenizer.tokenize('1990s')).toEqual(['1</w>', '9</w>', '9</w>', '0</w>', 's</w>']);
  });

  it('truncates to 77 ids (BOS + 75 + EOS) and pads with the pad token the model names', () => {
    const long = Array.from({ length: 100 }, () => 'cat').join(' ');
    const encoded = tokenizer.encode(long);
    expect(encoded.ids).toHaveLength(77);
    expect(encoded.ids[0]).toBe(49406);
    expect(encoded.ids.slice(1, 76).every((id) => id === 2368)).toBe(true);
    expect(encoded.ids[76]).toBe(49407);
    expect(encoded).toMatchObject({ tokenCount: 100, truncated: true });

    const short = tokenizer.encode('a cat');
    expect(short.ids.slice(0, 4)).toEqual([49406, 320, 2368, 49407]);
    expect(short.ids.slice(4).every((id) => id === 49407)).toBe(true);
    const padded = sd2.encode('a cat');
    expect(padded.ids.slice(0, 4)).toEqual([49406, 320, 2368, 49407]);
    expect(padded.ids.slice(4).every((id) => id === 0)).toBe(true);
  });
});
