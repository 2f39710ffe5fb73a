import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScoreOutcome } from '../api/namespaces/likeness';
import type { Photo } from '../api/namespaces/people';
import type { Person } from '../api/namespaces/people';
import { faceDetectorFromFile } from '../inference/face-detector';
import { compareEmbeddings, likenessFor, openFaceEmbedder, valueForLikeness, verdictFor } from '../inference/face-embedder';
import { installModelFile } from '../models/installed';
import { createStudio, type Studio } from '../studio/studio';
import { sharedFile } from '../testing/shared-data';
import { builtinEmbedderSpec, ensureBuiltinEmbedder } from './embedders';
import { facesOfBytes, type LikenessTools } from './faces';
import { buildProfile, matchAgainst } from './profile';
import { faceApiSamples, portraitsOf, seenAgain } from './testing/faces';

const yunet = sharedFile('models/yunet_n_dynamic.onnx');
const astronaut = sharedFile('fixtures/photos/astronaut.png');
const spec = builtinEmbedderSpec;

describe('likeness calibration', () => {
  it('maps the model’s thresholds to 75 (same) and 25 (different), and back', () => {
    expect(likenessFor(spec.calibration.same, spec.calibration)).toBe(75);
    expect(likenessFor(spec.calibration.different, spec.calibration)).toBe(25);
    expect(likenessFor(0.2, spec.calibration)).toBeGreaterThan(95);
    expect(verdictFor(0.3, spec.calibration)).toBe('same');
    expect(verdictFor(0.55, spec.calibration)).toBe('unsure');
    expect(verdictFor(0.7, spec.calibration)).toBe('different');
    expect(valueForLikeness(75, spec.calibration)).toBeCloseTo(spec.calibration.same, 6);
    // A cosine model runs the other way round (higher is more alike).
    const cosine = { same: 0.363, different: 0.25, source: 'test' };
    expect(likenessFor(0.363, cosine)).toBe(75);
    expect(verdictFor(0.5, cosine)).toBe('same');
    expect(verdictFor(0.1, cosine)).toBe('different');
  });
});

describe.skipIf(yunet.missing || astronaut.missing)('the built-in embedder on real faces', () => {
  let tools: LikenessTools;
  /** Portraits of the people in each group photo, per photo (people in one photo are different people). */
  let groups: Buffer[][];
  let model: string;

  beforeAll(async () => {
    const root = mkdtempSync(join(tmpdir(), 'likeness-embedder-'));
    model = ensureBuiltinEmbedder(join(root, 'models'));
    tools = { detector: await faceDetectorFromFile(yunet.path), embedder: await openFaceEmbedder(spec, model) };
    groups = await Promise.all(faceApiSamples.map((file) => portraitsOf(file, yunet.path)));
  }, 120_000);

  /** The portrait's own face: the one nearest the middle (a neighbour's face may be cut in at the edge). */
  const vectorOf = async (image: Buffer) => {
    const { faces, width, height } = await facesOfBytes(tools, image, 'photo');
    expect(faces.length).toBeGreaterThan(0);
    const off = (f: (typeof faces)[number]) => Math.hypot(f.box.x + f.box.width / 2 - width / 2, f.box.y + f.box.height / 2 - height / 2);
    return [...faces].sort((a, b) => off(a) - off(b))[0]!.vector;
  };

  it('scores the same face seen again (mirrored, rotated, re-cropped, darker, recompressed) as the same person, above everyone else in its photo', async () => {
    let checked = 0;
    for (const group of groups) {
      const people = await Promise.all(group.map(vectorOf));
      for (const [i, portrait] of group.entries()) {
        for (const [how, again] of Object.entries(await seenAgain(portrait))) {
          const seen = await vectorOf(again);
          const self = compareEmbeddings(people[i]!, seen, spec.metric);
          expect(verdictFor(self, spec.calibration), `face ${i} ${how}: ${self.toFixed(3)}`).toBe('same');
          for (const [j, other] of people.entries()) {
            if (j !== i) expect(self, `face ${i} ${how} vs ${j}`).toBeLessThan(compareEmbeddings(other, seen, spec.metric));
          }
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(80);
  }, 240_000);

  it('gives the same embeddings with its helper threads asleep (as the studio opens it) as spinning', async () => {
    // The same file as tools' embedder: the spinning one is its session, the sleeping one a second (of the two a thread keeps).
    const spinning = await openFaceEmbedder(spec, model);
    const sleeping = await openFaceEmbedder(spec, model, { spin: false });
    const { data, info } = await sharp(astronaut.path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const image = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
    const faces = await tools.detector.detect(image);
    expect(faces.length).toBeGreaterThan(0);
    const [a] = await spinning.embed(image, faces.slice(0, 1));
    const [b] = await sleeping.embed(image, faces.slice(0, 1));
    expect(a!.length).toBe(spec.dims);
    expect(Array.from(b!)).toEqual(Array.from(a!));
  });

  it('scores different people (the people of one photo) below the “same” threshold', async () => {
    let pairs = 0;
    for (const group of groups) {
      const people = await Promise.all(group.map(vectorOf));
      for (let i = 0; i < people.length; i++)
        for (let j = i + 1; j < people.length; j++) {
          const value = compareEmbeddings(people[i]!, people[j]!, spec.metric);
          expect(verdictFor(value, spec.calibration), `photo faces ${i}/${j}: ${value.toFixed(3)}`).not.toBe('same');
          pairs++;
        }
    }
    expect(pairs).toBeGreaterThanOrEqual(25);
  }, 120_000);

  it('builds a profile that leaves out a photo of someone else and still matches the person', async () => {
    const photo = readFileSync(astronaut.path);
    const references = [photo, ...Object.values(await seenAgain(photo)).slice(0, 4)];
    const stranger = groups[1]![0]!;
    const faces = await Promise.all(
      [...references, stranger].map(async (image, i) => ({
        photoId: i + 1,
        hash: String(i).padStart(64, '0'),
        name: `p${i}`,
        vector: await vectorOf(image),
      })),
    );
    const profile = buildProfile(faces, spec);
    expect(profile.outliers.map((o) => o.face.photoId)).toEqual([6]);
    expect(profile.members).toHaveLength(5);
    expect(matchAgainst(await vectorOf(Object.values(await seenAgain(photo))[4]!), profile.members, spec).verdict).toBe('same');
    expect(matchAgainst(await vectorOf(groups[2]![0]!), profile.members, spec).verdict).not.toBe('same');
  }, 120_000);
});

describe.skipIf(yunet.missing || astronaut.missing)('likeness in the studio: vetting, scoring, review', () => {
  let root: string;
  let studio: Studio;
  let person: Person;
  let photos: Photo[];
  let strangers: Buffer[];

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-studio-'));
    studio = await createStudio({ library: join(root, 'library') });
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
    person = await studio.api.people.create({ name: 'Eileen', trigger: 'ohwx', classWord: 'woman', cropSize: 512 });
    const photo = readFileSync(astronaut.path);
    const again = await seenAgain(photo);
    strangers = (await Promise.all(faceApiSamples.slice(0, 3).map((f) => portraitsOf(f, yunet.path)))).map((g) => g[0]!);
    // Her photos, one of someone else, and a group photo where a stranger's face is twice the size of hers.
    const incoming = join(root, 'incoming');
    mkdirSync(incoming);
    writeFileSync(join(incoming, 'eileen.png'), photo);
    for (const name of ['mirrored', 'darker', 'recompressed', 'recropped'] as const) writeFileSync(join(incoming, `eileen-${name}.png`), again[name]);
    writeFileSync(join(incoming, 'someone-else.png'), strangers[0]!);
    const hers = await sharp(photo).extract({ left: 150, top: 20, width: 180, height: 200 }).toBuffer();
    const his = await sharp(strangers[1]!).resize(420, 420).toBuffer();
    const group = await sharp({ create: { width: 700, height: 440, channels: 3, background: '#ccc' } })
      .composite([
        { input: his, left: 0, top: 10 },
        { input: hers, left: 480, top: 120 },
      ])
      .png()
      .toBuffer();
    writeFileSync(join(incoming, 'group.png'), group);
    const job = await studio.api.people.import({ personId: person.id, paths: [incoming] });
    expect((await studio.jobs.waitFor(job.id)).status).toBe('done');
    photos = await studio.api.people.listPhotos({ personId: person.id });
  }, 240_000);

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const byName = (name: string) => photos.find((p) => p.originalName === name)!;

  it('flags a sample photo of someone else as “may be someone else”', () => {
    const other = byName('someone-else.png');
    expect(other.reasons.map((r) => r.code)).toContain('unlike-others');
    expect(other.verdict).not.toBe('accepted');
    for (const name of ['eileen.png', 'eileen-mirrored.png', 'eileen-darker.png'])
      expect(byName(name).reasons.map((r) => r.code)).not.toContain('unlike-others');
  });

  it('in a group photo uses the face that looks like the person, not the largest one', () => {
    const group = byName('group.png');
    expect(group.measures?.faceChosenBy).toBe('likeness');
    expect(group.reasons.map((r) => r.code)).toContain('matched-face');
    const chosen = group.measures!.faces[group.measures!.measuredFace!]!;
    expect(chosen.box.x).toBeGreaterThan(400);
  });

  it('chooses another likeness model only when it is installed, and a non-commercial one only once allowed', async () => {
    await expect(studio.api.likeness.setModel({ id: 'sface' })).rejects.toMatchObject({ code: 'MODEL_ERROR' });
    // ArcFace w600k_r50 as if downloaded (a placeholder file: it is only chosen here, never run).
    mkdirSync(join(studio.catalog.paths.models, 'arcface-w600k-r50'), { recursive: true });
    writeFileSync(join(studio.catalog.paths.models, 'arcface-w600k-r50', 'arcface_w600k_r50.onnx'), 'placeholder');
    await expect(studio.api.likeness.setModel({ id: 'arcface-w600k-r50' })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await studio.api.portrait.setNonCommercial({ allowed: true });
    const models = await studio.api.likeness.setModel({ id: 'arcface-w600k-r50' });
    expect(models.find((m) => m.active)?.id).toBe('arcface-w600k-r50');
    // Back to the built-in model for the tests that follow.
    expect((await studio.api.likeness.setModel({ id: 'dlib-resnet-v1' })).find((m) => m.active)?.id).toBe('dlib-resnet-v1');
    await studio.api.portrait.setNonCommercial({ allowed: false });
  });

  it('gives the person a profile of her own photos, without the stranger', async () => {
    const profile = await studio.api.likeness.getProfile({ personId: person.id });
    expect(profile?.model).toBe(spec.id);
    // Her accepted photos (one of two near-duplicates is kept; the group photo by her face), never the stranger's.
    const names = profile!.members.map((m) => m.name);
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) expect(name).toMatch(/^eileen|^group/);
    expect(names).not.toContain('someone-else.png');
  });

  it('scores imported outputs against the person, sorts and filters by likeness, and rescoring skips what is current', async () => {
    const candidates = join(root, 'candidates');
    mkdirSync(candidates);
    const photo = readFileSync(astronaut.path);
    writeFileSync(join(candidates, 'her-rotated.png'), (await seenAgain(photo)).rotated);
    writeFileSync(join(candidates, 'her-small.jpg'), await sharp(photo).resize(300).jpeg({ quality: 70 }).toBuffer());
    strangers.forEach((s, i) => writeFileSync(join(candidates, `stranger-${i}.png`), s));
    writeFileSync(
      join(candidates, 'no-face.png'),
      await sharp({ create: { width: 200, height: 200, channels: 3, background: '#468' } })
        .png()
        .toBuffer(),
    );
    const imported = await studio.jobs.waitFor((await studio.api.catalog.import({ path: candidates })).id);
    expect(imported.status).toBe('done');

    const job = await studio.jobs.waitFor((await studio.api.likeness.score({ personId: person.id, filter: {} })).id);
    expect(job.error).toBeNull();
    const outcome = job.result as ScoreOutcome;
    expect(outcome).toMatchObject({ scored: 5, noFace: 1, model: spec.id, failed: [] });

    const sorted = await studio.api.catalog.listOutputs({ sort: 'likeness' });
    const names = sorted.items.map((o) => o.originalName);
    expect(names.slice(0, 2).sort()).toEqual(['her-rotated.png', 'her-small.jpg']);
    expect(sorted.items[0]!.likeness).toBeGreaterThanOrEqual(75);
    expect(names.at(-1)).toBe('no-face.png');
    const likely = await studio.api.catalog.listOutputs({ minLikeness: 75 });
    expect(likely.items.map((o) => o.originalName).sort()).toEqual(['her-rotated.png', 'her-small.jpg']);
    const keepers = await studio.api.catalog.listOutputs({ keepers: true, sort: 'likeness' });
    expect(keepers.items.map((o) => o.originalName)).toEqual(names.slice(0, 2));

    const scores = await studio.api.likeness.getScores({ ids: sorted.items.map((o) => o.id) });
    const stranger = scores.find((s) => s.outputId === sorted.items.find((o) => o.originalName === 'stranger-0.png')!.id)!;
    expect(stranger).toMatchObject({ model: spec.id, reference: `person:${person.id}` });
    expect(stranger.verdict).not.toBe('same');
    expect(stranger.face).not.toBeNull();

    const again = await studio.jobs.waitFor((await studio.api.likeness.score({ personId: person.id, filter: {} })).id);
    expect(again.result).toMatchObject({ scored: 0, upToDate: 6 });

    // Against pictures the user picked ("Dad at 40"): one of her candidates as the reference for the others.
    const idOf = (name: string) => sorted.items.find((o) => o.originalName === name)!.id;
    const picked = await studio.jobs.waitFor(
      (await studio.api.likeness.score({ ids: [idOf('her-small.jpg'), idOf('stranger-1.png')], referenceIds: [idOf('her-rotated.png')] })).id,
    );
    expect(picked.result).toMatchObject({ scored: 2 });
    const [small, other] = await studio.api.likeness.getScores({ ids: [idOf('her-small.jpg'), idOf('stranger-1.png')] });
    expect(small).toMatchObject({ reference: `outputs:${idOf('her-rotated.png')}`, personId: null, verdict: 'same' });
    expect(other!.verdict).not.toBe('same');
    await expect(studio.api.likeness.score({ personId: person.id, referenceIds: [idOf('her-rotated.png')] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });

    // Overruling a verdict changes her reference photos: the scores made against the old ones are redone by themselves.
    const before = new Set((await studio.api.jobs.list({})).map((j) => j.id));
    const member = photos.find((p) => p.verdict === 'accepted' && p.originalName.startsWith('eileen'))!;
    await studio.api.people.override({ photoIds: [member.id], verdict: 'rejected', reason: 'not for this set' });
    const rescoring = (await studio.api.jobs.list({})).find((j) => j.kind === 'likeness.score' && !before.has(j.id));
    expect(rescoring?.input).toMatchObject({ personId: person.id, rescore: true });
    const rescored = await studio.jobs.waitFor(rescoring!.id);
    // Her five candidates and the empty picture are redone against her new set; the two scored against the picked
    // picture keep that reference (a rescore does not switch them back to her).
    expect(rescored.result).toMatchObject({ scored: 3, noFace: 1, upToDate: 0 });
    const [still] = await studio.api.likeness.getScores({ ids: [idOf('her-small.jpg')] });
    expect(still!.reference).toBe(`outputs:${idOf('her-rotated.png')}`);
  }, 240_000);
});
