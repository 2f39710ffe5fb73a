import type { TFunction } from 'i18next';

const two = (n: number) => String(n).padStart(2, '0');

/**
 * The catalogue name of a reel made on this page: its title, else the template's name in the user's language,
 * with the local date and time (the engine's default is English and in UTC).
 */
export function reelName(t: TFunction, template: { id: string; name: string }, title: string, now: Date): string {
  const what = title.trim() || t(`reels.templates.${template.id}.name`, { defaultValue: template.name });
  const stamp = `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())} ${two(now.getHours())}.${two(now.getMinutes())}`;
  return `${what.slice(0, 170)} ${stamp}.mp4`;
}
