import type { TFunction } from 'i18next';

/** "12 images", "3 videos" or "12 images, 3 videos": outputs counted by what they are. */
export function countLabel(t: TFunction, total: number, videos: number, format: (n: number) => string = (n) => n.toLocaleString()): string {
  const images = total - videos;
  const imageText = t('review.count', { count: images, formatted: format(images) });
  if (videos <= 0) return imageText;
  const videoText = t('review.countVideos', { count: videos, formatted: format(videos) });
  return images > 0 ? t('review.countBoth', { images: imageText, videos: videoText }) : videoText;
}
