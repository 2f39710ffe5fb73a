import { describe, expect, it } from 'vitest';
import { imageToTensor, tensorToImage } from './image-tensor';

const image = { width: 2, height: 1, data: Uint8Array.from([255, 0, 10, 0, 128, 255]) };

describe('image ↔ tensor', () => {
  it('lays out planes in the model’s channel order and range', () => {
    const bgr = imageToTensor(image, { order: 'bgr', range: [0, 255] });
    expect(bgr.dims).toEqual([1, 3, 1, 2]);
    expect(Array.from(bgr.data as Float32Array)).toEqual([10, 255, 0, 128, 255, 0]);
    const signed = imageToTensor(image, { order: 'rgb', range: [-1, 1] });
    expect(Array.from(signed.data as Float32Array).map((v) => Number(v.toFixed(3)))).toEqual([1, -1, -1, 0.004, -0.922, 1]);
  });

  it('round-trips exactly', () => {
    for (const layout of [
      { order: 'rgb', range: [-1, 1] },
      { order: 'bgr', range: [0, 1] },
    ] as const) {
      expect(tensorToImage(imageToTensor(image, layout), layout)).toEqual(image);
    }
  });
});
