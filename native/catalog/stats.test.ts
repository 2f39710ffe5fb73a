import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutputFilter } from '../api/schemas';
import { Catalog } from './catalog';
import { keepRates, likenessPrediction, wilsonLowerBound } from './stats';

let dir: string;
let catalog: Catalog;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'likeness-stats-'));
  catalog = Catalog.open(dir);
});
afterEach(() => {
  catalog.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function outputs(
  count: number,
  recipe: { template: string; lora?: string; steps?: number },
  review: { flag?: 'pick' | 'reject'; stars?: number; label?: 'purple' } = {},
) {
  for (let i = 0; i < count; i++) {
    const hash = (++n).toString(16).padStart(64, '0');
    catalog.addObject({ hash, size: 1, mime: 'image/png' });
    const id = catalog.outputs.insert({
      kind: 'image',
      objectHash: hash,
      thumbHash: null,
      width: 1,
      height: 1,
      source: 'generate',
      template: recipe.template,
      steps: recipe.steps ?? 30,
      loras: recipe.lora ? [{ name: recipe.lora, weight: 1, hash: null }] : [],
    });
    if (review.flag || review.stars || review.label) catalog.outputs.setReview({ ids: [id], ...review });
  }
}

describe('keep rates', () => {
  it('count picks ÷ reviewed and stars per recipe value, ranked by what the rate is at least', () => {
    // noir: 40 reviewed, 24 picks (60 %); beach: 2 of 2 (100 %, but a lucky streak proves little); passport: not reviewed.
    outputs(24, { template: 'noir', lora: 'v2' }, { flag: 'pick', stars: 4 });
    outputs(8, { template: 'noir', lora: 'v2' }, { flag: 'reject' });
    outputs(8, { template: 'noir', steps: 20 }, { stars: 2 });
    outputs(2, { template: 'beach', lora: 'v1' }, { flag: 'pick', stars: 5 });
    outputs(5, { template: 'passport' });

    const byTemplate = keepRates(catalog.db, 'template', OutputFilter.parse({}));
    expect(byTemplate.map((r) => r.value)).toEqual(['noir', 'beach', 'passport']);
    expect(byTemplate[0]).toMatchObject({ outputs: 40, reviewed: 40, picks: 24, rejects: 8, rated: 32, excellent: 24, keepRate: 0.6 });
    expect(byTemplate[0]!.avgStars).toBeCloseTo((24 * 4 + 8 * 2) / 32);
    expect(byTemplate[1]).toMatchObject({ outputs: 2, reviewed: 2, picks: 2, keepRate: 1 });
    expect(byTemplate[1]!.keepRateLow!).toBeLessThan(byTemplate[0]!.keepRateLow!);
    expect(byTemplate[2]).toMatchObject({ outputs: 5, reviewed: 0, keepRate: null, keepRateLow: null, avgStars: null });

    const byLora = keepRates(catalog.db, 'lora', OutputFilter.parse({}));
    expect(Object.fromEntries(byLora.map((r) => [r.value, [r.outputs, r.picks]]))).toEqual({ v2: [32, 24], v1: [2, 2], null: [13, 0] });
    const bySteps = keepRates(catalog.db, 'steps', OutputFilter.parse({ template: 'noir' }));
    expect(bySteps.map((r) => [r.value, r.outputs])).toEqual([
      ['30', 32],
      ['20', 8],
    ]);
  });

  it('counts a colour label alone as a decision: reviewed, not picked', () => {
    outputs(3, { template: 'labelled' }, { label: 'purple' });
    outputs(1, { template: 'labelled' }, { flag: 'pick' });
    const row = keepRates(catalog.db, 'template', OutputFilter.parse({})).find((r) => r.value === 'labelled')!;
    expect(row).toMatchObject({ outputs: 4, reviewed: 4, picks: 1, keepRate: 0.25 });
  });

  it('rank a recipe measured over many above a lucky streak of a few, at a realistic keep rate of about 25 %', () => {
    outputs(30, { template: 'realistic' }, { flag: 'pick' });
    outputs(90, { template: 'realistic' }, { flag: 'reject' });
    outputs(3, { template: 'streak' }, { flag: 'pick' });
    const ranked = keepRates(catalog.db, 'template', OutputFilter.parse({})).filter((r) => r.value === 'realistic' || r.value === 'streak');
    expect(ranked.map((r) => [r.value, r.picks, r.reviewed])).toEqual([
      ['realistic', 30, 120],
      ['streak', 3, 3],
    ]);
    // The bound alone would have put the streak first.
    expect(ranked[1]!.keepRateLow!).toBeGreaterThan(ranked[0]!.keepRateLow!);
  });

  it('compute the Wilson lower bound', () => {
    expect(wilsonLowerBound(0, 0)).toBeNull();
    expect(wilsonLowerBound(2, 2)!).toBeCloseTo(0.342, 2);
    expect(wilsonLowerBound(40, 100)!).toBeCloseTo(0.309, 2);
  });
});

describe('how well likeness predicted the picks', () => {
  /** An output with a stored likeness score (through output_likeness, as the scoring job writes it). */
  function scored(likeness: number | null, flag?: 'pick' | 'reject'): number {
    const hash = (++n).toString(16).padStart(64, '0');
    catalog.addObject({ hash, size: 1, mime: 'image/png' });
    const id = catalog.outputs.insert({ kind: 'image', objectHash: hash, thumbHash: null, width: 1, height: 1, source: 'import' });
    if (likeness !== null)
      catalog.db
        .prepare(
          "INSERT INTO output_likeness (output_id, reference, reference_key, model, score, value, verdict, faces, scored_at) VALUES (?, 'person:1', 'k', 'm', ?, 0, 'same', 1, 0)",
        )
        .run(id, likeness);
    if (flag) catalog.outputs.setReview({ ids: [id], flag });
    return id;
  }

  it('counts picks in the top quarter and computes the ROC AUC with ties counted half', () => {
    // 8 scored: the top quarter is the two best (90, 80). Picks at 90, 80, 40; rejects at 60, 40, 10.
    scored(90, 'pick');
    scored(80, 'pick');
    scored(70);
    scored(60, 'reject');
    scored(40, 'pick');
    scored(40, 'reject');
    scored(30);
    scored(10, 'reject');
    scored(null, 'pick');
    const p = likenessPrediction(catalog.db, OutputFilter.parse({}));
    expect(p).toMatchObject({ picks: 3, rejects: 3, picksInTopQuarter: 2 });
    expect(p.topQuarterShare).toBeCloseTo(2 / 3);
    // Pairs pick > reject: 90 beats 3, 80 beats 3, 40 beats 10 and ties 40 (½) → 7.5 of 9.
    expect(p.auc).toBeCloseTo(7.5 / 9, 3);
  });

  it('has no AUC without both picks and rejects, and a likeness band dimension', () => {
    scored(90, 'pick');
    scored(20);
    expect(likenessPrediction(catalog.db, OutputFilter.parse({})).auc).toBeNull();
    const bands = keepRates(catalog.db, 'likeness', OutputFilter.parse({}));
    expect(bands.map((b) => [b.value, b.outputs, b.picks])).toEqual(
      expect.arrayContaining([
        ['same', 1, 1],
        ['different', 1, 0],
      ]),
    );
  });
});
