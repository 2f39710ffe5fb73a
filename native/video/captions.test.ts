import { describe, expect, it } from 'vitest';
import { parseSrt, splitCaptionText, textWeight, timeCaptionText } from './captions';

describe('captions', () => {
  it('parses SubRip with CRLF, a BOM, inline tags and several lines, in time order', () => {
    const srt = '\uFEFF2\r\n00:00:03,500 --> 00:00:05,000\r\n<i>第二句</i>\r\n\r\n1\r\n00:00:00,250 --> 00:00:02.000\r\nHello,\r\nGrandpa\r\n';
    expect(parseSrt(srt)).toEqual([
      { start: 0.25, end: 2, text: 'Hello,\nGrandpa' },
      { start: 3.5, end: 5, text: '第二句' },
    ]);
  });

  it('refuses a file without cues, and a timing that is not SubRip, saying how to write one', () => {
    expect(() => parseSrt('just some words')).toThrow(/no cues/);
    expect(() => parseSrt('1\n0:01 --> 0:02\nHi')).toThrow(
      expect.objectContaining({ message: expect.stringMatching(/not SubRip/), hint: expect.stringMatching(/00:00:01,000 --> 00:00:03,500/) }),
    );
  });

  it('counts CJK characters as wide', () => {
    expect(textWeight('ab')).toBe(2);
    expect(textWeight('你好')).toBe(4);
  });

  it('splits text at sentences, then commas, then spaces; long CJK runs by width', () => {
    expect(splitCaptionText('One. Two! Three?')).toEqual(['One.', 'Two!', 'Three?']);
    const long = 'This sentence is long enough that it must be split somewhere, preferably at the comma, and not in a word';
    const chunks = splitCaptionText(long, 40);
    for (const chunk of chunks) expect(textWeight(chunk)).toBeLessThanOrEqual(40);
    expect(chunks.join(' ').replace(/\s+/g, ' ')).toBe(long);
    const cjk = '我们一家人在一九五二年的夏天搬到了海边的小镇爷爷每天早上都会去码头看渔船回来';
    const cjkChunks = splitCaptionText(cjk, 20);
    expect(cjkChunks.length).toBeGreaterThan(3);
    for (const chunk of cjkChunks) expect(textWeight(chunk)).toBeLessThanOrEqual(20);
    expect(cjkChunks.join('')).toBe(cjk);
  });

  it('times chunks back to back over the span, longer text longer', () => {
    const cues = timeCaptionText('Hi. This one is a good deal longer than the first.', 2, 8);
    expect(cues[0]!.start).toBe(2);
    expect(cues.at(-1)!.end).toBeCloseTo(8);
    expect(cues[1]!.start).toBeCloseTo(cues[0]!.end);
    expect(cues[1]!.end - cues[1]!.start).toBeGreaterThan(cues[0]!.end - cues[0]!.start);
  });
});
