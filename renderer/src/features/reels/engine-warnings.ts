import type { TFunction } from 'i18next';

/**
 * The engine's warnings (a reel's plan, a restoration's result) are English sentences; these are the ones a
 * person sees on the Reels and Restore pages, said again in the user's language. Any other stays as it came.
 */
const known: [RegExp, string, (match: RegExpMatchArray) => Record<string, string | number>][] = [
  [
    /^No face in (\d+) frame\(s\) of the driving video; the nearest face's motion was used\.$/,
    'restore.warnings.drivingNoFace',
    (m) => ({ count: Number(m[1]) }),
  ],
  [
    /^The restored face may no longer look like the person \(likeness (\d+) of 100\)/,
    'restore.warnings.identityChanged',
    (m) => ({ likeness: Number(m[1]) }),
  ],
  [
    /^In the animated clip the face drifts away from the person \(likeness (\d+) of 100 at its worst\)/,
    'restore.warnings.identityDrifts',
    (m) => ({ likeness: Number(m[1]) }),
  ],
  [/^Only (\d+) face\(s\) were found; the others chosen do not exist\.$/, 'restore.warnings.fewerFaces', (m) => ({ count: Number(m[1]) })],
  [
    /^The voice is ([\d.]+) s long: each photo stays ([\d.]+) s\. Add photos for a livelier reel\.$/,
    'reels.warnings.longVoice',
    (m) => ({ voice: m[1]!, each: m[2]! }),
  ],
  [/^The voice is longer than the visuals; it is cut at the end of the reel\.$/, 'reels.warnings.voiceCut', () => ({})],
  [
    /^(\d+) captions? starts? after the end of the reel and (?:were|was) left out\.$/,
    'reels.warnings.captionsDropped',
    (m) => ({ count: Number(m[1]) }),
  ],
  [/^This ffmpeg has no xfade filter/, 'reels.warnings.noXfade', () => ({})],
  [
    /^The sound has short, sharp peaks \(a beep, a clap\), so the reel plays (\d+) dB quieter/,
    'reels.warnings.quieter',
    (m) => ({ db: Number(m[1]) }),
  ],
  [/^Faces are not looked for \(/, 'reels.warnings.noFaces', () => ({})],
];

export function translateWarning(t: TFunction, warning: string): string {
  for (const [pattern, key, values] of known) {
    const match = warning.match(pattern);
    if (match) return t(key, values(match));
  }
  return warning;
}
