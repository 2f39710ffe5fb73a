import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { StudioError } from '../api/errors';

/**
 * The CLIP byte-level BPE tokenizer (Radford et al., "Learning Transferable Visual Models From Natural Language
 * Supervision", 2021; the algorithm of OpenAI's simple_tokenizer), as Stable Diffusion's text encoders expect:
 *
 *   text → clean (HTML entities, the ftfy fixes that change ids, NFC, whitespace runs → one space) → lower case
 *        → pre-tokens by the CLIP pattern (letters runs, single digits, contractions, other non-space runs)
 *        → each pre-token's UTF-8 bytes mapped to printable characters, `</w>` on the last one
 *        → merged by rank (lowest first) → ids; [BOS] + ids + [EOS], truncated to 77 and padded.
 */
export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';
export const CLIP_MAX_LENGTH = 77;

/** The 256 bytes as printable characters: printable Latin-1 stays itself, the rest is shifted past 255. */
export function byteToUnicode(): string[] {
  const table: string[] = new Array<string>(256);
  const direct = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  let shifted = 0;
  for (let b = 0; b < 256; b++) if (direct(b)) table[b] = String.fromCodePoint(b);
  for (let b = 0; b < 256; b++) if (!direct(b)) table[b] = String.fromCodePoint(256 + shifted++);
  return table;
}

/** The vocabulary order of CLIP: direct bytes first, then shifted ones (as the original dict is built). */
function byteVocabOrder(): string[] {
  const table = byteToUnicode();
  const direct: string[] = [];
  const rest: string[] = [];
  for (let b = 0; b < 256; b++) {
    const c = table[b]!;
    (c.codePointAt(0)! < 256 ? direct : rest).push(c);
  }
  return [...direct, ...rest];
}

// Letters runs, one digit at a time, the English contractions, and runs of anything else that is not a space.
const PRE_TOKEN = /<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/gu;

const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function unescapeHtml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/**
 * The text clean-up of the reference tokenizer: `html.unescape` twice, then the ftfy fixes that change what the
 * model sees (curly quotes → straight, fullwidth ASCII → ASCII, Latin ligatures → letters), NFC, whitespace runs
 * → one space, trimmed, lower case. (ftfy's mojibake repair is not reproduced: it only matters for text that was
 * already decoded wrongly.)
 */
export function cleanText(text: string): string {
  let out = unescapeHtml(unescapeHtml(text));
  out = out
    .replace(/[\u2018\u2019\u201a\u201b]/g, "'")
    .replace(/[\u201c\u201d\u201e\u201f]/g, '"')
    .replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\ufb00-\ufb06]/g, (c) => c.normalize('NFKC'));
  return out.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

export interface TokenizerConfig {
  /** Token string → id. */
  vocab: Map<string, number>;
  /** Merge pairs in rank order ("a b"). */
  merges: string[];
  /** The padding id the model was trained with: <|endoftext|> for SD 1.x and CLIP-L, "!" (0) for SD 2.x and SDXL's second encoder. */
  padToken?: string;
  maxLength?: number;
}

export interface Encoded {
  /** Exactly maxLength ids: BOS, tokens, EOS, padding. */
  ids: number[];
  /** How many text tokens the prompt had before truncation (not counting BOS/EOS). */
  tokenCount: number;
  truncated: boolean;
}

export class ClipTokenizer {
  readonly vocab: Map<string, number>;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId: number;
  readonly padToken: string;
  readonly maxLength: number;
  private readonly ranks = new Map<string, number>();
  private readonly cache = new Map<string, string[]>();
  private readonly byteChars = byteToUnicode();
  private readonly encoder = new TextEncoder();

  constructor(config: TokenizerConfig) {
    this.vocab = config.vocab;
    config.merges.forEach((merge, rank) => this.ranks.set(merge, rank));
    this.bosId = this.require(BOS_TOKEN);
    this.eosId = this.require(EOS_TOKEN);
    this.padToken = config.padToken ?? EOS_TOKEN;
    this.padId = this.require(this.padToken);
    this.maxLength = config.maxLength ?? CLIP_MAX_LENGTH;
  }

  private require(token: string): number {
    const id = this.vocab.get(token);
    if (id === undefined)
      throw new StudioError('MODEL_ERROR', `The tokenizer's vocabulary has no “${token}”.`, 'The tokenizer files are damaged or not CLIP’s.');
    return id;
  }

  /** Reads a diffusers/optimum `tokenizer/` folder: vocab.json, merges.txt and the pad token its config names. */
  static fromFolder(dir: string): ClipTokenizer {
    const vocabFile = join(dir, 'vocab.json');
    const mergesFile = join(dir, 'merges.txt');
    for (const file of [vocabFile, mergesFile]) {
      if (!existsSync(file))
        throw new StudioError(
          'MODEL_ERROR',
          `The tokenizer folder ${dir} has no ${file.slice(dir.length + 1)}.`,
          'Copy the whole model folder again.',
        );
    }
    const vocab = new Map(Object.entries(JSON.parse(readFileSync(vocabFile, 'utf8')) as Record<string, number>));
    const merges = parseMerges(readFileSync(mergesFile, 'utf8'));
    const config = readTokenizerConfig(dir);
    return new ClipTokenizer({ vocab, merges, padToken: config.padToken, maxLength: config.maxLength });
  }

  /**
   * Builds the tokenizer from OpenAI's original `bpe_simple_vocab_16e6.txt.gz`: the vocabulary is the 256 byte
   * characters, the same with `</w>`, the first 48,894 merges joined, then BOS and EOS (49,408 entries).
   */
  static fromBpeFile(path: string, options: { padToken?: string } = {}): ClipTokenizer {
    const { vocab, merges } = vocabFromBpe(readFileSync(path));
    return new ClipTokenizer({ vocab, merges, padToken: options.padToken ?? EOS_TOKEN });
  }

  /** BPE of one pre-token (already mapped to byte characters). */
  private bpe(token: string): string[] {
    const cached = this.cache.get(token);
    if (cached) return cached;
    const chars = [...token];
    let word = [...chars.slice(0, -1), `${chars.at(-1)}</w>`];
    while (word.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i < word.length - 1; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          best = i;
        }
      }
      if (best < 0) break;
      // Merge every occurrence of the best pair, left to right.
      const first = word[best]!;
      const second = word[best + 1]!;
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (i < word.length - 1 && word[i] === first && word[i + 1] === second) {
          merged.push(first + second);
          i++;
        } else merged.push(word[i]!);
      }
      word = merged;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(token, word);
    return word;
  }

  /** The BPE tokens of a text, without BOS/EOS (what `tokenizer.tokenize` prints). */
  tokenize(text: string): string[] {
    const tokens: string[] = [];
    for (const match of cleanText(text).matchAll(PRE_TOKEN)) {
      const piece = match[0];
      if (piece === BOS_TOKEN || piece === EOS_TOKEN) {
        tokens.push(piece);
        continue;
      }
      let mapped = '';
      for (const byte of this.encoder.encode(piece)) mapped += this.byteChars[byte];
      tokens.push(...this.bpe(mapped));
    }
    return tokens;
  }

  /** Token ids of a text without BOS/EOS or padding. */
  tokenIds(text: string): number[] {
    return this.tokenize(text).map((token) => {
      const id = this.vocab.get(token);
      if (id === undefined) throw new StudioError('MODEL_ERROR', `The tokenizer's vocabulary has no “${token}” although its merges made it.`);
      return id;
    });
  }

  /** The model input: BOS, the first maxLength−2 tokens, EOS, then the pad id up to maxLength. */
  encode(text: string): Encoded {
    const tokens = this.tokenIds(text);
    const room = this.maxLength - 2;
    const kept = tokens.slice(0, room);
    const ids = [this.bosId, ...kept, this.eosId];
    while (ids.length < this.maxLength) ids.push(this.padId);
    return { ids, tokenCount: tokens.length, truncated: tokens.length > room };
  }
}

export function parseMerges(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#version'));
}

/** The vocab.json + merges of the original CLIP BPE file (see ClipTokenizer.fromBpeFile). */
export function vocabFromBpe(gz: Buffer): { vocab: Map<string, number>; merges: string[] } {
  const lines = gunzipSync(gz).toString('utf8').split('\n');
  // The first line is a version header; CLIP uses 49152 − 256 − 2 merges.
  const merges = lines.slice(1, 49152 - 256 - 2 + 1).map((line) => line.trim());
  const tokens = byteVocabOrder();
  const all = [...tokens, ...tokens.map((t) => `${t}</w>`), ...merges.map((m) => m.replace(' ', '')), BOS_TOKEN, EOS_TOKEN];
  return { vocab: new Map(all.map((token, id) => [token, id])), merges };
}

interface SpecialToken {
  content?: string;
}

function tokenText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as SpecialToken).content === 'string') return (value as SpecialToken).content;
  return undefined;
}

/** The pad token and length from tokenizer_config.json (else special_tokens_map.json), as transformers reads them. */
export function readTokenizerConfig(dir: string): { padToken?: string; maxLength?: number } {
  const read = (name: string): Record<string, unknown> | undefined => {
    const file = join(dir, name);
    if (!existsSync(file)) return undefined;
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new StudioError('MODEL_ERROR', `${file} is not valid JSON.`, 'Copy the model folder again.');
    }
  };
  const config = read('tokenizer_config.json') ?? {};
  const special = read('special_tokens_map.json') ?? {};
  const padToken = tokenText(config.pad_token) ?? tokenText(special.pad_token);
  const length = typeof config.model_max_length === 'number' && config.model_max_length <= 1024 ? config.model_max_length : undefined;
  return { ...(padToken ? { padToken } : {}), ...(length ? { maxLength: length } : {}) };
}
