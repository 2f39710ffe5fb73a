import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeopleImportResult, Photo } from '../api/namespaces/people';
import type { Person } from '../api/namespaces/people';
import { installModelFile } from '../models/installed';
import { createStudio, type Studio } from '../studio/studio';
import { sharedFile } from '../testing/shared-data';
import { reasonText } from './reasons';
import { writeVettingFixtures, type VettingFixture } from './testing/variants';

const photosDir = sharedFile('fixtures/photos');
const yunet = sharedFile('models/yunet_n_dynamic.onnx');

describe.skipIf(photosDir.missing || yunet.missing)('vetting the shared fixture photos and their variants', () => {
  let root: string;
  let studio: Studio;
  let person: Person;
  let fixtures: VettingFixture[];
  let result: PeopleImportResult;
  let photos: Photo[];
  const byName = (name: string) => photos.find((p) => p.originalName === name)!;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'likeness-vetting-'));
    studio = await createStudio({ library: join(root, 'library') });
    await installModelFile(studio.catalog.paths.models, 'yunet-n', yunet.path);
    person = await studio.api.people.create({ name: 'Eileen', trigger: 'ohwx', classWord: 'woman', cropSize: 512 });
    fixtures = await writeVettingFixtures(photosDir.path, join(root, 'incoming'));
    const job = await studio.api.people.import({ personId: person.id, paths: [join(root, 'incoming')] });
    const finished = await studio.jobs.waitFor(job.id);
    expect(finished.error).toBeNull();
    expect(finished.status).toBe('done');
    result = finished.result as PeopleImportResult;
    photos = await studio.api.people.listPhotos({ personId: person.id });
  });

  afterAll(async () => {
    await studio?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('imports every readable photo and lists the others as rejected files with the reason, without stopping', () => {
    const unreadable = fixtures.filter((f) => 'rejectedFile' in f.expected);
    expect(result.imported).toBe(fixtures.length - unreadable.length);
    expect(result.rejected.map((r) => r.name).sort()).toEqual(unreadable.map((f) => f.name).sort());
    for (const fixture of unreadable) {
      const rejected = result.rejected.find((r) => r.name === fixture.name)!;
      expect(rejected.reason, fixture.name).toMatch((fixture.expected as { rejectedFile: RegExp }).rejectedFile);
      expect(rejected.hint, fixture.name).toBeTruthy();
      // The kind the UI translates (a Chinese user reads why in Chinese).
      expect(rejected.kind, fixture.name).toBe((fixture.expected as { kind: string }).kind);
    }
    expect(result.vetting).toMatchObject({ status: 'done', error: null, vetted: result.imported });
  });

  it('gives each photo the verdict and reason a person would expect', () => {
    for (const fixture of fixtures) {
      if ('rejectedFile' in fixture.expected) continue;
      const photo = byName(fixture.name);
      const codes = photo.reasons.map((r) => r.code);
      const summary = `${fixture.name}: ${photo.verdict} — ${photo.reasons.map((r) => reasonText(r)).join(' | ')}`;
      expect(photo.verdict, summary).toBe(fixture.expected.verdict);
      if (fixture.expected.reason) expect(codes, summary).toContain(fixture.expected.reason);
      if (fixture.expected.note) expect(codes, summary).toContain(fixture.expected.note);
    }
  });

  it('measures faces with a real detector: one on the astronaut with her eyes in the upper middle, none on the cat or the cup', () => {
    const astronaut = byName('astronaut.png').measures!;
    expect(astronaut.faces).toHaveLength(1);
    const { leftEye, rightEye } = astronaut.faces[0]!.landmarks;
    expect(rightEye.x).toBeLessThan(leftEye.x);
    for (const eye of [leftEye, rightEye]) {
      expect(eye.x).toBeGreaterThan(512 * 0.3);
      expect(eye.x).toBeLessThan(512 * 0.6);
      expect(eye.y).toBeGreaterThan(512 * 0.12);
      expect(eye.y).toBeLessThan(512 * 0.3);
    }
    expect(astronaut.face!.heightPx).toBeGreaterThan(90);
    expect(Math.abs(astronaut.face!.roll)).toBeLessThan(5);
    expect(astronaut.face!.sharpness).toBeGreaterThan(0.15);
    expect(astronaut.tone.kind).toBe('colour');
    expect(byName('camera.png').measures!.faces).toHaveLength(1);
    expect(byName('camera.png').measures!.tone.kind).toBe('black-and-white');
    expect(byName('chelsea.png').measures!.faces.filter((f) => f.score >= 0.7)).toHaveLength(0);
    expect(byName('coffee.png').measures!.faces.filter((f) => f.score >= 0.7)).toHaveLength(0);
    expect(byName('blurred.png').measures!.face!.sharpness).toBeLessThan(astronaut.face!.sharpness / 2);
  });

  it('applies EXIF orientation before measuring', () => {
    const rotated = byName('rotated-exif.jpg');
    expect(rotated.measures!.source.orientation).toBe(6);
    expect([rotated.width, rotated.height]).toEqual([512, 512]);
    expect(Math.abs(rotated.measures!.face!.roll)).toBeLessThan(8);
  });

  it('keeps the better of near-duplicates and names it in the others’ reason', () => {
    const duplicate = byName('duplicate.jpg').reasons.find((r) => r.code === 'near-duplicate')!;
    expect(duplicate.params).toMatchObject({ name: 'astronaut.png', photoId: byName('astronaut.png').id });
    expect(reasonText(duplicate)).toMatch(/astronaut\.png/);
    expect(byName('astronaut.png').reasons.map((r) => r.code)).not.toContain('near-duplicate');
  });

  it('says which of several faces it could not choose between', () => {
    const reason = byName('two-faces.png').reasons.find((r) => r.code === 'several-faces')!;
    expect(reason.params.count).toBe(2);
    expect(reasonText(reason)).toMatch(/2 faces/);
  });

  it('crops every photo at the person’s size: around the face, or the middle when there is none', () => {
    const astronaut = byName('astronaut.png');
    expect(astronaut.crop).toMatchObject({ size: 512 });
    expect(astronaut.crop!.info.notes.map((n) => n.code)).toContain('crop-upscaled');
    // Rendered for photos without a face too, so overruling a verdict shows the crop at once.
    expect(byName('chelsea.png').crop!.info.notes.map((n) => n.code)).toContain('crop-no-face');
  });

  it('recognises a file the person already has by its hash', async () => {
    const job = await studio.api.people.import({ personId: person.id, paths: [join(root, 'incoming', 'astronaut.png')] });
    const again = (await studio.jobs.waitFor(job.id)).result as PeopleImportResult;
    expect(again).toMatchObject({ imported: 0, duplicates: 1, photoIds: [byName('astronaut.png').id] });
  });

  it('re-judges without measuring again when the training resolution changes', async () => {
    await studio.api.people.update({ id: person.id, cropSize: 1024 });
    const astronaut = (await studio.api.people.listPhotos({ personId: person.id })).find((p) => p.originalName === 'astronaut.png')!;
    expect(astronaut.verdict).toBe('rejected');
    expect(astronaut.reasons.find((r) => r.code === 'face-too-small')?.params).toMatchObject({ cropSize: 1024 });
    await studio.api.people.update({ id: person.id, cropSize: 512 });
    const back = (await studio.api.people.listPhotos({ personId: person.id })).find((p) => p.originalName === 'astronaut.png')!;
    expect(back.verdict).toBe('accepted');
    expect(back.vettedAt).toBe(astronaut.vettedAt);
  });

  it('measures, crops and judges a photo of two people on the face the user chose, and keeps the choice when vetted again', async () => {
    const before = byName('two-faces.png');
    expect(before.reasons.map((r) => r.code)).toContain('several-faces');
    const faces = before.measures!.faces;
    expect(faces.length).toBeGreaterThanOrEqual(2);
    // The face Likeness did not measure (its crop was centred on the other one).
    const chosenIndex = before.measures!.measuredFace === 0 ? 1 : 0;
    const side = faces[chosenIndex]!.box.x > before.width / 2 ? 'right' : 'left';
    const reload = async () => (await studio.api.people.listPhotos({ personId: person.id })).find((p) => p.originalName === 'two-faces.png')!;

    expect((await studio.jobs.waitFor((await studio.api.people.chooseFace({ photoId: before.id, face: chosenIndex })).id)).status).toBe('done');
    const chosen = await reload();
    expect(chosen.chosenFace).toBe(chosenIndex);
    expect(chosen.measures).toMatchObject({ measuredFace: chosenIndex, faceChosenBy: 'user' });
    expect(chosen.reasons.map((r) => r.code)).toContain('chosen-face');
    expect(chosen.reasons.map((r) => r.code)).not.toContain('several-faces');
    expect(chosen.reasons.find((r) => r.code === 'chosen-face')!.params.position).toBe(side);
    // The crop is centred on that face now.
    expect(chosen.crop!.hash).not.toBe(before.crop!.hash);

    // Vetting everything again (a new detector, say) keeps the user's choice.
    await studio.jobs.waitFor((await studio.api.people.vet({ personId: person.id, force: true })).id);
    expect((await reload()).measures).toMatchObject({ measuredFace: chosenIndex, faceChosenBy: 'user' });

    // A face that is not there is refused; taking the choice back lets Likeness choose (and say it cannot) again.
    await expect(studio.api.people.chooseFace({ photoId: before.id, face: faces.length })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await studio.jobs.waitFor((await studio.api.people.chooseFace({ photoId: before.id, face: null })).id);
    const back = await reload();
    expect(back.chosenFace).toBeNull();
    expect(back.reasons.map((r) => r.code)).toContain('several-faces');
  });
});
