import { describe, expect, it } from 'vitest';
import type { Face, PhotoMeasures } from '../api/namespaces/people';
import { judgePhoto, judgePhotos, mainFaceOf, verdictOf } from './judge';
import { reasonText } from './reasons';
import { thresholds } from './thresholds';

function face(x: number, y: number, height: number, score = 0.92): Face {
  const w = height * 0.8;
  const p = (dx: number, dy: number) => ({ x: x + dx * w, y: y + dy * height });
  return {
    score,
    box: { x, y, width: w, height },
    landmarks: { rightEye: p(0.3, 0.4), leftEye: p(0.7, 0.4), nose: p(0.5, 0.6), mouthRight: p(0.35, 0.8), mouthLeft: p(0.65, 0.8) },
  };
}

const goodExposure = { brightness: 140, contrast: 0.2, highlights: 0, shadows: 0 };

/** Measures of a good 1000×1000 photo with one 300 px face; `patch` changes what a test is about. */
function measures(patch: Partial<PhotoMeasures> & { faceMeasures?: Partial<NonNullable<PhotoMeasures['face']>> } = {}): PhotoMeasures {
  const { faceMeasures, ...rest } = patch;
  const faces = rest.faces ?? [face(350, 200, 300)];
  return {
    version: 1,
    width: 1000,
    height: 1000,
    source: { format: 'jpeg', space: 'srgb', channels: 3, depth: 'uchar', hasAlpha: false, orientation: null, pages: null },
    detector: { model: 'yunet-n', provider: 'cpu', inputWidth: 640, inputHeight: 640 },
    faces,
    measuredFace: faces.length ? 0 : null,
    face: faces.length
      ? {
          heightPx: faces[0]!.box.height,
          widthPx: faces[0]!.box.width,
          share: 0.07,
          outside: 0,
          sharpness: 0.25,
          exposure: goodExposure,
          roll: 0,
          yaw: 0,
          ...faceMeasures,
        }
      : null,
    image: goodExposure,
    tone: { kind: 'colour', chroma: 20, tint: 10 },
    phash: '0123456789abcdef',
    timings: { decodeMs: 1, detectMs: 1, measureMs: 1 },
    ...rest,
  };
}

const codes = (m: PhotoMeasures, cropSize = 1024) => judgePhoto(m, cropSize).map((r) => `${r.severity}:${r.code}`);

describe('judging one photo', () => {
  it('accepts a sharp, well-exposed, frontal face big enough for the crop', () => {
    expect(judgePhoto(measures(), 512)).toEqual([]);
    expect(verdictOf(judgePhoto(measures(), 512))).toBe('accepted');
  });

  it('rejects a photo without a face', () => {
    expect(codes(measures({ faces: [] }))).toEqual(['reject:no-face']);
  });

  it('rejects several faces of similar size, but uses a clearly dominant face and says where it is', () => {
    const two = measures({ faces: [face(100, 200, 300), face(600, 220, 260)] });
    expect(codes(two)).toContain('reject:several-faces');
    expect(mainFaceOf(two).face).toBeNull();
    const dominant = measures({ faces: [face(600, 200, 300), face(50, 50, 100)] });
    const reasons = judgePhoto(dominant, 512);
    expect(reasons.map((r) => r.code)).toEqual(['main-face']);
    expect(reasons[0]!.params).toEqual({ count: 2, position: 'right' });
    expect(reasonText(reasons[0]!)).toBe('2 faces; the right one is much larger and is the one used.');
    // A weak detection (a pattern in the background) does not count as a second person.
    expect(codes(measures({ faces: [face(100, 200, 300), face(600, 220, 280, 0.62)] }), 512)).toEqual([]);
  });

  it('flags another face inside the crop of the main one', () => {
    expect(codes(measures({ faces: [face(350, 200, 300), face(700, 300, 140)] }))).toContain('review:other-face-in-crop');
  });

  it('judges the face size against the training resolution', () => {
    const side = (h: number) => thresholds.cropSideToFace * h;
    // 300 px face: 750 px crop side. 512 needs no enlargement; 1024 is enlarged 1.4×.
    expect(codes(measures(), 512)).toEqual([]);
    expect(judgePhoto(measures(), 1024)).toEqual([
      { code: 'face-enlarged', severity: 'info', params: { px: 300, cropSize: 1024, factor: 1.4, share: 7 } },
    ]);
    expect(codes(measures({ faces: [face(400, 400, 1024 / side(1) / 2.5)] }), 1024)).toContain('review:face-small');
    expect(codes(measures({ faces: [face(400, 400, 100)] }), 1024)).toContain('reject:face-too-small');
    expect(codes(measures({ faces: [face(400, 400, 40)] }), 512)).toContain('reject:face-too-small');
  });

  it('rejects blurred faces and flags soft ones', () => {
    expect(codes(measures({ faceMeasures: { sharpness: 0.03 } }), 512)).toEqual(['reject:blurred']);
    expect(codes(measures({ faceMeasures: { sharpness: 0.09 } }), 512)).toEqual(['review:soft']);
  });

  it('flags burnt-out, crushed, dark and flat faces by how bad they are', () => {
    const exposure = (e: Partial<typeof goodExposure>) => codes(measures({ faceMeasures: { exposure: { ...goodExposure, ...e } } }), 512);
    expect(exposure({ highlights: 0.1 })).toEqual(['review:overexposed']);
    expect(exposure({ highlights: 0.4 })).toEqual(['reject:overexposed']);
    expect(exposure({ shadows: 0.3 })).toEqual(['review:underexposed']);
    expect(exposure({ shadows: 0.6 })).toEqual(['reject:underexposed']);
    expect(exposure({ brightness: 30 })).toEqual(['review:dark']);
    expect(exposure({ contrast: 0.03 })).toEqual(['review:low-contrast']);
  });

  it('flags profiles and notes turns and tilts', () => {
    expect(codes(measures({ faceMeasures: { yaw: -65 } }), 512)).toEqual(['review:profile']);
    expect(codes(measures({ faceMeasures: { yaw: 35 } }), 512)).toEqual(['info:turned']);
    expect(codes(measures({ faceMeasures: { roll: 15 } }), 512)).toEqual(['info:tilted']);
    expect(codes(measures({ faceMeasures: { roll: 80 } }), 512)).toEqual(['review:tilted']);
  });

  it('flags a face cut off by the edge, and a face the detector is unsure of', () => {
    expect(codes(measures({ faceMeasures: { outside: 0.3 } }), 512)).toEqual(['review:face-cut-off']);
    expect(codes(measures({ faces: [face(350, 200, 300, 0.65)] }), 512)).toEqual(['review:low-confidence']);
  });

  it('notes black-and-white and sepia photos without rejecting them', () => {
    const old = judgePhoto(measures({ tone: { kind: 'black-and-white', chroma: 0, tint: 0 } }), 512);
    expect(old).toEqual([{ code: 'black-and-white', severity: 'info', params: {} }]);
    expect(verdictOf(old)).toBe('accepted');
    expect(codes(measures({ tone: { kind: 'sepia', chroma: 2, tint: 15 } }), 512)).toEqual(['info:sepia']);
  });
});

describe('judging a person’s photos together', () => {
  it('keeps the best of near-duplicates and rejects the others, naming the one kept', () => {
    const small = { id: 1, name: 'small.jpg', measures: measures({ faces: [face(350, 200, 250)], phash: 'ffff0000ffff0000' }) };
    const big = { id: 2, name: 'big.jpg', measures: measures({ faces: [face(350, 200, 320)], phash: 'ffff0000ffff0003' }) };
    const other = { id: 3, name: 'other.jpg', measures: measures({ phash: '00000000ffffffff' }) };
    const result = judgePhotos([small, big, other], 512);
    expect(result.get(2)).toEqual({ verdict: 'accepted', reasons: [] });
    expect(result.get(3)).toEqual({ verdict: 'accepted', reasons: [] });
    expect(result.get(1)!.verdict).toBe('rejected');
    expect(result.get(1)!.reasons).toEqual([{ code: 'near-duplicate', severity: 'reject', params: { photoId: 2, name: 'big.jpg', distance: 2 } }]);
  });

  it('keeps an original over its upscaled copy: larger, but measured at the same height it has less detail', () => {
    const original = { id: 1, name: 'scan.jpg', measures: measures({ faces: [face(350, 200, 240)], faceMeasures: { sharpness: 0.3 } }) };
    const upscaled = { id: 2, name: 'scan-4x.png', measures: measures({ faces: [face(350, 200, 480)], faceMeasures: { sharpness: 0.19 } }) };
    const result = judgePhotos([original, upscaled], 512);
    expect(result.get(1)!.verdict).toBe('accepted');
    expect(result.get(2)!.reasons.map((r) => r.code)).toEqual(['near-duplicate']);
    // As sharp (within 15 %): the larger face is kept.
    const same = { ...upscaled, measures: measures({ faces: [face(350, 200, 480)], faceMeasures: { sharpness: 0.28 } }) };
    expect(judgePhotos([original, same], 512).get(2)!.verdict).toBe('accepted');
  });

  it('prefers a duplicate that passes over a larger one that does not', () => {
    const blurred = { id: 1, name: 'blurred.jpg', measures: measures({ faces: [face(350, 200, 320)], faceMeasures: { sharpness: 0.02 } }) };
    const fine = { id: 2, name: 'fine.jpg', measures: measures({ faces: [face(350, 200, 300)] }) };
    const result = judgePhotos([blurred, fine], 512);
    expect(result.get(2)!.verdict).toBe('accepted');
    expect(result.get(1)!.reasons.map((r) => r.code)).toEqual(['blurred', 'near-duplicate']);
  });
});
