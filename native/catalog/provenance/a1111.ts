import { emptyProvenance, toInteger, toNumber, type Provenance } from './types';

// The settings line: `Key: value, Key: "quoted, value", …` (the last line with several such pairs).
const settingPattern = /\s*([\w ]+?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)/g;

function parseSettings(line: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const match of line.matchAll(settingPattern)) {
    const key = match[1]?.trim();
    let value = match[2]?.trim() ?? '';
    if (!key) continue;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        value = value.slice(1, -1);
      }
    }
    settings.set(key, value);
  }
  return settings;
}

function looksLikeSettings(line: string): boolean {
  return /^Steps:\s*\d+/.test(line.trim()) || (line.match(/[\w ]+:\s*[^,]+,/g)?.length ?? 0) >= 3;
}

const loraTag = /<lora:([^:>]+)(?::([-\d.]+))?(?::[^>]*)?>/g;

/**
 * AUTOMATIC1111 / Forge / Fooocus (A1111 scheme) `parameters` text:
 *   prompt lines
 *   Negative prompt: negative lines
 *   Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model hash: …, Model: …
 */
export function parseA1111Parameters(text: string): Provenance {
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
  for (const match of (result.prompt ?? '').matchAll(loraTag)) {
    const name = match[1]!;
    result.loras.push({ name, weight: match[2] === undefined ? 1 : toNumber(match[2]), hash: loraHashes.get(name) ?? null });
  }
  for (const [name, hash] of loraHashes) {
    if (!result.loras.some((l) => l.name === name)) result.loras.push({ name, weight: null, hash });
  }
  result.extra = Object.fromEntries(settings);
  return result;
}
