import { StudioError, type StudioErrorShape } from '../api/errors';
import {
  CropInfo,
  CropNudge,
  PhotoMeasures,
  Reason,
  type Photo,
  type SampleSet,
  type SampleSetDetail,
  type SampleSetItem,
  type Verdict,
} from '../api/namespaces/people';
import type { Person } from '../api/namespaces/people';
import type { Catalog } from '../catalog/catalog';
import type { Db } from '../catalog/sqlite';
import { effectiveCaption } from './captions';
import type { Judgement } from './judge';
import { MEASURES_VERSION } from './thresholds';

interface PhotoRow {
  id: number;
  person_id: number;
  object_hash: string;
  thumb_hash: string | null;
  original_name: string;
  width: number;
  height: number;
  verdict: Verdict | null;
  reasons: string;
  measures: string;
  override_verdict: Verdict | null;
  override_reason: string | null;
  overridden_at: number | null;
  caption: string | null;
  caption_extra: string;
  crop_nudge: string | null;
  chosen_face: number | null;
  format: string | null;
  source_path: string | null;
  vetted_at: number | null;
  vet_error: string | null;
  imported_at: number;
  crop_hash: string | null;
  crop_size: number | null;
  crop_info: string | null;
  versions: string | null;
}

export type PhotoFilter = 'accepted' | 'rejected' | 'review' | 'unvetted';

function parseJson<T>(text: string | null, parse: (value: unknown) => T, fallback: T): T {
  if (!text) return fallback;
  try {
    return parse(JSON.parse(text));
  } catch {
    return fallback;
  }
}

function measuresOf(text: string): PhotoMeasures | null {
  return parseJson(text, (v) => (v && typeof v === 'object' && 'version' in v ? PhotoMeasures.parse(v) : null), null);
}

const reasonsOf = (text: string) => parseJson(text, (v) => Reason.array().parse(v), []);

/**
 * The person's photos, their crops and frozen versions. Lives with the people service (the catalogue owns
 * the connection; this only speaks SQL through it).
 */
export class PhotosRepository {
  private readonly db: Db;

  constructor(private readonly catalog: Catalog) {
    this.db = catalog.db;
  }

  private select(where: string): string {
    // The crop shown is the one at the person's current crop size.
    return `SELECT ph.*, c.crop_hash, c.size AS crop_size, c.info AS crop_info,
        (SELECT group_concat(s.version) FROM sample_set_items i JOIN sample_sets s ON s.id = i.sample_set_id WHERE i.photo_id = ph.id) AS versions
      FROM photos ph
      JOIN people p ON p.id = ph.person_id
      LEFT JOIN photo_crops c ON c.photo_id = ph.id AND c.size = p.crop_size
      WHERE ${where}`;
  }

  private toPhoto(row: PhotoRow, person: Pick<Person, 'trigger' | 'classWord'>): Photo {
    const override =
      row.override_verdict && row.overridden_at !== null
        ? { verdict: row.override_verdict, reason: row.override_reason ?? '', at: row.overridden_at }
        : null;
    return {
      id: row.id,
      personId: row.person_id,
      hash: row.object_hash,
      thumbHash: row.thumb_hash,
      originalName: row.original_name,
      format: row.format,
      width: row.width,
      height: row.height,
      importedAt: row.imported_at,
      vettedAt: row.vetted_at,
      verdict: override?.verdict ?? row.verdict,
      computedVerdict: row.verdict,
      reasons: reasonsOf(row.reasons),
      override,
      vetError: parseJson(row.vet_error, (v) => v as StudioErrorShape, null),
      measures: measuresOf(row.measures),
      caption: effectiveCaption(person, row.caption, row.caption_extra),
      captionCustom: row.caption,
      captionExtra: row.caption_extra,
      chosenFace: row.chosen_face,
      nudge: parseJson(row.crop_nudge, (v) => CropNudge.parse(v), null),
      crop:
        row.crop_hash && row.crop_size
          ? { hash: row.crop_hash, size: row.crop_size, info: parseJson(row.crop_info, (v) => CropInfo.parse(v), emptyCropInfo) }
          : null,
      versions: row.versions ? row.versions.split(',').map(Number) : [],
    };
  }

  list(personId: number, filter?: PhotoFilter): Photo[] {
    const person = this.catalog.people.get(personId);
    const verdict = 'coalesce(ph.override_verdict, ph.verdict)';
    const condition = filter === undefined ? '' : filter === 'unvetted' ? ` AND ${verdict} IS NULL` : ` AND ${verdict} = ?`;
    const rows = this.db
      .prepare(`${this.select(`ph.person_id = ? AND ph.removed_at IS NULL${condition}`)} ORDER BY ph.id`)
      .all(...(filter && filter !== 'unvetted' ? [personId, filter] : [personId])) as PhotoRow[];
    return rows.map((row) => this.toPhoto(row, person));
  }

  get(photoId: number): Photo {
    const row = this.db.prepare(this.select('ph.id = ?')).get(photoId) as PhotoRow | undefined;
    if (!row) throw new StudioError('NOT_FOUND', `No photo with id ${photoId}.`, 'Reload the person’s page.');
    return this.toPhoto(row, this.catalog.people.get(row.person_id));
  }

  /**
   * Photos that need (re)measuring: never measured, measured by an older version, (force) all, or measured on
   * another face than the one the user chose. Each with the user's chosen face (null: Likeness chooses).
   */
  toMeasure(personId: number, force: boolean): { id: number; hash: string; name: string; format: string | null; chosenFace: number | null }[] {
    const rows = this.db
      .prepare(
        `SELECT id, object_hash AS hash, original_name AS name, format, measures, chosen_face AS chosenFace FROM photos
         WHERE person_id = ? AND removed_at IS NULL ORDER BY id`,
      )
      .all(personId) as { id: number; hash: string; name: string; format: string | null; measures: string; chosenFace: number | null }[];
    return rows
      .filter((r) => {
        const measures = measuresOf(r.measures);
        if (force || measures?.version !== MEASURES_VERSION) return true;
        // The user chose a face, or took the choice back: measured on something else until vetted again.
        const measuredChosen = measures.faceChosenBy === 'user';
        return r.chosenFace === null ? measuredChosen : !measuredChosen || measures.measuredFace !== r.chosenFace;
      })
      .map(({ measures: _m, ...r }) => r);
  }

  /** The user's choice of face in a photo of several people (null: Likeness chooses again); vetting measures it next. */
  setChosenFace(photoId: number, face: number | null): void {
    this.db.prepare('UPDATE photos SET chosen_face = ? WHERE id = ?').run(face, photoId);
  }

  findByHash(personId: number, hash: string): { id: number; removed: boolean } | undefined {
    const row = this.db.prepare('SELECT id, removed_at FROM photos WHERE person_id = ? AND object_hash = ?').get(personId, hash) as
      { id: number; removed_at: number | null } | undefined;
    return row && { id: row.id, removed: row.removed_at !== null };
  }

  restore(photoId: number): void {
    this.db.prepare('UPDATE photos SET removed_at = NULL WHERE id = ?').run(photoId);
  }

  insert(photo: {
    personId: number;
    objectHash: string;
    thumbHash: string;
    originalName: string;
    format: string;
    width: number;
    height: number;
    sourcePath: string | null;
    caption: string | null;
    captionExtra: string;
  }): number {
    const info = this.db
      .prepare(
        `INSERT INTO photos (person_id, object_hash, thumb_hash, original_name, width, height, format, source_path, caption, caption_extra, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        photo.personId,
        photo.objectHash,
        photo.thumbHash,
        photo.originalName,
        photo.width,
        photo.height,
        photo.format,
        photo.sourcePath,
        photo.caption,
        photo.captionExtra,
        Date.now(),
      );
    return Number(info.lastInsertRowid);
  }

  setMeasures(photoId: number, measures: PhotoMeasures): void {
    this.db
      .prepare('UPDATE photos SET measures = ?, vetted_at = ?, vet_error = NULL WHERE id = ?')
      .run(JSON.stringify(measures), Date.now(), photoId);
  }

  setVetError(photoId: number, error: StudioErrorShape | null): void {
    this.db.prepare('UPDATE photos SET vet_error = ? WHERE id = ?').run(error ? JSON.stringify(error) : null, photoId);
  }

  /** Measured photos of a person (for judging and near-duplicates). */
  measured(personId: number): { id: number; name: string; hash: string; measures: PhotoMeasures }[] {
    const rows = this.db
      .prepare(
        'SELECT id, original_name AS name, object_hash AS hash, measures FROM photos WHERE person_id = ? AND removed_at IS NULL AND vetted_at IS NOT NULL ORDER BY id',
      )
      .all(personId) as { id: number; name: string; hash: string; measures: string }[];
    return rows.flatMap((r) => {
      const measures = measuresOf(r.measures);
      return measures ? [{ id: r.id, name: r.name, hash: r.hash, measures }] : [];
    });
  }

  setJudgements(judgements: Map<number, Judgement>): void {
    const update = this.db.prepare('UPDATE photos SET verdict = ?, reasons = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const [id, j] of judgements) update.run(j.verdict, JSON.stringify(j.reasons), id);
    })();
  }

  setOverride(photoIds: number[], verdict: Verdict | null, reason: string): void {
    const update = this.db.prepare('UPDATE photos SET override_verdict = ?, override_reason = ?, overridden_at = ? WHERE id = ?');
    this.db.transaction(() => {
      for (const id of photoIds) update.run(verdict, verdict ? reason : null, verdict ? Date.now() : null, id);
    })();
  }

  setCaption(photoId: number, caption: string | null, extra: string): void {
    this.db.prepare('UPDATE photos SET caption = ?, caption_extra = ? WHERE id = ?').run(caption, extra, photoId);
  }

  setNudge(photoId: number, nudge: CropNudge | null): void {
    this.db.prepare('UPDATE photos SET crop_nudge = ? WHERE id = ?').run(nudge ? JSON.stringify(nudge) : null, photoId);
  }

  /** Soft delete: a photo in a frozen version stays readable for it; importing the same file again brings it back. */
  remove(photoIds: number[]): number {
    const update = this.db.prepare('UPDATE photos SET removed_at = ? WHERE id = ? AND removed_at IS NULL');
    return this.db.transaction(() => photoIds.reduce((n, id) => n + update.run(Date.now(), id).changes, 0))();
  }

  /** Everything needed to make (or check) a photo's crop. */
  cropSource(photoId: number): {
    id: number;
    personId: number;
    hash: string;
    name: string;
    width: number;
    height: number;
    measures: PhotoMeasures | null;
    nudge: CropNudge | null;
  } {
    const row = this.db
      .prepare('SELECT id, person_id, object_hash, original_name, width, height, measures, crop_nudge FROM photos WHERE id = ?')
      .get(photoId) as
      | {
          id: number;
          person_id: number;
          object_hash: string;
          original_name: string;
          width: number;
          height: number;
          measures: string;
          crop_nudge: string | null;
        }
      | undefined;
    if (!row) throw new StudioError('NOT_FOUND', `No photo with id ${photoId}.`, 'Reload the person’s page.');
    return {
      id: row.id,
      personId: row.person_id,
      hash: row.object_hash,
      name: row.original_name,
      width: row.width,
      height: row.height,
      measures: measuresOf(row.measures),
      nudge: parseJson(row.crop_nudge, (v) => CropNudge.parse(v), null),
    };
  }

  crop(photoId: number, size: number): { hash: string; paramsKey: string; info: CropInfo } | undefined {
    const row = this.db.prepare('SELECT crop_hash, params_key, info FROM photo_crops WHERE photo_id = ? AND size = ?').get(photoId, size) as
      { crop_hash: string; params_key: string; info: string } | undefined;
    return row && { hash: row.crop_hash, paramsKey: row.params_key, info: parseJson(row.info, (v) => CropInfo.parse(v), emptyCropInfo) };
  }

  /** Records a rendered crop; call inside the transaction that adds its object row. */
  putCrop(photoId: number, size: number, paramsKey: string, hash: string, info: CropInfo): void {
    this.db
      .prepare(
        `INSERT INTO photo_crops (photo_id, size, params_key, crop_hash, info, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (photo_id, size) DO UPDATE SET params_key = excluded.params_key, crop_hash = excluded.crop_hash, info = excluded.info, created_at = excluded.created_at`,
      )
      .run(photoId, size, paramsKey, hash, JSON.stringify(info), Date.now());
  }

  // ---------- sample-set versions ----------

  private toSampleSet(row: SampleSetRow): SampleSet {
    return {
      id: row.id,
      personId: row.person_id,
      version: row.version,
      cropSize: row.crop_size,
      trigger: row.trigger_word,
      classWord: row.class_word,
      note: row.note,
      createdAt: row.created_at,
      itemCount: row.item_count,
      settings: parseJson(row.settings, (v) => v as Record<string, unknown>, {}),
    };
  }

  versions(personId: number): SampleSet[] {
    const rows = this.db
      .prepare(
        `SELECT s.*, (SELECT count(*) FROM sample_set_items i WHERE i.sample_set_id = s.id) AS item_count
         FROM sample_sets s WHERE s.person_id = ? ORDER BY s.version DESC`,
      )
      .all(personId) as SampleSetRow[];
    return rows.map((r) => this.toSampleSet(r));
  }

  /** A version with its items; the latest when `version` is absent. */
  version(personId: number, version?: number): SampleSetDetail {
    const row = this.db
      .prepare(
        `SELECT s.*, (SELECT count(*) FROM sample_set_items i WHERE i.sample_set_id = s.id) AS item_count
         FROM sample_sets s WHERE s.person_id = ? ${version === undefined ? '' : 'AND s.version = ?'} ORDER BY s.version DESC LIMIT 1`,
      )
      .get(...(version === undefined ? [personId] : [personId, version])) as SampleSetRow | undefined;
    if (!row) {
      const name = this.catalog.people.get(personId).name;
      throw new StudioError(
        'NOT_FOUND',
        version === undefined ? `${name} has no frozen sample-set version yet.` : `${name} has no version ${version}.`,
        `Freeze one first: the Freeze button on the person’s page, or likeness people freeze "${name}".`,
      );
    }
    const items = this.db
      .prepare(
        `SELECT i.photo_id, i.position, i.crop_hash, i.source_hash, i.caption, i.crop_info, ph.original_name
         FROM sample_set_items i JOIN photos ph ON ph.id = i.photo_id WHERE i.sample_set_id = ? ORDER BY i.position`,
      )
      .all(row.id) as {
      photo_id: number;
      position: number;
      crop_hash: string;
      source_hash: string;
      caption: string;
      crop_info: string;
      original_name: string;
    }[];
    return {
      ...this.toSampleSet(row),
      items: items.map((i): SampleSetItem => ({
        photoId: i.photo_id,
        position: i.position,
        originalName: i.original_name,
        sourceHash: i.source_hash,
        cropHash: i.crop_hash,
        caption: i.caption,
        cropInfo: parseJson(i.crop_info, (v) => CropInfo.parse(v), emptyCropInfo),
      })),
    };
  }

  /** Writes the next version of a person's sample set with its items, in one transaction. */
  createVersion(
    person: Person,
    note: string,
    settings: Record<string, unknown>,
    items: { photoId: number; sourceHash: string; cropHash: string; caption: string; cropInfo: CropInfo }[],
  ): number {
    return this.db.transaction(() => {
      const next = ((this.db.prepare('SELECT max(version) FROM sample_sets WHERE person_id = ?').pluck().get(person.id) as number | null) ?? 0) + 1;
      const info = this.db
        .prepare(
          'INSERT INTO sample_sets (person_id, version, crop_size, note, created_at, trigger_word, class_word, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(person.id, next, person.cropSize, note, Date.now(), person.trigger, person.classWord, JSON.stringify(settings));
      const setId = Number(info.lastInsertRowid);
      const insert = this.db.prepare(
        'INSERT INTO sample_set_items (sample_set_id, photo_id, crop_hash, caption, position, source_hash, crop_info) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      items.forEach((item, index) =>
        insert.run(setId, item.photoId, item.cropHash, item.caption, index + 1, item.sourceHash, JSON.stringify(item.cropInfo)),
      );
      return next;
    })();
  }
}

interface SampleSetRow {
  id: number;
  person_id: number;
  version: number;
  crop_size: number;
  trigger_word: string;
  class_word: string;
  note: string;
  settings: string;
  created_at: number;
  item_count: number;
}

const emptyCropInfo: CropInfo = { angle: 0, center: { x: 0, y: 0 }, side: 0, scale: 1, padded: 0, shifted: false, notes: [] };
