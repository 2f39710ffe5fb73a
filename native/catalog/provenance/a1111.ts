import { emptyProvenance, toInteger, toNumber, type Provenance } from './types';

/** Whether a text is an A1111 infotext (a settings line with Steps), not a JSON blob or a camera's comment. */
export function isA1111Text(text: string): boolean {
  return /(^|\n)Steps: \d+/.test(text);
}

/** Longest key A1111 writes ("Hires upscale by", "ADetailer denoising strength 2nd"…), with room to spare. */
const MAX_KEY = 64;

function isKeyChar(code: number): boolean {
  // [A-Za-z0-9_ ] as A1111 writes its keys.
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 32;
}

/**
 * The settings line, `Key: value, Key: "quoted, value", …`, read in one pass (untrusted text: a backtracking
 * pattern took 34 s on 200 kB of "a a a …"). A segment that is not `key: value` is skipped up to its comma,
 * as A1111's own reader skips it (modules/infotext_utils.py, re_param).
 */
export function parseSettings(line: string): Map<string, string> {
  const settings = new Map<string, string>();
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === ',' || line[i] === '\t')) i++;
    const keyStart = i;
    while (i < n && i - keyStart <= MAX_KEY && isKeyChar(line.charCodeAt(i))) i++;
    if (i >= n) break;
    if (line[i] !== ':' || i === keyStart || i - keyStart > MAX_KEY) {
      while (i < n && line[i] !== ',') i++;
      continue;
    }
    const key = line.slice(keyStart, i).trim();
    i++;
    while (i < n && line[i] === ' ') i++;
    let value: string;
    if (line[i] === '"') {
      const start = i++;
      while (i < n && line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
      const quoted = line.slice(start, Math.min(n, i + 1));
      i++;
      try {
        value = JSON.parse(quoted) as string;
      } catch {
        value = quoted.slice(1, -1);
      }
      while (i < n && line[i] !== ',') i++;
    } else {
      const start = i;
      while (i < n && line[i] !== ',') i++;
      value = line.slice(start, i).trim();
    }
    if (key) settings.set(key, value);
  }
  return settings;
}

function looksLikeSettings(line: string): boolean {
  if (/^\s*Steps:\s*\d/.test(line)) return true;
  let pairs = 0;
  for (const value of parseSettings(line).values()) if (value !== '' && ++pairs >= 3) return true;
  return false;
}

/** A LoRA tag is short: `<lora:name:0.8>` (or with a third field, as Forge writes). */
const MAX_LORA_TAG = 512;

/** `<lora:name[:weight[:…]]>` tags of a prompt, found with indexOf (linear on any text). */
export function loraTags(prompt: string): { name: string; weight: string | undefined }[] {
  const tags: { name: string; weight: string | undefined }[] = [];
  let at = prompt.indexOf('<lora:');
  while (at >= 0) {
    const end = prompt.indexOf('>', at);
    if (end < 0) break;
    const next = prompt.indexOf('<lora:', at + 6);
    // A tag runs to its own '>', not across the next tag, and is short.
    if ((next < 0 || end < next) && end - at <= MAX_LORA_TAG) {
      const [name, weight] = prompt.slice(at + 6, end).split(':');
      if (name) tags.push({ name, weight: weight !== undefined && /^-?[\d.]+$/.test(weight) ? weight : undefined });
    }
    at = next;
  }
  return tags;
}

/**
 * Text longer than this is not parsed (kept verbatim all the same): A1111 prompts are a few kB, and a file
 * that claims megabytes of parameters is broken or hostile.
 */
export const MAX_PARAMETERS_TEXT = 256 * 1024;

/**
 * AUTOMATIC1111 / Forge / Fooocus (A1111 scheme) `parameters` text:
 *   prompt lines
 *   Negative prompt: negative lines
 *   Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: …, Model: …
 */
export function parseA1111Parameters(text: string): Provenance {
  if (text.length > MAX_PARAMETERS_TEXT) return emptyProvenance('a1111');
  const lines = text.replace(/\r\n/g, '\n').trim().split('\n');
  let settingsLine = '';
  if (lines.length > 0 && looksLikeSettings(lines.at(-1)!)) settingsLine = lines.pop()!;

  const promptLines: string[] = [];
  const negativeLines: string[] = [];
  let inNegative = false;
  for (const line of lines) {
    if (line.startsWith('Negative prompt:')) {
      inNegative = true;
      negativeLines.push(line.slice('Negative prompt:'.length).trim());
    } else (inNegative ? negativeLines : promptLines).push(line);
  }

  const settings = parseSettings(settingsLine);
  const take = (key: string): string | undefined => {
    const value = settings.get(key);
    settings.delete(key);
    return value;
  };

  const version = settings.get('Version') ?? '';
  const result = emptyProvenance(/fooocus/i.test(version) ? 'fooocus' : 'a1111');
  result.prompt = promptLines.join('\n').trim() || null;
  result.negativePrompt = negativeLines.length ? negativeLines.join('\n').trim() : null;
  result.steps = toInteger(take('Steps'));
  const sampler = take('Sampler');
  const schedule = take('Schedule type');
  result.scheduler = sampler ? (schedule && schedule !== 'Automatic' ? `${sampler} ${schedule}` : sampler) : null;
  result.guidance = toNumber(take('CFG scale'));
  result.seed = toInteger(take('Seed'));
  const size = take('Size')?.match(/^(\d+)x(\d+)$/);
  if (size) {
    result.width = Number(size[1]);
    result.height = Number(size[2]);
  }
  result.modelHash = take('Model hash') ?? null;
  result.model = take('Model') ?? null;

  const loraHashes = new Map<string, string>();
  for (const pair of (take('Lora hashes') ?? '').split(',')) {
    const [name, hash] = pair.split(':').map((s) => s.trim());
    if (name && hash) loraHashes.set(name, hash);
  }
  for (const tag of loraTags(result.prompt ?? '')) {
    result.loras.push({ name: tag.name, weight: tag.weight === undefined ? 1 : toNumber(tag.weight), hash: loraHashes.get(tag.name) ?? null });
  }
  for (const [name, hash] of loraHashes) {
    if (!result.loras.some((l) => l.name === name)) result.loras.push({ name, weight: null, hash });
  }
  result.extra = Object.fromEntries(settings);
  return result;
}
