import { describe, expect, it } from 'vitest';
import { FFHQ_TEMPLATE } from './faces';
import { lowerFaceMask, wav2lipBox } from './lipsync';

describe('Wav2Lip as FaceFusion pastes it', () => {
  // An FFHQ-aligned 512 crop of an average face: the five landmarks on the template.
  const at = (i: number, dx = 0, dy = 0) => ({ x: FFHQ_TEMPLATE[i]!.x * 512 + dx, y: FFHQ_TEMPLATE[i]!.y * 512 + dy });
  const face = (dy = 0) => ({ rightEye: at(0), leftEye: at(1), nose: at(2, 0, dy), mouthRight: at(3, 0, dy), mouthLeft: at(4, 0, dy) });

  it('takes the face box from the landmarks: brows to below the chin, and it follows a mouth that sits lower', () => {
    const box = wav2lipBox(face());
    expect(box.x / 512).toBeCloseTo(0.17, 1);
    expect(box.y / 512).toBeCloseTo(0.3, 1);
    expect((box.x + box.w) / 512).toBeCloseTo(0.83, 1);
    expect((box.y + box.h) / 512).toBeCloseTo(0.97, 1);
    const lower = wav2lipBox(face(20));
    expect(lower.y + lower.h).toBeGreaterThan(box.y + box.h + 20);
  });

  it('pastes through a lower-face mask: all of the mouth and chin, none of the eyes, soft at the edge, placed by the landmarks', async () => {
    const value = (mask: Float32Array, p: { x: number; y: number }) => mask[Math.round(p.y) * 512 + Math.round(p.x)]!;
    const mask = await lowerFaceMask(face(), 512);
    const mouth = { x: 256, y: FFHQ_TEMPLATE[3]!.y * 512 };
    expect(value(mask, mouth)).toBe(1);
    expect(value(mask, { x: 256, y: mouth.y + 50 })).toBeGreaterThan(0.9); // the chin
    expect(value(mask, at(0))).toBe(0); // an eye
    expect(value(mask, { x: 20, y: mouth.y })).toBe(0); // outside the jaw
    const edge = [...mask].filter((v) => v > 0.05 && v < 0.95).length;
    expect(edge).toBeGreaterThan(2000); // a feathered edge, not a hard cut
    const lower = await lowerFaceMask(face(40), 512);
    expect(value(lower, { x: 256, y: mouth.y + 95 })).toBeGreaterThan(value(mask, { x: 256, y: mouth.y + 95 }));
  });
});
