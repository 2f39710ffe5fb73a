import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReelRequest } from '../api/namespaces/reels';
import { Catalog } from '../catalog/catalog';
import { installModelFile } from '../models/installed';
import { sharedFile } from '../testing/shared-data';
import { planFor } from './render';
import { resolveReel } from './reel-inputs';
import { testFfmpeg } from './testing/media-fixtures';

const { location: ffmpeg, missing } = testFfmpeg();
const photos = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

describe.skipIf(missing ?? photos.missing ?? yunet.missing)('reels aim at faces', () => {
  let root: string;
  let catalog: Catalog;
  const request = (focus?: { x: number; y: number; w: number; h: number }) =>
    ReelRequest.parse({
      template: 'memories',
      visuals: [
        { path: join(photos.path!, 'astronaut.png'), ...(focus ? { focus } : {}) },
        { path: join(photos.path!, 'coffee.png') },
        { path: join(photos.path!, 'chelsea.png') },
      ],
    });
  const plan = async (focus?: { x: number; y: number; w: number; h: number }) => {
    const resolved = await resolveReel(catalog, ffmpeg!.path, request(focus), { readPixels: true });
    return { resolved, plan: await planFor(resolved.settings, resolved.sources, ffmpeg!) };
  };

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'likeness-reel-faces-'));
    catalog = Catalog.open(join(root, 'library'));
  });
  afterAll(() => {
    catalog?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('without the face detector: centre-weighted framing, and the plan says why and how to install it', async () => {
    const { resolved, plan: without } = await plan();
    expect(resolved.sources.visuals.map((v) => (v.kind === 'still' ? v.focus : 'not a still'))).toEqual([undefined, undefined, undefined]);
    expect(without.warnings[0]).toMatch(/Faces are not looked for \(YuNet.* is not installed\): the pan and zoom aim a little above the centre/);
    expect(without.warnings[0]).toMatch(/likeness models add yunet-n/);
  });

  it('with YuNet installed: the largest face of each still is its focus, and the move ends on her face', async () => {
    const { plan: centred } = await plan();
    await installModelFile(catalog.paths.models, 'yunet-n', yunet.path!);
    const { resolved, plan: aimed } = await plan();
    expect(aimed.warnings.join(' ')).not.toMatch(/Faces are not looked for/);

    const [astronaut, coffee] = resolved.sources.visuals;
    const face = astronaut!.kind === 'still' ? astronaut!.focus : undefined;
    // The astronaut's face: upper middle of the 512×512 picture, about a fifth of its width.
    expect(face).toBeDefined();
    expect(face!.x + face!.w / 2).toBeGreaterThan(0.35);
    expect(face!.x + face!.w / 2).toBeLessThan(0.65);
    expect(face!.y + face!.h / 2).toBeLessThan(0.45);
    expect(face!.w).toBeGreaterThan(0.1);
    expect(face!.w).toBeLessThan(0.5);
    expect(coffee!.kind === 'still' && coffee!.focus).toBe(undefined); // a cup of coffee: no face, the default framing
    expect((resolved.provenance.visuals as Record<string, unknown>[])[0]).toMatchObject({ focus: face, focusFrom: 'face' });

    // The close end of her segment's move is centred on the face (in the prepared frame) rather than the default point.
    const segment = aimed.segments.find((s) => s.kind === 'still')!;
    const close = [segment.motion!.from, segment.motion!.to].toSorted((a, b) => b.zoom - a.zoom)[0]!;
    const faceInFrame = segment.layout!.focus;
    const centredSegment = centred.segments.find((s) => s.kind === 'still')!;
    const centredClose = [centredSegment.motion!.from, centredSegment.motion!.to].toSorted((a, b) => b.zoom - a.zoom)[0]!;
    const distance = (p: { cx: number; cy: number }) => Math.hypot(p.cx - faceInFrame.x, p.cy - faceInFrame.y);
    // Her face is left of the middle: the move heads there (as far as the zoom lets the window travel).
    expect(close.cx).toBeCloseTo(faceInFrame.x, 1);
    expect(centredClose.cx).toBe(0.5);
    expect(distance(close)).toBeLessThan(distance(centredClose));
  });

  it('a focus box given in the request is kept', async () => {
    const given = { x: 0.05, y: 0.6, w: 0.2, h: 0.2 };
    const { resolved } = await plan(given);
    const astronaut = resolved.sources.visuals[0]!;
    expect(astronaut.kind === 'still' && astronaut.focus).toEqual(given);
    expect((resolved.provenance.visuals as Record<string, unknown>[])[0]).not.toHaveProperty('focusFrom');
  });
});
