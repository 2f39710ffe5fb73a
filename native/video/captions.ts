import { StudioError } from '../api/errors';

/** One caption on screen from `start` to `end` (seconds). */
export interface CaptionCue {
  start: number;
  end: number;
  text: string;
}

const timestamp = /(\d{1,2}):(\d{2}):(\d{2})[,.](\d{1,3})/;

function seconds(match: RegExpExecArray): number {
  const [, h, m, s, ms] = match;
  return Number(h) * 3600 + Number(m) * 60 + Number(s) + Number(ms!.padEnd(3, '0')) / 1000;
}

/** Parses SubRip (.srt) text: numbered blocks of `00:00:01,000 --> 00:00:03,500` and one or more lines. */
export function parseSrt(source: string): CaptionCue[] {
  const cues: CaptionCue[] = [];
  const blocks = source
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/);
  for (const block of blocks) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    const timingIndex = lines.findIndex((l) => l.includes('-->'));
    if (timingIndex < 0) continue;
    const [left, right] = lines[timingIndex]!.split('-->');
    const from = timestamp.exec(left ?? '');
    const to = timestamp.exec(right ?? '');
    if (!from || !to) {
      throw new StudioError(
        'INVALID_INPUT',
        `This caption timing is not SubRip: “${lines[timingIndex]}”.`,
        'Write times as 00:00:01,000 --> 00:00:03,500.',
      );
    }
    // Basic inline tags (<i>, <b>, <font …>) are dropped: captions have one style.
    const text = lines
      .slice(timingIndex + 1)
      .join('\n')
      .replace(/<[^>]+>/g, '')
      .trim();
    const start = seconds(from);
    const end = seconds(to);
    if (text && end > start) cues.push({ start, end, text });
  }
  if (!cues.length) {
    throw new StudioError('INVALID_INPUT', 'The captions file has no cues.', 'Use a SubRip (.srt) file, or type the captions as plain text.');
  }
  return cues.sort((a, b) => a.start - b.start);
}

/** Han, kana and Hangul count as wide: they take about twice the width of a Latin letter. */
const wide = /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/u;

/** The width of text in "Latin letters" (a wide character counts 2), for splitting and timing. */
export function textWeight(text: string): number {
  let weight = 0;
  for (const char of text) weight += wide.test(char) ? 2 : /\s/.test(char) ? 0.5 : 1;
  return weight;
}

/**
 * Splits plain text into caption chunks of at most `maxWeight` (≈ two short lines): first at sentence ends
 * and line breaks, then at commas, then at spaces (Latin) or anywhere (CJK has no spaces).
 */
export function splitCaptionText(text: string, maxWeight = 64): string[] {
  const sentences = text
    .replace(/\r\n?/g, '\n')
    .split(/(?<=[.!?。！？；;…])\s*|\n+/u)
    .map((s) => s.trim())
    .filter(Boolean);
  const chunks: string[] = [];
  const splitLong = (piece: string, separators: RegExp[]): void => {
    if (textWeight(piece) <= maxWeight) {
      chunks.push(piece);
      return;
    }
    const [separator, ...rest] = separators;
    if (!separator) {
      // No separator left (a long run of CJK): cut by weight.
      let current = '';
      for (const char of piece) {
        if (textWeight(current + char) > maxWeight) {
          chunks.push(current);
          current = '';
        }
        current += char;
      }
      if (current.trim()) chunks.push(current.trim());
      return;
    }
    const parts = piece.split(separator).filter((p) => p.trim() !== '');
    if (parts.length < 2) {
      splitLong(piece, rest);
      return;
    }
    let current = '';
    for (const part of parts) {
      const joined = current ? `${current}${/^[,，、]/.test(part) || /[，、]$/.test(current) ? '' : ' '}${part}`.trim() : part.trim();
      if (current && textWeight(joined) > maxWeight) {
        splitLong(current, rest);
        current = part.trim();
      } else current = joined;
    }
    if (current) splitLong(current, rest);
  };
  for (const sentence of sentences) splitLong(sentence, [/(?<=[,，、:：])\s*/u, /\s+/u]);
  return chunks;
}

/** Times plain-text chunks across `[start, end]` in proportion to their length (longer text stays longer). */
export function timeCaptionText(text: string, start: number, end: number): CaptionCue[] {
  const chunks = splitCaptionText(text);
  if (!chunks.length || end <= start) return [];
  const weights = chunks.map((c) => Math.max(4, textWeight(c)));
  const total = weights.reduce((a, b) => a + b, 0);
  const cues: CaptionCue[] = [];
  let at = start;
  chunks.forEach((chunk, i) => {
    const length = ((end - start) * weights[i]!) / total;
    cues.push({ start: at, end: at + length, text: chunk });
    at += length;
  });
  return cues;
}
