// Shared by the benchmarks: fills a catalogue with many outputs whose provenance and review decisions look
// like a real library's (several models, LoRAs, templates and batches; about 60 % reviewed). Rows only:
// objects get made-up hashes unless `objectFor` supplies real ones.
import type { Catalog } from '../native/catalog/catalog';

export interface FillOptions {
  count: number;
  /** Seed of the deterministic random numbers (the same seed fills the same library). */
  seed?: number;
  /** The output created `index`-th gets this object (hash, and thumbnail hash) instead of a made-up one. */
  objectFor?: (index: number) => { hash: string; thumbHash: string | null; width: number; height: number } | undefined;
  /** First output's created_at (ms); each next one is a second later. */
  startAt?: number;
}

export interface FilledLibrary {
  people: number[];
  models: string[];
  loras: string[];
  templates: string[];
  /** Words that occur in prompts, for text searches. */
  words: string[];
  fillSeconds: number;
}

const models = ['sd_xl_base_1.0.safetensors', 'juggernautXL_v9.safetensors', 'realvisxlV40.safetensors', 'dreamshaper_8.safetensors'];
const loras = ['ohwx_woman_v1', 'ohwx_woman_v2', 'detail_tweaker', 'film_grain_xl', 'add_more_details'];
const templates = ['studio-headshot', 'golden-hour', 'film-noir', 'watercolour', 'passport', 'fantasy-knight'];
const schedulers = ['euler', 'euler_a', 'dpmpp_2m_karras', 'ddim'];
const providers = ['cuda', 'dml', 'coreml', 'cpu'];
const subjects = ['portrait', 'headshot', 'close-up', 'half-body', 'candid photo'];
const styles = ['film grain', 'soft light', 'rim light', 'bokeh', 'overcast', 'neon', 'freckles', 'smiling', 'serious', 'windswept hair'];
const places = ['beach', 'forest', 'studio', 'city street', 'library', 'kitchen', 'mountain', 'café'];
export const fillWords = [...new Set([...subjects, ...styles, ...places].flatMap((w) => w.split(' ')))];

/** A deterministic linear congruential generator in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => (state = (state * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

export function fillOutputs(catalog: Catalog, options: FillOptions): FilledLibrary {
  const random = seededRandom(options.seed ?? 42);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const people = Array.from(
    { length: 20 },
    (_, i) =>
      catalog.people.list().find((p) => p.name === `Person ${i}`)?.id ??
      catalog.people.create({ name: `Person ${i}`, classWord: 'person', notes: '' }).id,
  );
  const startAt = options.startAt ?? 1_700_000_000_000;
  const review = catalog.db.prepare('UPDATE reviews SET flag = ?, stars = ?, label = ?, updated_at = ? WHERE output_id = ?');
  const started = performance.now();
  catalog.db.transaction(() => {
    for (let i = 0; i < options.count; i++) {
      const real = options.objectFor?.(i);
      const hash = real?.hash ?? `f${i.toString(16).padStart(63, '0')}`;
      catalog.addObject({ hash, size: 1, mime: 'image/png' });
      if (real?.thumbHash) catalog.addObject({ hash: real.thumbHash, size: 1, mime: 'image/webp' });
      const batch = Math.floor(i / 48);
      const template = templates[batch % templates.length]!;
      const lora = random() < 0.7 ? [{ name: pick(loras), weight: Math.round((0.5 + random() * 0.5) * 100) / 100, hash: null }] : [];
      const person = random() < 0.8 ? pick(people) : null;
      const id = catalog.outputs.insert({
        kind: random() < 0.02 ? 'video' : 'image',
        objectHash: hash,
        thumbHash: real?.thumbHash ?? null,
        width: real?.width ?? 1024,
        height: real?.height ?? 1024,
        source: 'generate',
        generator: 'likeness',
        personId: person,
        batchId: `batch-${batch}`,
        template,
        model: models[batch % models.length]!,
        loras: lora,
        prompt: `${pick(subjects)} of ohwx person, ${pick(styles)}, ${pick(styles)}, ${pick(places)}, ${template.replace('-', ' ')}`,
        negativePrompt: 'blurry, watermark',
        seed: Math.floor(random() * 2 ** 31),
        steps: pick([20, 25, 30, 40]),
        scheduler: pick(schedulers),
        guidance: pick([4, 5, 6.5, 7.5]),
        provider: pick(providers),
        createdAt: startAt + i * 1000,
      });
      const r = random();
      if (r < 0.6) {
        const flag = r < 0.15 ? 'pick' : r < 0.5 ? 'reject' : null;
        const label = random() < 0.1 ? pick(['red', 'yellow', 'green', 'blue', 'purple'] as const) : null;
        review.run(flag, Math.floor(random() * 6), label, startAt + i * 1000, id);
      }
    }
  })();
  catalog.db.pragma('optimize');
  return { people, models, loras, templates, words: fillWords, fillSeconds: (performance.now() - started) / 1000 };
}
