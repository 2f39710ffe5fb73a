import { mkdir } from 'node:fs/promises';
import type { LikenessScore } from '../api/namespaces/likeness';
import type { Catalog } from '../catalog/catalog';
import { decodeVideoFrames } from '../portrait/clip-codec';
import { requireFfmpeg } from '../video/ffmpeg';
import { detectDecoded, embedDetected, type LikenessTools } from './faces';
import type { IdentityProfile, LikenessMatch } from './profile';
import { bestFace, writeClipScore, type LikenessReference } from './score';

/** Frames sampled from a clip: two a second over at most 30 s (a talking portrait is 5–20 s). */
const SAMPLE_FPS = 2;
const MAX_SECONDS = 30;
const FRAME_MAX_SIDE = 720;

/**
 * Scores an animated clip by its sampled frames: the mean is the clip's score, the worst frame is kept beside
 * it (a clip that drifts away from the person for a second looks wrong to the family even if the rest is fine).
 */
export async function scoreClip(
  catalog: Catalog,
  output: { id: number; hash: string },
  reference: LikenessReference,
  profile: IdentityProfile,
  tools: LikenessTools,
  signal?: AbortSignal,
): Promise<LikenessScore> {
  const ffmpeg = requireFfmpeg(catalog.getSetting('ffmpeg.path'));
  await mkdir(catalog.paths.objectsTmp, { recursive: true });
  const video = await decodeVideoFrames(ffmpeg, catalog.store.pathOf(output.hash), catalog.paths.objectsTmp, {
    fps: SAMPLE_FPS,
    maxSide: FRAME_MAX_SIDE,
    maxSeconds: MAX_SECONDS,
    signal,
  });
  try {
    const matches: (LikenessMatch | null)[] = [];
    for (let i = 0; i < video.frameCount; i++) {
      signal?.throwIfAborted();
      const decoded = { rgb: await video.frame(i), scale: 1 };
      const faces = await embedDetected(tools.embedder, decoded, await detectDecoded(tools.detector, decoded));
      matches.push(bestFace(faces, profile.members, tools)?.match ?? null);
    }
    return writeClipScore(catalog, output, reference, profile, tools.embedder.spec.id, matches);
  } finally {
    await video.dispose();
  }
}
