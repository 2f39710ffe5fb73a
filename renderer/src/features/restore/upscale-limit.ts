import { MAX_UPSCALED_PIXELS } from '../../../../native/api/namespaces/portrait';

/**
 * Why this photo cannot be upscaled by `scale` (the engine refuses results over MAX_UPSCALED_PIXELS), as a message
 * key and its values, or null when it can.
 */
export function upscaleProblem(
  photo: { width: number; height: number },
  scale: 2 | 4,
): { key: 'restore.tooLargeToUpscale' | 'restore.tooLargeForX4'; values: Record<string, number> } | null {
  const pixels = photo.width * photo.height;
  if (pixels * scale ** 2 <= MAX_UPSCALED_PIXELS) return null;
  return {
    key: pixels * 4 <= MAX_UPSCALED_PIXELS ? 'restore.tooLargeForX4' : 'restore.tooLargeToUpscale',
    values: { width: photo.width, height: photo.height, megapixels: MAX_UPSCALED_PIXELS / 1e6 },
  };
}
